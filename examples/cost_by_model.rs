//! Token usage and cost per model of a Codex home, through the library API.
//!
//! ```sh
//! cargo run --example cost_by_model -- tests/fixtures/codex-0.169
//! ```
//!
//! Reads every rollout on the token-only fast path, prices each request with the embedded
//! price book, and prints one line per model. Models without a price are listed, not $0.

use std::collections::BTreeMap;
use std::path::PathBuf;

use agentobs::codex::{ReadOptions, RolloutReader, default_codex_home, discover};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::schema::{EventKind, TokenUsage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(default_codex_home)
        .ok_or("give a path or set CODEX_HOME")?;
    let book = PriceBook::embedded();
    let mut per_model: BTreeMap<String, (TokenUsage, Option<f64>)> = BTreeMap::new();
    for file in discover(&[root])? {
        for item in RolloutReader::open(&file.path, ReadOptions::tokens())? {
            let event = match item {
                Ok(e) => e,
                Err(warning) => {
                    eprintln!("warning: {warning}");
                    continue;
                }
            };
            let EventKind::TokenUsage(u) = &event.kind else {
                continue;
            };
            let model = event.ctx.model.clone().unwrap_or_else(|| "unknown".into());
            let prompt = u.prompt_tokens.unwrap_or(u.usage.input_tokens);
            let cost = book
                .price(&model, &u.usage, prompt, ServiceTier::Standard)
                .map(|c| c.total_usd());
            let entry = per_model
                .entry(model)
                .or_insert((TokenUsage::default(), Some(0.0)));
            entry.0 += u.usage;
            entry.1 = entry.1.zip(cost).map(|(a, b)| a + b);
        }
    }
    println!(
        "{:<22} {:>14} {:>12} {:>12}",
        "model", "input", "output", "cost (USD)"
    );
    for (model, (usage, cost)) in per_model {
        let cost = cost.map_or("unpriced".to_owned(), |c| format!("{c:.4}"));
        println!(
            "{model:<22} {:>14} {:>12} {:>12}",
            usage.input_tokens, usage.output_tokens, cost
        );
    }
    Ok(())
}
