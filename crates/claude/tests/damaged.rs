//! Damaged input: one line of a real transcript cut, given a byte-order mark, a bad
//! escape, non-ASCII text or a huge number gives warnings on that line only and loses
//! nothing of the other lines.

use std::collections::BTreeSet;

use agentobs_claude::{ReadOptions, TranscriptReader};
use agentobs_schema::{Collect, EventKind};
use proptest::prelude::*;

const TOOL: &str = include_str!("fixtures/claude-code-2.1.197/tool/transcript.jsonl");

fn billed(c: &Collect) -> BTreeSet<String> {
    c.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(u) => u.response_id.clone(),
            _ => None,
        })
        .collect()
}

fn damage(line: &str, how: u8, at: usize) -> String {
    let at = (0..=at.min(line.len()))
        .rev()
        .find(|i| line.is_char_boundary(*i))
        .unwrap_or(0);
    match how {
        0 => line[..at].to_owned(),
        1 => format!("\u{feff}{line}"),
        2 => format!("{}\\q{}", &line[..at], &line[at..]),
        3 => format!("{}é漢🦀{}", &line[..at], &line[at..]),
        _ => line.replace(
            "\"output_tokens\":60",
            "\"output_tokens\":99999999999999999999999",
        ),
    }
}

proptest! {
    #[test]
    fn damage_stays_on_its_line(
        which in 0usize..11, how in 0u8..5, at in 0usize..4000, tokens in any::<bool>(),
    ) {
        let opts = if tokens { ReadOptions::tokens() } else { ReadOptions::default() };
        let lines: Vec<&str> = TOOL.lines().collect();
        let which = which % lines.len();
        let mut text = String::new();
        for (i, l) in lines.iter().enumerate() {
            if i == which { text.push_str(&damage(l, how, at)) } else { text.push_str(l) }
            text.push('\n');
        }
        let mut orig = Collect::default();
        let _ = TranscriptReader::new(TOOL.as_bytes(), "t", opts.clone()).feed(&mut orig);
        let mut got = Collect::default();
        let _ = TranscriptReader::new(text.as_bytes(), "t", opts).feed(&mut got);
        for w in &got.warnings {
            prop_assert_eq!(w.line, which as u64 + 1, "{}", w);
        }
        let damaged_id = serde_json::from_str::<serde_json::Value>(lines[which])
            .ok()
            .and_then(|v| v["message"]["id"].as_str().map(str::to_owned));
        let sole = damaged_id.filter(|id| {
            lines.iter().enumerate().all(|(i, l)| i == which || !l.contains(id.as_str()))
        });
        let mut want = billed(&orig);
        if let Some(id) = sole { want.remove(&id); }
        prop_assert!(billed(&got).is_superset(&want));
        prop_assert_eq!(got.ends.len(), 1);
    }
}
