//! A dialect of your own: one `impl Dialect`, no change to agentobs.
//!
//! ```sh
//! cargo run --example custom_dialect -- tests/fixtures/codex-0.169
//! ```
//!
//! This one writes what a team's own dashboard wants: one `acme.turn` span per turn with the
//! turn's tokens and cost in flat keys, one `acme.tool` log record per failed tool call, and
//! an `acme.cost_usd` counter by model. The mapper does the rest: turn boundaries, ids, usage
//! and cost so far, content redaction, metric aggregation. The records go out as OTLP-JSON
//! lines on standard output.

use std::path::PathBuf;

use agentobs::BookPricer;
use agentobs::codex::{ReadOptions, RolloutReader, discover};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::export::OtlpJsonWriter;
use agentobs::schema::{Event, EventKind};
use agentobs::semconv::{
    AttrList, Dialect, MapContext, Mapper, Severity, SpanKind, SpanStatus, TurnState,
};

/// The team's names.
struct Acme;

impl Dialect for Acme {
    fn name(&self) -> &str {
        "acme"
    }

    /// The one required method: what each event becomes.
    fn map(&self, event: &Event, cx: &mut MapContext<'_>) {
        match &event.kind {
            EventKind::ToolResult(r) if r.success == Some(false) => {
                let mut a = AttrList::new();
                a.set("tool", r.tool.clone());
                a.set_opt("exit_code", r.exit_code);
                a.set_opt("claimed_success", r.reported_success);
                cx.log("acme.tool", event.at, Severity::Warn, a);
            }
            EventKind::TokenUsage(_) => {
                if let Some(cost) = cx.cost() {
                    let mut a = AttrList::new();
                    a.set_opt("model", event.ctx.model.clone());
                    cx.counter("acme.cost_usd", "USD", &a, cost.total_usd(), event.at);
                }
            }
            _ => {}
        }
    }

    /// A provided hook: open the turn's span when the turn begins.
    fn open_turn(&self, cx: &mut MapContext<'_>) {
        if let Some(span) = cx.new_turn_span("acme.turn", SpanKind::Internal) {
            cx.open_span(span);
        }
    }

    /// And close it with what the mapper counted.
    fn close_turn(&self, turn: &TurnState, cx: &mut MapContext<'_>) {
        if let Some(span) = cx.open_span_mut(turn.span_id) {
            let a = &mut span.attributes;
            a.set("tokens_in", turn.usage.input_tokens);
            a.set("tokens_out", turn.usage.output_tokens);
            a.set("cost_usd", turn.cost.total_usd());
            a.set("tool_calls", turn.tool_calls);
            if let Some(e) = &turn.error {
                span.status = SpanStatus::Error(e.clone());
            }
        }
        cx.close_span(turn.span_id, turn.end());
    }
}

fn main() {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tests/fixtures/codex-0.169"));
    let files = discover(&[root]).expect("readable path");
    let pricer = BookPricer::new(PriceBook::embedded(), ServiceTier::Standard);
    let mut mapper =
        Mapper::new(Acme, OtlpJsonWriter::new(std::io::stdout().lock())).with_pricer(pricer);
    for f in &files {
        match RolloutReader::open(&f.path, ReadOptions::default()) {
            Ok(mut reader) => {
                let _ = reader.feed(&mut mapper);
            }
            Err(e) => eprintln!("warning: {e}"),
        }
    }
    let (writer, stats) = mapper.finish();
    let written = writer.finish().expect("stdout");
    eprintln!(
        "{} files → {} spans, {} log records, {} metric points ({} lines)",
        files.len(),
        stats.spans,
        stats.logs,
        stats.metric_points,
        written.lines
    );
}
