//! Cost per developer, from each developer's Codex home.
//!
//! ```sh
//! cargo run --example cost_per_developer -- alice=/mnt/homes/alice/.codex bob=/mnt/homes/bob/.codex
//! cargo run --example cost_per_developer        # the repository's captures as two "developers"
//! ```
//!
//! Every `NAME=PATH` is one developer's Codex home (or a folder of rollouts). Each rollout is
//! read on the token-only fast path, each request priced with the embedded price book, and
//! one line per developer printed: sessions, requests, tokens, cost, and the requests whose
//! model has no price (never counted as $0). A thread found in both `sessions/` and
//! `archived_sessions/` counts once.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::PathBuf;

use agentobs::codex::{ReadOptions, RolloutReader, discover};
use agentobs::cost::{PriceBook, Request, ServiceTier};
use agentobs::schema::{Event, EventSink, TokenUsage, Warning};

#[derive(Default)]
struct Developer {
    sessions: u64,
    requests: u64,
    unpriced: u64,
    usage: TokenUsage,
    cost_usd: f64,
}

struct Tally<'a> {
    book: &'a PriceBook,
    dev: &'a mut Developer,
}

impl EventSink for Tally<'_> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if let Some(request) = Request::from_event(event) {
            self.dev.requests += 1;
            self.dev.usage += request.usage;
            match request.cost(self.book, ServiceTier::Standard) {
                Some(c) => self.dev.cost_usd += c.total_usd(),
                None => self.dev.unpriced += 1,
            }
        }
        ControlFlow::Continue(())
    }

    fn warning(&mut self, warning: &Warning) {
        eprintln!("warning: {warning}");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut homes: Vec<(String, PathBuf)> = Vec::new();
    for arg in std::env::args().skip(1) {
        let (name, path) = arg
            .split_once('=')
            .ok_or_else(|| format!("{arg}: expected NAME=PATH"))?;
        homes.push((name.to_owned(), PathBuf::from(path)));
    }
    if homes.is_empty() {
        let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        homes.push(("alice".into(), fixtures.join("codex-0.169")));
        homes.push(("bob".into(), fixtures.join("codex-0.171")));
    }
    let book = PriceBook::embedded();
    let mut devs: BTreeMap<String, Developer> = BTreeMap::new();
    for (name, home) in &homes {
        let dev = devs.entry(name.clone()).or_default();
        let mut tally = Tally { book: &book, dev };
        for file in discover(std::slice::from_ref(home))? {
            tally.dev.sessions += 1;
            let _ = RolloutReader::open(&file.path, ReadOptions::tokens())?.feed(&mut tally);
        }
    }
    println!(
        "{:<12} {:>8} {:>9} {:>12} {:>10} {:>11} {:>9}",
        "developer", "sessions", "requests", "input", "output", "cost (USD)", "unpriced"
    );
    let mut total = 0.0;
    for (name, d) in &devs {
        total += d.cost_usd;
        println!(
            "{name:<12} {:>8} {:>9} {:>12} {:>10} {:>11.4} {:>9}",
            d.sessions,
            d.requests,
            d.usage.input_tokens,
            d.usage.output_tokens,
            d.cost_usd,
            d.unpriced
        );
    }
    println!("{:<12} {:>74.4}", "total", total);
    Ok(())
}
