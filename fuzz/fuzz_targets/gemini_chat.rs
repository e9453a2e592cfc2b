//! Feeds arbitrary bytes to the Gemini CLI chat-log reader: it must never panic, end the
//! source exactly once, warn only with a line inside the input, and emit events that
//! round-trip through JSON.
#![no_main]

use agentobs_gemini::{ChatReader, ReadOptions};
use agentobs_schema::Collect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut sink = Collect::default();
    let opts = ReadOptions::default().with_content(true).with_max_line_bytes(4096);
    let _ = ChatReader::new(data, "fuzz.jsonl", opts).feed(&mut sink);
    assert_eq!(sink.ends.len(), 1);
    let lines = sink.ends[0].lines;
    for w in &sink.warnings {
        assert!(w.line >= 1 && w.line <= lines.max(1), "{w}");
    }
    for e in &sink.events {
        let text = serde_json::to_string(e).expect("events serialize");
        let back: agentobs_schema::Event = serde_json::from_str(&text).expect("round trip");
        assert_eq!(&back, e);
    }
});
