//! An anomaly rule of your own: one `impl Rule`, run by the engine beside the built-in ones.
//!
//! ```sh
//! cargo run --example anomaly_rule
//! ```
//!
//! `RetryAfterFailure` fires when a session runs the same command again right after it
//! failed, more than `max` times in a row: an agent hammering a broken build instead of
//! reading the error. Its state is per session and bounded (the last command and a count);
//! the alert cites every failed call as evidence, `path:line` when the events come from a
//! file. The sessions are built with `agentobs-testing`'s `SessionBuilder`.

use agentobs::anomaly::{Context, Engine, Evidence, Rule, RuleSet, Severity};
use agentobs::schema::{Event, EventKind, Redacted};
use agentobs_testing::SessionBuilder;

struct RetryAfterFailure {
    max: u32,
}

#[derive(Default)]
struct Streak {
    last: Option<String>,
    failures: u32,
    raised: bool,
    evidence: Vec<Evidence>,
}

impl Rule for RetryAfterFailure {
    type State = Streak;

    fn id(&self) -> &str {
        "retry_after_failure"
    }

    fn event(&self, state: &mut Streak, event: &Event, cx: &mut Context<'_>) {
        let EventKind::ToolResult(r) = &event.kind else {
            return;
        };
        // The argument text is withheld by default: its length stands in for the command.
        let command = match &r.arguments {
            Redacted::Shown(text) => text.clone(),
            withheld => format!("{}:{} chars", r.tool, withheld.len()),
        };
        if r.success == Some(false) {
            if state.last.as_deref() == Some(command.as_str()) {
                state.failures += 1;
            } else {
                state.failures = 1;
                state.last = Some(command);
                state.evidence.clear();
            }
            if state.evidence.len() <= self.max as usize {
                state.evidence.push(Evidence::of(event));
            }
            if state.failures > self.max && !state.raised {
                state.raised = true;
                let alert = cx.raise(
                    Severity::Warning,
                    format!(
                        "the same failing call ran {} times in a row",
                        state.failures
                    ),
                );
                alert.value = f64::from(state.failures);
                alert.threshold = f64::from(self.max);
                alert.evidence = std::mem::take(&mut state.evidence);
            }
        } else {
            *state = Streak {
                raised: state.raised,
                ..Streak::default()
            };
        }
    }
}

fn main() {
    let mut engine = Engine::builder()
        .rules(RuleSet::default())
        .rule(RetryAfterFailure { max: 2 })
        .build();

    let mut stuck = SessionBuilder::new()
        .thread_id(agentobs_testing::uuid(100))
        .source_path("stuck.jsonl");
    stuck.turn("fix the build");
    for _ in 0..4 {
        stuck.tool(
            "exec_command",
            r#"{"cmd":"cargo build"}"#,
            101,
            2_000,
            "error[E0425]",
        );
    }
    stuck.end_turn();
    let mut fine = SessionBuilder::new()
        .thread_id(agentobs_testing::uuid(200))
        .source_path("fine.jsonl");
    fine.turn("fix the build");
    fine.tool(
        "exec_command",
        r#"{"cmd":"cargo build"}"#,
        101,
        2_000,
        "error[E0425]",
    );
    fine.tool("apply_patch", "*** Begin Patch", 0, 50, "Success.");
    fine.tool(
        "exec_command",
        r#"{"cmd":"cargo build"}"#,
        0,
        1_800,
        "Finished",
    );
    fine.end_turn();

    for event in stuck.events().iter().chain(&fine.events()) {
        let _ = agentobs::schema::EventSink::event(&mut engine, event);
    }
    let alerts = engine.finish();
    let ours: Vec<_> = alerts
        .iter()
        .filter(|a| &*a.rule == "retry_after_failure")
        .collect();
    for a in &ours {
        let evidence: Vec<String> = a.evidence.iter().map(ToString::to_string).collect();
        println!(
            "{} [{:?}] {}: {} (evidence: {})",
            a.rule,
            a.severity,
            a.session_id.as_deref().unwrap_or("-"),
            a.message,
            evidence.join(", ")
        );
    }
    assert_eq!(ours.len(), 1, "only the stuck session alerts");
    assert_eq!(
        ours[0].session_id.as_deref(),
        Some(agentobs_testing::uuid(100).as_str())
    );
}
