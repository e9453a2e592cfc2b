//! Property: corrupting one line changes only that line's events, and loses no token.

use agentobs::codex::ReadOptions;
use proptest::prelude::*;

use crate::common::*;

fn signature(r: &Read, skip_line: u64) -> Vec<(u64, &'static str)> {
    let mut v: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind.type_name() != "token_usage")
        .map(|e| (e.src.as_ref().unwrap().line, e.kind.type_name()))
        .filter(|(l, _)| *l != skip_line)
        .collect();
    v.sort();
    v
}

/// A fixture with escapes and non-ASCII text in its strings, so that corruption reaches the
/// string and escape paths: Windows-style paths with backslashes, quotes, `\u` escapes.
fn scenario_text(scenario: &str) -> String {
    match scenario.strip_suffix("+escapes") {
        Some(base) => std::fs::read_to_string(rollout(&format!("codex-0.169/{base}")))
            .unwrap()
            .replace(
                "/home/dev/codexlab/work",
                r#"C:\\Users\\d\u00e9v\\\"q\" \u65e5\\work"#,
            ),
        None => std::fs::read_to_string(rollout(&format!("codex-0.169/{scenario}"))).unwrap(),
    }
}

fn corrupt(lines: &[&str], idx: usize, how: u8, at: f64) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if i == idx {
            let cut = ((l.len() as f64 * at) as usize).clamp(1, l.len() - 1);
            match how {
                0 => out.extend_from_slice(&l.as_bytes()[..cut]),
                1 => {
                    out.extend_from_slice(&l.as_bytes()[..cut]);
                    out.extend_from_slice(b"\x00\xfe}{");
                    out.extend_from_slice(&l.as_bytes()[cut..]);
                }
                2 => out.extend_from_slice(b"garbage ]]"),
                _ => {
                    // Cut right after a backslash (a line cut inside an escape), when it has one.
                    let b = l.as_bytes();
                    let slashes: Vec<usize> = (0..b.len()).filter(|&i| b[i] == b'\\').collect();
                    let end = slashes
                        .get((at * slashes.len() as f64) as usize)
                        .map_or(cut, |i| i + 1);
                    out.extend_from_slice(&b[..end]);
                }
            }
        } else {
            out.extend_from_slice(l.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

proptest! {
    // PROPTEST_CASES raises the count for a longer local run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96)
    ))]

    #[test]
    fn one_bad_line_stays_local(
        scenario in prop::sample::select(vec![
            "tool_fail", "tool", "reasoning", "http500_retry", "tool+escapes", "tool_fail+escapes",
        ]),
        idx_frac in 0.0f64..1.0,
        how in 0u8..4,
        at in 0.0f64..1.0,
        tokens_mode in any::<bool>(),
    ) {
        let text = scenario_text(scenario);
        let lines: Vec<&str> = text.lines().collect();
        let idx = ((lines.len() as f64 * idx_frac) as usize).min(lines.len() - 1);
        let opts = if tokens_mode { ReadOptions::tokens() } else { ReadOptions::default() };
        let clean = read_bytes(text.as_bytes(), opts.clone());
        prop_assert!(clean.warnings.is_empty(), "{:?}", clean.warnings);
        let bad = read_bytes(&corrupt(&lines, idx, how, at), opts);
        let line_no = idx as u64 + 1;
        prop_assert_eq!(signature(&bad, line_no), signature(&clean, line_no));
        // Every response is reported twice (record and token_count): nothing is lost.
        prop_assert_eq!(usage_sum(&bad.events), usage_sum(&clean.events));
        for w in &bad.warnings {
            prop_assert_eq!(w.line, line_no, "warning on another line: {}", w);
        }
        prop_assert_eq!(bad.stats.lines, clean.stats.lines);
    }
}
