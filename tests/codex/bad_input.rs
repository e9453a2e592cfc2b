//! Bad input: reported with file and line, skipped, and reading goes on.

use agentobs::codex::{ReadOptions, WarningKind};

use crate::common::*;

fn fixture_lines(rel: &str) -> Vec<String> {
    std::fs::read_to_string(rollout(rel))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn truncated_last_line_is_a_notice() {
    let mut text = std::fs::read_to_string(rollout("codex-0.169/tool_fail")).unwrap();
    let full = read_bytes(text.as_bytes(), ReadOptions::default());
    text.truncate(text.len() - 40); // cut into the last line (task_complete)
    let r = read_bytes(text.as_bytes(), ReadOptions::default());
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].kind, WarningKind::Incomplete);
    assert!(r.warnings[0].is_notice());
    assert!(r.stats.incomplete_tail);
    assert_eq!(r.stats.bad, 0);
    assert_eq!(usage_sum(&r.events), usage_sum(&full.events));
    assert_eq!(
        r.events.len(),
        full.events.len() - 1,
        "only the turn end is missing"
    );
}

#[test]
fn invalid_lines_are_reported_and_skipped() {
    let lines = fixture_lines("codex-0.169/tool");
    let mut bytes = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        bytes.extend_from_slice(l.as_bytes());
        bytes.push(b'\n');
        if i == 2 {
            bytes.extend_from_slice(b"{\"timestamp\":\"2026-11-25T08:21:01.700Z\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\n");
            bytes.extend_from_slice(b"{\"type\":\"event_msg\",\"payload\":{\"type\":\"user_message\",\"message\":\"caf\xff\"}}\n");
            bytes.extend_from_slice(b"{\"timestamp\":\"2026-11-25T08:21:01.700Z\",\"type\":\"brand_new_kind\",\"payload\":{\"x\":1}}\n");
            bytes.extend_from_slice(b"not json at all\n");
        }
    }
    let r = read_bytes(&bytes, ReadOptions::default());
    let got: Vec<_> = r.warnings.iter().map(|w| (w.line, w.kind)).collect();
    assert_eq!(
        got,
        [
            (4, WarningKind::InvalidJson),
            (5, WarningKind::InvalidUtf8),
            (6, WarningKind::UnknownKind),
            (7, WarningKind::InvalidJson),
        ]
    );
    assert!(r.warnings[0].to_string().starts_with("mem.jsonl:4: "));
    assert_eq!(r.stats.bad, 3);
    assert_eq!(usage_sum(&r.events), usage(8780, 8064, 95, 32));
    assert!(r.events.iter().any(|e| matches!(&e.kind,
        agentobs::schema::EventKind::Other(o) if o.name == "brand_new_kind")));
}

#[test]
fn oversized_line_is_skipped_without_holding_it() {
    let lines = fixture_lines("codex-0.169/tool");
    let mut bytes = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        bytes.extend_from_slice(l.as_bytes());
        bytes.push(b'\n');
        if i == 5 {
            // A 50 MB tool output line.
            bytes.extend_from_slice(b"{\"timestamp\":\"2026-11-25T08:21:01.700Z\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call_output\",\"call_id\":\"x\",\"output\":\"");
            bytes.resize(bytes.len() + 50 * 1024 * 1024, b'a');
            bytes.extend_from_slice(b"\"}}\n");
        }
    }
    let r = read_bytes(&bytes, ReadOptions::default());
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].kind, WarningKind::Oversized);
    assert_eq!(r.warnings[0].line, 7);
    assert_eq!(usage_sum(&r.events), usage(8780, 8064, 95, 32));
}

#[test]
fn other_whitespace_and_key_order_read_the_same() {
    let path = rollout("codex-0.169/tool_fail");
    let compact = read(&path);
    let mut bytes = Vec::new();
    for line in std::fs::read_to_string(&path).unwrap().lines() {
        // serde_json sorts object keys; the pretty printer adds spaces; joining keeps one line.
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let pretty = serde_json::to_string_pretty(&v).unwrap().replace('\n', " ");
        bytes.extend_from_slice(pretty.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    let spaced = read_bytes(&bytes, ReadOptions::default());
    assert!(spaced.warnings.is_empty(), "{:?}", spaced.warnings);
    let strip = |r: &Read| -> Vec<_> {
        r.events
            .iter()
            .map(|e| (e.at, e.kind.clone(), e.ctx.clone()))
            .collect()
    };
    assert_eq!(strip(&spaced), strip(&compact));
}
