//! What each real capture raises: trouble where there was trouble, silence on normal work.

use agentobs::anomaly::{Alert, Engine, RuleSet, Severity, Tap};
use agentobs::codex::{ReadOptions, RolloutReader};
use agentobs::schema::{Collect, EventKind};
use agentobs::semconv::{Mapper, PointValue, Signals, dialects};

use crate::common::*;

fn check(rel: &str) -> Vec<Alert> {
    let mut engine = Engine::builder().rules(RuleSet::default()).build();
    let mut files: Vec<_> = std::fs::read_dir(fixture(rel))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{rel}");
    for path in files {
        let opts = ReadOptions::default().with_content(true);
        let _ = RolloutReader::open(&path, opts).unwrap().feed(&mut engine);
    }
    engine.finish()
}

fn rules(alerts: &[Alert]) -> Vec<(&str, Severity)> {
    alerts.iter().map(|a| (&*a.rule, a.severity)).collect()
}

#[test]
fn normal_work_raises_nothing() {
    for rel in [
        "codex-0.169/plain",
        "codex-0.169/tool",
        "codex-0.169/reasoning",
        "codex-0.169/http500_retry",
        "codex-0.169/tool_approved_by_reviewer",
        "codex-0.171/plain",
        "codex-0.171/tool",
    ] {
        let alerts = check(rel);
        assert!(alerts.is_empty(), "{rel}: {alerts:#?}");
    }
}

#[test]
fn a_context_window_overflow_is_critical_with_its_line() {
    let alerts = check("codex-0.169/ctx_window_sse");
    assert_eq!(rules(&alerts), [("context_exhaustion", Severity::Critical)]);
    let a = &alerts[0];
    assert_eq!(
        a.session_id.as_deref(),
        Some("01a211cb-c00c-74b2-bbef-4b71ed336802")
    );
    assert!(a.message.contains("258400"), "{}", a.message);
    let ev = a.evidence[0].to_string();
    assert!(ev.ends_with(".jsonl:12"), "{ev}");
}

#[test]
fn a_failed_command_before_a_completed_turn_looks_like_success() {
    // multi_tool: two calls succeed, the third exits 3, and the turn completes.
    for (rel, code) in [
        ("codex-0.169/tool_fail", 2),
        ("codex-0.171/tool_fail", 2),
        ("codex-0.171/multi_tool", 3),
    ] {
        let alerts = check(rel);
        assert_eq!(
            rules(&alerts),
            [("false_success", Severity::Warning)],
            "{rel}"
        );
        let want = format!("exited with code {code}");
        assert!(alerts[0].message.contains(&want), "{}", alerts[0].message);
        // The failed call and the turn's end.
        assert_eq!(alerts[0].evidence.len(), 2, "{rel}");
    }
}

#[test]
fn a_call_a_hook_blocked_is_prevention_not_bypass() {
    let r = read_with(
        &rollout("codex-0.169/hook_deny"),
        ReadOptions::default().with_content(true),
    );
    let blocked: Vec<_> = r
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some(t.blocked_by.as_deref()),
            _ => None,
        })
        .collect();
    assert_eq!(blocked, [Some("PreToolUse hook")]);
    // The session ran with approvals and sandbox off (a warning); the denied call never ran.
    let alerts = check("codex-0.169/hook_deny");
    assert_eq!(rules(&alerts), [("approval_bypass", Severity::Warning)]);
}

#[test]
fn alerts_travel_as_events_in_every_dialect() {
    for name in dialects::NAMES {
        let dialect = dialects::by_name(name, None).unwrap();
        let engine = Engine::builder().rules(RuleSet::default()).build();
        let mut tap = Tap::new(engine, Collect::default());
        let path = rollout("codex-0.169/tool_fail");
        let mut reader =
            RolloutReader::open(&path, ReadOptions::default().with_content(true)).unwrap();
        let _ = reader.feed(&mut tap);
        let (_, seen) = tap.finish();
        let mut mapper = Mapper::new(dialect, Signals::default());
        for e in &seen.events {
            mapper.map(e);
        }
        let (out, _) = mapper.finish();
        let logs: Vec<_> = out.logs_named("agentobs.alert").collect();
        assert_eq!(logs.len(), 1, "{name}");
        let rule = logs[0]
            .attributes
            .iter()
            .find(|kv| kv.key == "agentobs.alert.rule")
            .map(|kv| format!("{:?}", kv.value));
        assert!(rule.is_some_and(|r| r.contains("false_success")), "{name}");
        let counted: f64 = out
            .metrics_named("agentobs.alerts")
            .map(|m| match m.value {
                PointValue::Sum(v) => v,
                _ => 0.0,
            })
            .sum();
        assert_eq!(counted, 1.0, "{name}");
    }
}
