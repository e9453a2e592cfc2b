//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use agentobs::codex::{FileStats, ReadOptions, RolloutReader, Warning};
use agentobs::schema::{Collect, Event, EventKind, TokenUsage};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// The single rollout in a fixture folder (or the file itself).
pub fn rollout(rel: &str) -> PathBuf {
    let p = fixture(rel);
    if p.is_file() {
        return p;
    }
    let mut files: Vec<_> = std::fs::read_dir(&p)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 1, "{rel} holds {} rollouts", files.len());
    files.pop().unwrap()
}

pub struct Read {
    pub events: Vec<Event>,
    pub warnings: Vec<Warning>,
    pub stats: FileStats,
}

fn collect<R: std::io::Read>(mut reader: RolloutReader<R>) -> Read {
    let mut sink = Collect::default();
    let _ = reader.feed(&mut sink);
    assert_eq!(sink.ends.len(), 1, "one end per file");
    Read {
        events: sink.events,
        warnings: sink.warnings,
        stats: reader.stats().clone(),
    }
}

pub fn read_with(path: &Path, opts: ReadOptions) -> Read {
    collect(RolloutReader::open(path, opts).unwrap())
}

pub fn read(path: &Path) -> Read {
    read_with(path, ReadOptions::default())
}

pub fn read_bytes(bytes: &[u8], opts: ReadOptions) -> Read {
    collect(RolloutReader::new(bytes, "mem.jsonl", opts))
}

pub fn usage_sum(events: &[Event]) -> TokenUsage {
    let mut total = TokenUsage::default();
    for e in events {
        if let EventKind::TokenUsage(u) = &e.kind {
            total += u.usage;
        }
    }
    total
}

pub fn usage(i: u64, c: u64, o: u64, r: u64) -> TokenUsage {
    TokenUsage {
        input_tokens: i,
        cached_input_tokens: c,
        cache_write_input_tokens: 0,
        output_tokens: o,
        reasoning_output_tokens: r,
        cache_write_1h_input_tokens: 0,
    }
}

pub fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.kind.type_name()).collect()
}
