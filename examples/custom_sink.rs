//! A sink of your own: one `impl EventSink` + `impl Sink`, plugged into the emit API.
//!
//! ```sh
//! cargo run --example custom_sink
//! ```
//!
//! `ToolCsv` writes one CSV row per tool call (time, session, tool, exit code, duration) and
//! counts what it wrote; it runs on its own thread behind a bounded queue like every sink,
//! so the harness never waits on it. The session it receives is built with
//! `agentobs-testing`'s `SessionBuilder` and emitted through `Telemetry`, exactly as a
//! harness would emit it.

use std::io::Write;
use std::ops::ControlFlow;
use std::time::Duration;

use agentobs::export::pipeline::{Sink, SinkSummary};
use agentobs::schema::{Event, EventKind, EventSink};
use agentobs::telemetry::Telemetry;
use agentobs_testing::SessionBuilder;

/// Tool calls as CSV rows on any writer.
struct ToolCsv<W: Write> {
    out: W,
    rows: u64,
    error: Option<String>,
}

impl<W: Write> EventSink for ToolCsv<W> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if let EventKind::ToolResult(r) = &event.kind {
            let session = event.ctx.thread_or_session_id().unwrap_or("-");
            let row = writeln!(
                self.out,
                "{},{session},{},{},{}",
                event.at,
                r.tool,
                r.exit_code.map_or(String::new(), |c| c.to_string()),
                r.duration_ms.map_or(String::new(), |d| d.to_string()),
            );
            match row {
                Ok(()) => self.rows += 1,
                Err(e) => self.error = Some(e.to_string()),
            }
        }
        ControlFlow::Continue(())
    }
}

impl<W: Write + Send + 'static> Sink for ToolCsv<W> {
    fn flush(&mut self) -> Result<(), String> {
        self.out.flush().map_err(|e| e.to_string())
    }
    fn close(&mut self) -> SinkSummary {
        let flushed = self.flush().err();
        SinkSummary::new(self.rows, 0, self.error.take().or(flushed))
    }
}

fn main() {
    println!("at,session,tool,exit_code,duration_ms");
    let sink = ToolCsv {
        out: std::io::stdout(),
        rows: 0,
        error: None,
    };
    let telemetry = Telemetry::builder().sink("tool-csv", sink).build();

    let mut s = SessionBuilder::new().model("gpt-5");
    s.turn("make the build green");
    s.tool(
        "exec_command",
        r#"{"cmd":"cargo build"}"#,
        101,
        2_400,
        "error[E0425]",
    );
    s.tool("apply_patch", "*** Begin Patch", 0, 80, "Success.");
    s.tool(
        "exec_command",
        r#"{"cmd":"cargo build"}"#,
        0,
        1_900,
        "Finished",
    );
    s.end_turn();
    s.emit(&telemetry);

    let report = telemetry.shutdown(Duration::from_secs(5));
    let (name, summary) = &report.summaries[0];
    let summary = summary.as_ref().expect("the sink closed in time");
    eprintln!(
        "{name}: {} rows, error: {:?}",
        summary.delivered, summary.error
    );
    assert_eq!(summary.delivered, 3);
    assert!(report.complete());
}
