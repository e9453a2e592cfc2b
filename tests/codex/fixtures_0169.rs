//! Every scenario captured from the real Codex CLI 0.169.0 reads with zero warnings.

use agentobs::schema::{Decision, ErrorKind, EventKind, ToolResult};

use crate::common::*;

const SCENARIOS: &[&str] = &[
    "plain",
    "tool",
    "tool_fail",
    "tool_approved_by_reviewer",
    "http500_retry",
    "reasoning",
    "ctx_window_sse",
    "otlp_http_binary",
];

fn tool_results(r: &Read) -> Vec<&ToolResult> {
    r.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// The rollout files of one scenario; the captured OTLP beside them is not a rollout.
fn rollouts_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no rollout", dir.display());
    files
}

#[test]
fn every_scenario_reads_without_warnings() {
    for s in SCENARIOS {
        let dir = fixture(&format!("codex-0.169/{s}"));
        for p in rollouts_in(&dir) {
            let r = read(&p);
            assert!(r.warnings.is_empty(), "{s}: {:?}", r.warnings);
            assert_eq!(r.stats.bad, 0, "{s}");
            assert_eq!(
                r.stats.lines,
                r.stats.parsed + r.stats.skipped,
                "{s}: every line is parsed or skipped"
            );
            assert_eq!(r.events[0].kind.type_name(), "session_started", "{s}");
        }
    }
}

#[test]
fn plain_answer() {
    let r = read(&rollout("codex-0.169/plain"));
    assert_eq!(usage_sum(&r.events), usage(4390, 0, 38, 0));
    assert_eq!(
        kinds(&r.events),
        [
            "session_started",
            "turn_started",
            "user_prompt",
            "token_usage",
            "turn_completed"
        ]
    );
    let ctx = &r.events[0].ctx;
    assert_eq!(ctx.model.as_deref(), Some("gpt-5.1-codex"));
    assert_eq!(ctx.originator.as_deref(), Some("codex_exec"));
    assert_eq!(ctx.app_version.as_deref(), Some("0.169.0"));
    assert_eq!(ctx.source.as_deref(), Some("exec"));
    assert_eq!(
        ctx.thread_id.as_deref(),
        Some("01a211cb-2d42-7512-82db-57931ae8257d")
    );
    let EventKind::SessionStarted(s) = &r.events[0].kind else {
        unreachable!()
    };
    assert_eq!(s.approval_policy.as_deref(), Some("never"));
    assert_eq!(s.sandbox_policy.as_deref(), Some("read-only"));
    assert_eq!(s.provider.as_deref(), Some("fake"));
    assert_eq!(s.context_window, Some(258_400));
}

#[test]
fn tool_call_pairs_into_a_result() {
    let r = read(&rollout("codex-0.169/tool"));
    // Two requests: 4210/3968/57/32 then 4570/4096/38/0; token_usage_record and token_count
    // of each response count once.
    assert_eq!(usage_sum(&r.events), usage(8780, 8064, 95, 32));
    let tools = tool_results(&r);
    assert_eq!(tools.len(), 1);
    assert_eq!(tools[0].tool, "exec_command");
    assert_eq!(tools[0].exit_code, Some(0));
    assert_eq!(tools[0].success, Some(true));
    assert!(tools[0].arguments.is_withheld() && tools[0].output.is_withheld());
}

#[test]
fn failing_command_is_a_failure() {
    let r = read(&rollout("codex-0.169/tool_fail"));
    let tools = tool_results(&r);
    assert_eq!(tools.len(), 1);
    let t = tools[0];
    assert_eq!(t.tool, "exec_command");
    assert_eq!(t.call_id.as_deref(), Some("call_ed66502694f24deba2434a87"));
    assert_eq!(t.exit_code, Some(2));
    assert_eq!(
        t.success,
        Some(false),
        "exit code 2 is a failure, whatever Codex claims"
    );
    // The call's extent (function_call to its output); the process's own time beside it.
    assert_eq!(t.duration_ms, Some(229));
    assert_eq!(t.process_duration_ms, Some(42));
    assert_eq!(usage_sum(&r.events), usage(8780, 8064, 95, 32));
}

