//! Feeds arbitrary bytes to the rollout reader in both modes: it must never panic, must account
//! for every line, and its JSON output must round-trip.
#![no_main]

use agentobs_codex::{ReadMode, ReadOptions, RolloutReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for mode in [ReadMode::Full, ReadMode::Tokens] {
        let opts = ReadOptions {
            mode,
            include_content: true,
            max_line_bytes: 4096,
        };
        let mut reader = RolloutReader::new(data, "fuzz.jsonl", opts);
        for item in reader.by_ref() {
            if let Ok(event) = item {
                let json = serde_json_roundtrip(&event);
                assert_eq!(json, event);
            }
        }
        let s = reader.stats();
        assert!(s.parsed + s.skipped <= s.lines + 1);
    }
});

fn serde_json_roundtrip(e: &agentobs_schema::Event) -> agentobs_schema::Event {
    let text = serde_json::to_string(e).expect("events serialize");
    serde_json::from_str(&text).expect("events deserialize")
}
