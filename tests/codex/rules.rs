//! Accounting rules on whole files, each with a hand-computed answer (see the rule table in
//! `crates/codex/README.md`).

use agentobs::codex::ReadOptions;

use crate::common::*;

fn subagent_lines() -> Vec<String> {
    std::fs::read_to_string(fixture("traps/subagent_replay.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn restamp(line: &str, ts: &str) -> String {
    let end = line.find(r#"","type""#).unwrap();
    format!(r#"{{"timestamp":"{ts}{}"#, &line[end..])
}

fn billed_bytes(lines: &[String]) -> agentobs::schema::TokenUsage {
    let mut bytes = lines.join("\n").into_bytes();
    bytes.push(b'\n');
    let full = usage_sum(&read_bytes(&bytes, ReadOptions::default()).events);
    let tokens = usage_sum(&read_bytes(&bytes, ReadOptions::tokens()).events);
    assert_eq!(full, tokens, "both modes bill the same");
    full
}

#[test]
fn a_replay_burst_across_a_second_boundary_is_still_replay() {
    // Meta lines at .998, the parent's rows copied 5 ms later, in the next second. Replayed:
    // 800/0/60/0 and 2000/500/150/20. Own row 2600/900/200/20 − 2000/500/150/20 = 600/400/50/0.
    let mut lines = subagent_lines();
    for l in lines.iter_mut().take(2) {
        *l = restamp(l, "2025-12-01T09:00:00.998Z");
    }
    for l in lines.iter_mut().take(5).skip(2) {
        *l = restamp(l, "2025-12-01T09:00:01.003Z");
    }
    assert_eq!(billed_bytes(&lines), usage(600, 400, 50, 0));
}

#[test]
fn the_childs_own_first_turn_in_the_creation_second_ends_the_replay() {
    // Everything in one second: the replay burst at .100, the child's own turn at .700 and
    // its usage at .900. The own row still bills 600/400/50/0.
    let mut lines = subagent_lines();
    for l in lines.iter_mut().take(5) {
        *l = restamp(l, "2025-12-01T09:00:00.100Z");
    }
    lines[5] = restamp(&lines[5], "2025-12-01T09:00:00.700Z");
    lines[6] = restamp(&lines[6], "2025-12-01T09:00:00.900Z");
    assert_eq!(billed_bytes(&lines), usage(600, 400, 50, 0));
}

fn record(ts: &str, id: &str, i: u64, o: u64) -> String {
    format!(
        r#"{{"timestamp":"{ts}","type":"token_usage_record","payload":{{"thread_id":"t","turn_id":"u","response_id":"{id}","usage":{{"input_tokens":{i},"cached_input_tokens":0,"cache_write_input_tokens":0,"output_tokens":{o},"reasoning_output_tokens":0,"total_tokens":{}}}}}}}"#,
        i + o
    )
}

fn meta() -> String {
    r#"{"timestamp":"2026-11-20T07:00:00.000Z","type":"session_meta","payload":{"id":"019a8800-0000-7000-8000-000000000001","cli_version":"0.169.0","source":"cli","model":"gpt-5.2-codex"}}"#.into()
}

#[test]
fn two_responses_with_the_same_numbers_are_both_billed() {
    // resp_1 and resp_2 both 100 in / 10 out, each followed by its token_count: 200 / 20.
    let count = |ts: &str, i: u64, o: u64| {
        format!(
            r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{i},"cached_input_tokens":0,"output_tokens":{o},"reasoning_output_tokens":0,"total_tokens":{}}},"last_token_usage":{{"input_tokens":100,"cached_input_tokens":0,"output_tokens":10,"reasoning_output_tokens":0,"total_tokens":110}},"model_context_window":272000}}}}}}"#,
            i + o
        )
    };
    let lines = vec![
        meta(),
        record("2026-11-20T07:00:01.000Z", "resp_1", 100, 10),
        count("2026-11-20T07:00:01.001Z", 100, 10),
        record("2026-11-20T07:00:02.000Z", "resp_2", 100, 10),
        count("2026-11-20T07:00:02.001Z", 200, 20),
    ];
    assert_eq!(billed_bytes(&lines), usage(200, 0, 20, 0));
    // The token_count first (its record late): still once each.
    let lines = vec![
        meta(),
        count("2026-11-20T07:00:01.001Z", 100, 10),
        record("2026-11-20T07:00:01.002Z", "resp_1", 100, 10),
        count("2026-11-20T07:00:02.001Z", 200, 20),
        record("2026-11-20T07:00:02.002Z", "resp_2", 100, 10),
    ];
    assert_eq!(billed_bytes(&lines), usage(200, 0, 20, 0));
}

#[test]
fn a_response_repeated_after_thousands_of_others_is_billed_once() {
    // 5,000 responses of 10 in / 1 out, then the first one written again: 50,000 / 5,000.
    let mut lines = vec![meta()];
    for i in 0..5000u64 {
        let ts = format!(
            "2026-11-20T{:02}:{:02}:{:02}.000Z",
            8 + i / 3600,
            (i / 60) % 60,
            i % 60
        );
        lines.push(record(&ts, &format!("resp_{i}"), 10, 1));
    }
    lines.push(record("2026-11-20T10:00:00.000Z", "resp_0", 10, 1));
    assert_eq!(billed_bytes(&lines), usage(50_000, 0, 5_000, 0));
}
