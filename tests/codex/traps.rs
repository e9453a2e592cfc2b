//! Every accounting trap, with the answer computed by hand.

use agentobs::codex::{ReadOptions, discover};
use agentobs::schema::EventKind;

use crate::common::*;

fn billed(rel: &str) -> agentobs::schema::TokenUsage {
    let r = read(&fixture(rel));
    assert!(r.warnings.is_empty(), "{rel}: {:?}", r.warnings);
    let fast = read_with(&fixture(rel), ReadOptions::tokens());
    assert_eq!(
        usage_sum(&fast.events),
        usage_sum(&r.events),
        "{rel}: modes agree"
    );
    usage_sum(&r.events)
}

#[test]
fn re_emitted_rows_bill_once() {
    // Totals: null, 1000/600/80/20 three times, then 2400/1500/130/20 twice.
    // Billed: the last total, 2400/1500/130/20 (summing last_token_usage would give 6200 input).
    assert_eq!(billed("traps/reemit.jsonl"), usage(2400, 1500, 130, 20));
    let r = read(&fixture("traps/reemit.jsonl"));
    assert_eq!(r.stats.billed_rows, 2);
    assert_eq!(r.stats.unchanged_rows, 3);
}

#[test]
fn rows_with_only_a_total() {
    // 1000/200/50/10, repeat, 3000/1500/120/10 → the last total.
    assert_eq!(billed("traps/total_only.jsonl"), usage(3000, 1500, 120, 10));
}

#[test]
fn fork_replay_sets_a_baseline() {
    // Parent rows replayed: totals 1000… and 2500/1200/300/80 (not billed).
    // Own turn: 4000/2000/450/90 − 2500/1200/300/80 = 1500/800/150/10; its repeat bills nothing.
    assert_eq!(billed("traps/fork_replay.jsonl"), usage(1500, 800, 150, 10));
    let r = read(&fixture("traps/fork_replay.jsonl"));
    assert_eq!(r.stats.replayed_rows, 2);
    let ctx = &r.events[0].ctx;
    assert_eq!(
        ctx.forked_from_id.as_deref(),
        Some("019a6d0f-0000-7000-8000-0000000000a1")
    );
    // The parent's prompt is history, not a new prompt of the child.
    let prompts: Vec<_> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::UserPrompt(p) => Some(p.length),
            _ => None,
        })
        .collect();
    assert_eq!(prompts, [12]);
}

#[test]
fn subagent_replay_with_old_ids() {
    // Replayed 800/0/60/0 and 2000/500/150/20 in the creation second; own row 2600/900/200/20.
    assert_eq!(
        billed("traps/subagent_replay.jsonl"),
        usage(600, 400, 50, 0)
    );
    let r = read(&fixture("traps/subagent_replay.jsonl"));
    let sa = r.events[0].ctx.subagent.clone().unwrap();
    assert_eq!(sa.kind, "thread_spawn");
    assert_eq!(sa.depth, Some(1));
    assert_eq!(sa.role.as_deref(), Some("worker"));
    assert_eq!(sa.nickname.as_deref(), Some("Ada"));
    assert_eq!(
        r.events[0].ctx.parent_thread_id.as_deref(),
        Some("1a2b3c4d-1111-4222-8333-444455556666")
    );
}

#[test]
fn overflow_fill_is_not_usage() {
    // 10000/8000/300/100, then the fill (total_tokens = 258400, components 0): nothing,
    // then 5000/0/200/0 counted from the fill. Sum: 15000/8000/500/100.
    assert_eq!(billed("traps/overflow.jsonl"), usage(15000, 8000, 500, 100));
    let r = read(&fixture("traps/overflow.jsonl"));
    assert_eq!(r.stats.overflow_fills, 1);
}

#[test]
fn usage_record_never_double_counts() {
    // resp_a: record and token_count carry the same thread total 7000/6000/90/40 → once.
    // resp_b: record only (no token_count followed) → 14500−7000 = 7500/7000/60/0.
    assert_eq!(
        billed("traps/usage_record.jsonl"),
        usage(14500, 13000, 150, 40)
    );
    let r = read(&fixture("traps/usage_record.jsonl"));
    let ids: Vec<_> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(u) => u.response_id.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["resp_a", "resp_b"]);
}

#[test]
fn stale_snapshot_is_ignored() {
    // 10000/0/1000/0, late 9900 (stale), then 10500/0/1100/0 → 10500/0/1100/0.
    assert_eq!(billed("traps/stale.jsonl"), usage(10500, 0, 1100, 0));
}

#[test]
fn missing_turn_context_infers_the_model() {
    let r = read(&fixture("traps/no_turn_context.jsonl"));
    let u = r
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::TokenUsage(_)))
        .unwrap();
    assert_eq!(u.ctx.model.as_deref(), Some("gpt-5"));
    assert!(u.ctx.model_inferred);
    assert_eq!(usage_sum(&r.events), usage(3000, 1000, 200, 50));
}

#[test]
fn archived_duplicate_counts_once() {
    let home = tempfile::tempdir().unwrap();
    let name = "rollout-2026-11-10T10-00-00-019a6d00-0000-7000-8000-000000000001.jsonl";
    let day = home.path().join("sessions/2026/11/10");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::create_dir_all(home.path().join("archived_sessions")).unwrap();
    let src = std::fs::read(fixture("traps/reemit.jsonl")).unwrap();
    std::fs::write(day.join(name), &src).unwrap();
    std::fs::write(home.path().join("archived_sessions").join(name), &src).unwrap();
    let files = discover(&[home.path().to_path_buf()]).unwrap();
    assert_eq!(files.len(), 1);
    let total: u64 = files
        .iter()
        .map(|f| usage_sum(&read(&f.path).events).input_tokens)
        .sum();
    assert_eq!(total, 2400);
}
