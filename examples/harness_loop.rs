//! Emit from a minimal agent-harness loop: the emit API in the place a harness calls it.
//!
//! ```sh
//! cargo run --example harness_loop            # events to a JSONL file in a temp dir
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo run --example harness_loop
//! ```
//!
//! The "model" and the "tools" are stand-ins (fixed usage, `true` as the command); the
//! telemetry calls are the real ones: a session per conversation, a turn per user message,
//! one `api_request` + `token_usage` per model response, one `tool_result` per tool call,
//! and a shutdown with a deadline on the way out, whatever happened.

use std::time::{Duration, Instant};

use agentobs::schema::{Harness, SessionContext, SessionStarted, TokenUsage};
use agentobs::telemetry::{Telemetry, ToolCall};

/// What the stand-in model answers: either a tool call or a final message.
enum Reply {
    Tool(&'static str, &'static str),
    Done,
}

fn model(step: usize) -> (Reply, TokenUsage) {
    let usage = TokenUsage {
        input_tokens: 3_000 + 400 * step as u64,
        cached_input_tokens: 2_800,
        output_tokens: 60,
        ..TokenUsage::default()
    };
    let reply = match step {
        0 => Reply::Tool("shell", "true"),
        1 => Reply::Tool("shell", "false"),
        _ => Reply::Done,
    };
    (reply, usage)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("agentobs-harness-loop-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let jsonl = dir.join("events.jsonl");
    // The OTEL_* variables decide OTLP; the JSONL file is always written here.
    let otlp = agentobs::export::config::ExportConfig::builder()
        .resolve(None, &|k: &str| std::env::var(k).ok())?;
    let telemetry = Telemetry::builder()
        .otlp(&otlp, "genai")?
        .jsonl(&jsonl)?
        .build();

    let mut ctx = SessionContext::new(Harness::Other("tiny-agent".into()));
    ctx.thread_id = Some("0199a213-81c0-7800-8aa1-bbab2a035a53".into());
    ctx.model = Some("gpt-5".into());
    let session = telemetry.session(ctx);
    session.started(SessionStarted::default);

    for (turn, prompt) in ["run the tests", "and again"].iter().enumerate() {
        let turn_id = format!("turn-{turn}");
        session.turn_started(&turn_id);
        session.user_prompt(Some(&turn_id), prompt);
        for step in 0.. {
            let asked = Instant::now();
            let (reply, usage) = model(step);
            session.api_request(1, Some(200), asked.elapsed());
            session.token_usage(usage);
            match reply {
                Reply::Done => break,
                Reply::Tool(tool, cmd) => {
                    let started = Instant::now();
                    let status = std::process::Command::new(cmd).status();
                    let code = status.as_ref().ok().and_then(|s| s.code());
                    let call_id = format!("{turn_id}-call-{step}");
                    session.tool_result(ToolCall {
                        tool,
                        call_id: &call_id,
                        turn_id: Some(&turn_id),
                        arguments: cmd,
                        duration: started.elapsed(),
                        success: code == Some(0),
                        exit_code: code.map(i64::from),
                        ..ToolCall::default()
                    });
                }
            }
        }
        session.turn_completed(&turn_id);
    }
    session.end();
    let report = telemetry.shutdown(Duration::from_secs(5));
    let lines = std::fs::read_to_string(&jsonl)?.lines().count();
    println!("{lines} events written to {}", jsonl.display());
    println!(
        "pipeline: {:?}, complete: {}",
        report.stats,
        report.complete()
    );
    std::fs::remove_dir_all(&dir)?;
    if lines == 0 || !report.complete() {
        return Err("telemetry did not deliver everything".into());
    }
    Ok(())
}
