//! Older rollout generations.

use agentobs::schema::EventKind;

use crate::common::*;

#[test]
fn legacy_bare_lines_2025_08() {
    let r = read(&fixture("generations/legacy_2025_08_bare.jsonl"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        kinds(&r.events),
        ["session_started", "user_prompt", "tool_result"]
    );
    let ctx = &r.events[0].ctx;
    assert_eq!(
        ctx.thread_id.as_deref(),
        Some("3f1c8a5e-8d2b-4c1a-9f3e-2a7b6c5d4e3f")
    );
    assert_eq!(
        ctx.git.as_ref().unwrap().remote_url.as_deref(),
        Some("https://github.com/acme/widgets.git")
    );
    let EventKind::UserPrompt(p) = &r.events[1].kind else {
        unreachable!()
    };
    assert_eq!(p.length, "run the tests".len() as u64);
    let EventKind::ToolResult(t) = &r.events[2].kind else {
        unreachable!()
    };
    assert_eq!((t.tool.as_str(), t.exit_code), ("shell", Some(101)));
    assert_eq!(t.success, Some(false));
    // Bare lines carry no times of their own: the process time is the duration.
    assert_eq!(t.duration_ms, Some(2500));
    assert_eq!(t.process_duration_ms, Some(2500));
    // Bare lines have no envelope to prefilter on: only the state records are skipped.
    assert_eq!(r.stats.skipped, 2);
}

#[test]
fn envelope_without_ordinal_2025_10() {
    let r = read(&fixture("generations/envelope_2025_10.jsonl"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(usage_sum(&r.events), usage(25500, 20000, 1100, 600));
    let tools: Vec<_> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some((t.tool.clone(), t.exit_code, t.duration_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(
        tools,
        [
            ("shell".to_owned(), Some(0), Some(800)),
            ("apply_patch".to_owned(), Some(0), Some(300))
        ]
    );
    let started = r
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::SessionStarted(s) => Some(s),
            _ => None,
        })
        .unwrap();
    assert_eq!(started.sandbox_policy.as_deref(), Some("workspace-write"));
    assert_eq!(started.reasoning_effort.as_deref(), Some("high"));
    let rl = r
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RateLimits(x) => Some(x),
            _ => None,
        })
        .unwrap();
    assert_eq!(rl.primary.as_ref().unwrap().used_percent, 12.0);
    assert_eq!(
        rl.primary.as_ref().unwrap().resets_at.unwrap().to_string(),
        "2025-10-21T19:30:06.000Z"
    );
    assert!(kinds(&r.events).contains(&"compaction"));
    let last = r.events.last().unwrap();
    let EventKind::TurnCompleted(t) = &last.kind else {
        unreachable!()
    };
    assert_eq!(t.aborted.as_deref(), Some("interrupted"));
    assert_eq!(last.ctx.originator.as_deref(), Some("codex_vscode"));
    assert_eq!(
        last.ctx.git.as_ref().unwrap().branch.as_deref(),
        Some("feature/login")
    );
}
