//! Feeds arbitrary bytes to the Claude Code transcript reader: it must never panic, end the
//! source exactly once, warn only with a line inside the input, and emit events that
//! round-trip through JSON. Read through a 7-byte buffer (every line split across reads) it
//! must give the same events and warnings, and in tokens-only mode the same usage, prompts
//! and session starts.
#![no_main]

use agentobs_claude::{ReadOptions, TranscriptReader};
use agentobs_schema::{Collect, Event, EventKind};
use libfuzzer_sys::fuzz_target;

fn accounting(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::SessionStarted(_) | EventKind::TokenUsage(_) | EventKind::UserPrompt(_)
            )
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut sink = Collect::default();
    let opts = ReadOptions::default().with_content(true).with_max_line_bytes(4096);
    let _ = TranscriptReader::new(data, "fuzz.jsonl", opts.clone()).feed(&mut sink);
    assert_eq!(sink.ends.len(), 1);
    let lines = sink.ends[0].lines;
    for w in &sink.warnings {
        assert!(w.line >= 1 && w.line <= lines.max(1), "{w}");
    }
    for e in &sink.events {
        let text = serde_json::to_string(e).expect("events serialize");
        let back: Event = serde_json::from_str(&text).expect("round trip");
        assert_eq!(&back, e);
    }

    let mut split = Collect::default();
    let small = std::io::BufReader::with_capacity(7, data);
    let _ = TranscriptReader::new(small, "fuzz.jsonl", opts.clone()).feed(&mut split);
    assert_eq!(split.events, sink.events);
    assert_eq!(split.warnings, sink.warnings);
    assert_eq!(split.ends, sink.ends);

    let mut tokens = Collect::default();
    let _ = TranscriptReader::new(data, "fuzz.jsonl", opts.with_tokens_only(true)).feed(&mut tokens);
    assert_eq!(accounting(&tokens.events), accounting(&sink.events));
    assert_eq!(tokens.ends.len(), 1);
});
