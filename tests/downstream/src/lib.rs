//! A toy agent harness: it works through a list of tasks, "asks a model" (fixed usage) and
//! runs one shell command per task, and reports all of it through agentobs's emit API.

use std::time::{Duration, Instant};

use agentobs::schema::{Harness, SessionContext, TokenUsage};
use agentobs::telemetry::{Telemetry, ToolCall};

/// One task: a prompt and the command the "model" decides to run for it.
pub struct Task<'a> {
    /// What the user asked.
    pub prompt: &'a str,
    /// The command run for it (`true`, `false`, ...).
    pub command: &'a str,
}

/// Runs `tasks` in one session of `telemetry`, one turn per task.
pub fn run(telemetry: &Telemetry, thread_id: &str, tasks: &[Task<'_>]) {
    let mut ctx = SessionContext::new(Harness::Other("toy-harness".into()));
    ctx.thread_id = Some(thread_id.to_owned());
    ctx.model = Some("gpt-5".into());
    let session = telemetry.session(ctx);
    for (i, task) in tasks.iter().enumerate() {
        let turn = format!("turn-{i}");
        session.turn_started(&turn);
        session.user_prompt(Some(&turn), task.prompt);
        session.api_request(1, Some(200), Duration::from_millis(5));
        session.token_usage(TokenUsage { input_tokens: 2_000, cached_input_tokens: 1_000, output_tokens: 50, ..TokenUsage::default() });
        let started = Instant::now();
        let code = std::process::Command::new(task.command).status().ok().and_then(|s| s.code());
        let call_id = format!("call-{i}");
        session.tool_result(ToolCall {
            tool: "shell",
            call_id: &call_id,
            turn_id: Some(&turn),
            arguments: task.command,
            duration: started.elapsed(),
            success: code == Some(0),
            exit_code: code.map(i64::from),
            ..ToolCall::default()
        });
        session.turn_completed(&turn);
    }
    session.end();
}
