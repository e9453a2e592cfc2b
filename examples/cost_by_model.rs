//! Token usage and cost per model of a Codex home, through the library API.
//!
//! ```sh
//! cargo run --example cost_by_model -- tests/fixtures/codex-0.169
//! ```
//!
//! Reads every rollout on the token-only fast path, prices each request with the embedded
//! price book, and prints one line per model. Models without a price are listed, not $0.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::PathBuf;

use agentobs::codex::{ReadOptions, RolloutReader, default_codex_home, discover};
use agentobs::cost::{PriceBook, Request, ServiceTier};
use agentobs::schema::{Event, EventSink, TokenUsage, Warning};

/// Tokens and cost per model: a sink fed by every file.
struct PerModel {
    book: PriceBook,
    /// Tokens, and the cost (`None` once any request of the model had no price).
    models: BTreeMap<String, (TokenUsage, Option<f64>)>,
}

impl EventSink for PerModel {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if let Some(request) = Request::from_event(event) {
            let cost = request
                .cost(&self.book, ServiceTier::Standard)
                .map(|c| c.total_usd());
            let entry = self
                .models
                .entry(request.model.to_owned())
                .or_insert((TokenUsage::default(), Some(0.0)));
            entry.0 += request.usage;
            entry.1 = entry.1.zip(cost).map(|(a, b)| a + b);
        }
        ControlFlow::Continue(())
    }

    fn warning(&mut self, warning: &Warning) {
        eprintln!("warning: {warning}");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(default_codex_home)
        .ok_or("give a path or set CODEX_HOME")?;
    let mut sink = PerModel {
        book: PriceBook::embedded(),
        models: BTreeMap::new(),
    };
    for file in discover(&[root])? {
        let _ = RolloutReader::open(&file.path, ReadOptions::tokens())?.feed(&mut sink);
    }
    println!(
        "{:<22} {:>14} {:>12} {:>12}",
        "model", "input", "output", "cost (USD)"
    );
    for (model, (usage, cost)) in sink.models {
        let cost = cost.map_or("unpriced".to_owned(), |c| format!("{c:.4}"));
        println!(
            "{model:<22} {:>14} {:>12} {:>12}",
            usage.input_tokens, usage.output_tokens, cost
        );
    }
    Ok(())
}