#[test]
fn content_is_kept_only_when_asked() {
    let r = read_with(
        &rollout("codex-0.169/tool_fail"),
        agentobs::codex::ReadOptions {
            include_content: true,
            ..Default::default()
        },
    );
    let t = tool_results(&r)[0];
    assert!(
        t.arguments
            .value()
            .unwrap()
            .contains("ls /definitely/not/here")
    );
    assert!(
        t.output
            .value()
            .unwrap()
            .contains("No such file or directory")
    );
    let prompt = r
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::UserPrompt(p) => Some(p),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        prompt.text.value().map(String::as_str),
        Some("scenario=tool_fail list a missing dir")
    );
}

#[test]
fn context_window_exceeded() {
    let r = read(&rollout("codex-0.169/ctx_window_sse"));
    // The fill row (total = window, components 0) is not usage.
    assert_eq!(usage_sum(&r.events), usage(0, 0, 0, 0));
    assert_eq!(r.stats.overflow_fills, 1);
    let err = r
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Error(x) => Some(x),
            _ => None,
        })
        .unwrap();
    assert_eq!(err.kind, Some(ErrorKind::ContextWindowExceeded));
    assert!(err.message.starts_with("Codex ran out of room"));
    let done = r.events.last().unwrap();
    let EventKind::TurnCompleted(t) = &done.kind else {
        panic!("last event is {:?}", done.kind)
    };
    assert_eq!(t.error, Some(ErrorKind::ContextWindowExceeded));
    assert_eq!(t.duration_ms, Some(183));
}

#[test]
fn reviewer_sub_thread_lineage() {
    let files =
        agentobs::codex::discover(&[fixture("codex-0.169/tool_approved_by_reviewer")]).unwrap();
    assert_eq!(files.len(), 2);
    let parent = read(&files[0].path);
    let child = read(&files[1].path);
    let parent_id = "01a211cb-7be5-7111-8589-a305d439fa4e";
    assert_eq!(parent.events[0].ctx.thread_id.as_deref(), Some(parent_id));
    let ctx = &child.events[0].ctx;
    assert_eq!(
        ctx.thread_id.as_deref(),
        Some("01a211cb-7c03-7c21-8734-9900fdef9dd9")
    );
    assert_eq!(ctx.parent_thread_id.as_deref(), Some(parent_id));
    assert_eq!(ctx.session_id.as_deref(), Some(parent_id));
    assert_eq!(ctx.subagent.as_ref().unwrap().kind, "guardian");
    let review = child
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::GuardianReview(g) => Some(g),
            _ => None,
        })
        .unwrap();
    assert_eq!(review.decision, Decision::Approved);
    assert_eq!(review.risk_level.as_deref(), Some("low"));
    assert_eq!(
        review.reviewed_turn_id.as_deref(),
        Some("01a211cb-7bff-7690-b245-baa8f5727926")
    );
    // The reviewer's own request is real usage (no replay in a guardian thread).
    assert_eq!(usage_sum(&child.events), usage(2890, 0, 41, 0));
    assert_eq!(usage_sum(&parent.events), usage(8780, 8064, 95, 32));
    let tool = tool_results(&parent)[0];
    assert_eq!(tool.exit_code, Some(0));
}

#[test]
fn retries_and_reasoning() {
    let r = read(&rollout("codex-0.169/http500_retry"));
    assert_eq!(usage_sum(&r.events), usage(8780, 8064, 95, 32));
    let r = read(&rollout("codex-0.169/reasoning"));
    assert_eq!(usage_sum(&r.events), usage(4390, 0, 38, 0));
}

#[test]
fn token_mode_gives_the_same_usage() {
    for s in SCENARIOS {
        let dir = fixture(&format!("codex-0.169/{s}"));
        for p in rollouts_in(&dir) {
            let full = read(&p);
            let fast = read_with(&p, agentobs::codex::ReadOptions::tokens());
            assert!(fast.warnings.is_empty());
            assert_eq!(usage_sum(&full.events), usage_sum(&fast.events), "{s}");
            assert!(
                fast.stats.skipped > full.stats.skipped,
                "{s}: the fast path skips more"
            );
        }
    }
}

#[test]
fn json_form_round_trips() {
    for s in SCENARIOS {
        let dir = fixture(&format!("codex-0.169/{s}"));
        for p in rollouts_in(&dir) {
            for e in read(&p).events {
                let json = serde_json::to_string(&e).unwrap();
                assert!(json.starts_with(r#"{"schema":"agentobs.event/v1","#));
                let back: agentobs::schema::Event = serde_json::from_str(&json).unwrap();
                assert_eq!(back, e);
            }
        }
    }
}
