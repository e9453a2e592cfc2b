//! Crafted damaged input that once panicked, or could: each must give a clear warning (file and
//! line), keep the rest of the file, and never panic.

use agentobs::codex::{ReadOptions, WarningKind, discover};
use agentobs::schema::EventKind;

use crate::common::*;

fn tool_lines() -> Vec<String> {
    std::fs::read_to_string(rollout("codex-0.169/tool"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn join(lines: &[String]) -> Vec<u8> {
    let mut out = lines.join("\n").into_bytes();
    out.push(b'\n');
    out
}

fn both_modes(bytes: &[u8]) -> [Read; 2] {
    [
        read_bytes(bytes, ReadOptions::default()),
        read_bytes(bytes, ReadOptions::tokens()),
    ]
}

#[test]
fn a_line_cut_after_a_backslash_is_a_bad_line_not_a_panic() {
    let lines = tool_lines();
    let clean = read_bytes(&join(&lines), ReadOptions::default());
    // A complete line whose string ends in a lone backslash, in the middle of the file.
    let mut damaged = lines.clone();
    damaged.insert(
        1,
        r#"{"timestamp":"2026-11-25T08:21:01.671Z","type":"turn_context","payload":{"turn_id":"x","cwd":"C:\"#.into(),
    );
    for r in both_modes(&join(&damaged)) {
        assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
        assert_eq!(r.warnings[0].line, 2);
        assert_eq!(r.warnings[0].kind, WarningKind::InvalidJson);
        assert_eq!(usage_sum(&r.events), usage_sum(&clean.events));
    }
    // The same cut as the file's last line, without a newline: a notice (still being written).
    let mut bytes = join(&lines);
    bytes.extend_from_slice(br#"{"timestamp":"2026-11-25T08:21:09.000Z","type":"session_meta","payload":{"id":"y","cwd":"C:\"#);
    for r in both_modes(&bytes) {
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].kind, WarningKind::Incomplete);
        assert_eq!(usage_sum(&r.events), usage_sum(&clean.events));
    }
}

#[test]
fn a_backslash_at_every_position_of_a_string_never_panics() {
    let lines = tool_lines();
    let clean = read_bytes(&join(&lines), ReadOptions::tokens());
    let tc = lines
        .iter()
        .position(|l| l.contains(r#""type":"turn_context""#))
        .unwrap();
    for (idx, quote) in [(0usize, r#""cwd":""#), (tc, r#""model":""#)] {
        let line = &lines[idx];
        let start = line.find(quote).expect("key present") + quote.len();
        let end = start + line[start..].find('"').unwrap();
        for at in start..=end {
            for insert in ["\\", "\\\\", "\\\"", "\\u00e9", "\\ud83d", "\\x"] {
                let mut damaged = lines.clone();
                damaged[idx] = format!("{}{insert}{}", &line[..at], &line[at..]);
                for r in both_modes(&join(&damaged)) {
                    for w in &r.warnings {
                        assert_eq!(w.line, idx as u64 + 1, "{w}");
                    }
                }
                // Cut right after the inserted text.
                damaged[idx] = format!("{}{insert}", &line[..at]);
                for r in both_modes(&join(&damaged)) {
                    assert!(r.warnings.iter().all(|w| w.line == idx as u64 + 1));
                    if idx != 0 {
                        assert_eq!(usage_sum(&r.events), usage_sum(&clean.events));
                    }
                }
            }
        }
    }
}

#[test]
fn non_ascii_ids_are_read_as_given() {
    let mut lines = tool_lines();
    // A multi-byte character inside the first 13 bytes, where a UUIDv7 keeps its time.
    lines[0] = lines[0].replacen(r#""id":"01a211cb-3c46"#, r#""id":"01a2é1cb-3c46"#, 1);
    for r in both_modes(&join(&lines)) {
        let ctx = &r.events.last().unwrap().ctx;
        assert_eq!(
            ctx.thread_id.as_deref(),
            Some("01a2é1cb-3c46-7bb3-af1a-a652150d45a3")
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    }
}

#[test]
fn a_byte_order_mark_does_not_lose_the_session_meta() {
    let lines = tool_lines();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(&join(&lines));
    let clean = read_bytes(&join(&lines), ReadOptions::default());
    let r = read_bytes(&bytes, ReadOptions::default());
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(kinds(&r.events), kinds(&clean.events));
    assert_eq!(r.events[0].kind.type_name(), "session_started");
    assert_eq!(
        r.events[0].ctx.thread_id.as_deref(),
        Some("01a211cb-3c46-7bb3-af1a-a652150d45a3")
    );
}

#[test]
fn huge_numbers_are_bad_values_or_saturate() {
    let mut lines = tool_lines();
    let rl = r#"{"timestamp":"2026-11-25T08:21:01.700Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":50.0,"window_minutes":300,"resets_in_seconds":9223372036854775807},"secondary":{"used_percent":1.0,"resets_at":-9223372036854775808}}}}"#;
    lines.insert(2, rl.into());
    let inf = r#"{"timestamp":"2026-11-25T08:21:01.750Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":1e400}}}}"#;
    lines.insert(3, inf.into());
    let big = r#"{"timestamp":"2026-11-25T08:21:01.800Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":99999999999999999999,"output_tokens":1,"total_tokens":1},"last_token_usage":null,"model_context_window":18446744073709551615}}}"#;
    lines.insert(4, big.into());
    let max = r#"{"timestamp":"2026-11-25T08:21:01.900Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":18446744073709551615,"cached_input_tokens":18446744073709551615,"output_tokens":18446744073709551615,"reasoning_output_tokens":18446744073709551615,"total_tokens":18446744073709551615},"last_token_usage":null}}}"#;
    lines.insert(5, max.into());
    for r in both_modes(&join(&lines)) {
        // 10^20 does not fit a token count: that line is a bad value, named by line.
        let lines_warned: Vec<u64> = r.warnings.iter().map(|w| w.line).collect();
        assert!(lines_warned.contains(&5), "{:?}", r.warnings);
        assert!(
            lines_warned.iter().all(|l| [4, 5].contains(l)),
            "{lines_warned:?}"
        );
        let total = usage_sum(&r.events);
        assert_eq!(total.output_tokens, u64::MAX, "sums saturate");
    }
    let full = read_bytes(&join(&lines), ReadOptions::default());
    assert!(
        full.warnings.iter().any(|w| w.line == 4),
        "an unreadable rate limit is reported, not dropped silently: {:?}",
        full.warnings
    );
    let far = full.events.iter().find_map(|e| match &e.kind {
        EventKind::RateLimits(r) => r.primary.as_ref().and_then(|p| p.resets_at),
        _ => None,
    });
    assert!(
        far.is_some(),
        "a far reset time saturates, it is not dropped"
    );
    let _ = far.unwrap().to_string();
}

#[test]
fn non_ascii_file_names_are_discovered_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let day = dir.path().join("sessions/2026/11/25");
    std::fs::create_dir_all(&day).unwrap();
    let names = [
        // A multi-byte character straddling the 36-byte id position.
        "rollout-2026-11-25T08-21-01-é1a211cb-3c46-7bb3-af1a-a652150d45a3.jsonl",
        "rollout-ééééééééééééééééééééé.jsonl",
        "rollout-日本語日本語日本語日本語日本語日本語.jsonl",
        "rollout-.jsonl",
    ];
    for n in names {
        std::fs::copy(rollout("codex-0.169/tool"), day.join(n)).unwrap();
    }
    let found = discover(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(found.len(), names.len());
    assert!(found.iter().all(|f| f.thread_key.is_none()));
}
