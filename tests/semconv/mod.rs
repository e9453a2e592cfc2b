//! Semantic mapping on real captures: golden snapshots per dialect, names against the spec
//! tables, token sums against the reader, OTLP-JSON that decodes, sub-agent nesting, content
//! that cannot leak, and properties of the mapper.

mod golden;
mod names;
mod nesting;
mod otlp;
mod privacy;
mod props;
mod sums;

use std::path::{Path, PathBuf};

use agentobs::BookPricer;
use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::schema::{Event, EventSink};
use agentobs::semconv::{ContentPolicy, Dialect, Mapper, Signals, dialects};

use crate::common::*;

pub const DIALECTS: [&str; 4] = ["codex", "genai", "genai-latest", "openinference"];

/// Every fixture set: (name, rollout files in read order).
pub fn fixture_sets() -> Vec<(String, Vec<PathBuf>)> {
    let mut sets = Vec::new();
    for generation in ["codex-0.169", "codex-0.171"] {
        let root = fixture(generation);
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            let files = jsonl_files(&d);
            let name = format!("{generation}-{}", d.file_name().unwrap().to_string_lossy());
            sets.push((name, files));
        }
    }
    for folder in ["generations", "traps"] {
        for f in jsonl_files(&fixture(folder)) {
            let name = format!("{folder}-{}", f.file_stem().unwrap().to_string_lossy());
            sets.push((name, vec![f]));
        }
    }
    sets
}

fn jsonl_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files
}

pub fn dialect(name: &str) -> Box<dyn Dialect + Send> {
    dialects::by_name(name, None).unwrap()
}

pub fn pricer() -> BookPricer {
    BookPricer::new(PriceBook::embedded(), ServiceTier::Standard)
}

/// Maps `files` (read in full, with content when `content` captures any) through `dialect`.
pub fn map_files(files: &[PathBuf], dialect_name: &str, content: ContentPolicy) -> Signals {
    let mut mapper = Mapper::new(dialect(dialect_name), Signals::default())
        .with_content(content)
        .with_pricer(pricer());
    let opts = ReadOptions::default().with_content(true);
    for f in files {
        let mut reader = RolloutReader::open(f, opts.clone()).unwrap();
        let _ = reader.feed(&mut mapper);
    }
    mapper.finish().0
}

/// Maps events already read.
pub fn map_events(events: &[Event], dialect_name: &str) -> Signals {
    let mut mapper = Mapper::new(dialect(dialect_name), Signals::default()).with_pricer(pricer());
    for e in events {
        let _ = mapper.event(e);
    }
    mapper.finish().0
}

/// The events of `files`, as the reader gives them.
pub fn events_of(files: &[PathBuf]) -> Vec<Event> {
    files.iter().flat_map(|f| read(f).events).collect()
}
