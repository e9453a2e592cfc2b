//! Damaged input: one line of a real chat log cut, given a byte-order mark, a bad escape,
//! non-ASCII text or a huge number gives warnings on that line only and loses nothing of
//! the other lines.

use std::collections::BTreeSet;

use agentobs_gemini::{ChatReader, ReadOptions};
use agentobs_schema::{Collect, EventKind};
use proptest::prelude::*;

const TOOL: &str = include_str!("fixtures/gemini-cli-0.61.0/tool/chat.jsonl");

fn billed(c: &Collect) -> BTreeSet<(String, u64)> {
    c.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(u) => Some((u.response_id.clone()?, u.usage.output_tokens)),
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
        _ => line.replace("\"output\":40", "\"output\":99999999999999999999999"),
    }
}

proptest! {
    #[test]
    fn damage_stays_on_its_line(which in 0usize..12, how in 0u8..5, at in 0usize..3000) {
        let lines: Vec<&str> = TOOL.lines().collect();
        let which = which % lines.len();
        let mut text = String::new();
        for (i, l) in lines.iter().enumerate() {
            if i == which { text.push_str(&damage(l, how, at)) } else { text.push_str(l) }
            text.push('\n');
        }
        let mut orig = Collect::default();
        let _ = ChatReader::new(TOOL.as_bytes(), "c", ReadOptions::default()).feed(&mut orig);
        let mut got = Collect::default();
        let _ = ChatReader::new(text.as_bytes(), "c", ReadOptions::default()).feed(&mut got);
        for w in &got.warnings {
            prop_assert_eq!(w.line, which as u64 + 1, "{}", w);
        }
        // A record's id written only on the damaged line may be lost; every other stays.
        let damaged_id = serde_json::from_str::<serde_json::Value>(lines[which])
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_owned));
        let sole = damaged_id.filter(|id| {
            lines.iter().enumerate().all(|(i, l)| i == which || !l.contains(id.as_str()))
        });
        let got_ids: BTreeSet<String> = billed(&got).into_iter().map(|(id, _)| id).collect();
        for (id, _) in billed(&orig) {
            if Some(&id) != sole.as_ref() {
                prop_assert!(got_ids.contains(&id), "{} lost", id);
            }
        }
        prop_assert_eq!(got.ends.len(), 1);
    }
}

#[test]
fn a_rewrite_under_an_unknown_type_keeps_the_earlier_write() {
    let lines: Vec<String> = TOOL.lines().map(str::to_owned).collect();
    let id = "14df2fbf-3c15-4123-9a89-837b9c63220d";
    // Lines 5 and 7 are the record's two writes; the second is damaged in its type.
    assert!(lines[4].contains(id) && lines[6].contains(id));
    let mut text = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i == 6 {
            text.push_str(&l.replacen("\"type\":\"gemini\"", "\"type\":\"gemé漢ini\"", 1));
        } else {
            text.push_str(l);
        }
        text.push('\n');
    }
    let mut got = Collect::default();
    let _ = ChatReader::new(text.as_bytes(), "c", ReadOptions::default()).feed(&mut got);
    let lines_warned: Vec<u64> = got.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines_warned, [7]);
    assert!(got.warnings[0].message.contains("unknown type"));
    let mut orig = Collect::default();
    let _ = ChatReader::new(TOOL.as_bytes(), "c", ReadOptions::default()).feed(&mut orig);
    assert_eq!(billed(&got), billed(&orig));

    // A rewrite that lost its tokens keeps its tool calls and bills the first write's counts.
    let text: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let l = if i == 6 {
                l.replacen("\"tokens\":", "\"tokenz\":", 1)
            } else {
                l.clone()
            };
            l + "\n"
        })
        .collect();
    let mut got = Collect::default();
    let _ = ChatReader::new(text.as_bytes(), "c", ReadOptions::default()).feed(&mut got);
    assert_eq!(got.warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [7]);
    assert!(got.warnings[0].message.contains("without its tokens"));
    assert_eq!(billed(&got), billed(&orig));
    let tools = |c: &Collect| {
        c.events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::ToolResult(_)))
            .count()
    };
    assert_eq!((tools(&got), tools(&orig)), (1, 1));

    // A record of an unknown type that is written only so is skipped without a warning.
    let other = lines[4]
        .replace(id, "00000000-0000-0000-0000-000000000000")
        .replacen("\"type\":\"gemini\"", "\"type\":\"info\"", 1);
    let text = format!("{TOOL}{other}\n");
    let mut got = Collect::default();
    let _ = ChatReader::new(text.as_bytes(), "c", ReadOptions::default()).feed(&mut got);
    assert!(got.warnings.is_empty(), "{:?}", got.warnings);
    assert_eq!(billed(&got), billed(&orig));
}
