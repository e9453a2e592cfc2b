//! Trace structure: turns are traces, requests and tool calls nest under their turn, a
//! sub-agent's turn nests under the turn of its parent, and approvals land on their span.

use std::sync::Arc;

use agentobs::schema::*;
use agentobs::semconv::{SpanKind, ids};

use super::*;

#[test]
fn the_reviewer_nests_under_the_turn_it_reviewed() {
    let files = jsonl_files(&fixture("codex-0.169/tool_approved_by_reviewer"));
    assert_eq!(files.len(), 2, "the parent and the guardian's own rollout");
    for d in ["genai", "openinference"] {
        // Either read order gives the same tree: ids come from the files' own ids.
        let mut reversed = files.clone();
        reversed.reverse();
        let a = map_files(&files, d, ContentPolicy::default());
        let b = map_files(&reversed, d, ContentPolicy::default());
        let ids = |s: &agentobs::semconv::Signals| {
            let mut v: Vec<_> = s
                .spans
                .iter()
                .map(|x| (x.trace_id, x.span_id, x.parent_span_id))
                .collect();
            v.sort();
            v
        };
        assert_eq!(ids(&a), ids(&b), "{d}: ids do not depend on read order");

        let turns: Vec<_> = a
            .spans
            .iter()
            .filter(|s| s.attributes.contains("agentobs.turn.id") || s.name.ends_with(" turn"))
            .collect();
        assert_eq!(turns.len(), 2, "{d}");
        let root = turns.iter().find(|s| s.parent_span_id.is_none()).unwrap();
        let guardian = turns.iter().find(|s| s.parent_span_id.is_some()).unwrap();
        assert_eq!(guardian.parent_span_id, Some(root.span_id), "{d}");
        assert_eq!(
            guardian.trace_id, root.trace_id,
            "{d}: one trace for the turn and its review"
        );
        assert!(
            guardian
                .events
                .iter()
                .any(|e| e.name == "agentobs.guardian.review"),
            "{d}"
        );
        // Every other span is in that trace too, under one of the two turns.
        for s in &a.spans {
            assert_eq!(s.trace_id, root.trace_id, "{d}: {}", s.name);
            if s.span_id != root.span_id {
                let p = s.parent_span_id.unwrap();
                assert!(
                    p == root.span_id || p == guardian.span_id,
                    "{d}: {}",
                    s.name
                );
            }
        }
    }
}

fn ev(ctx: &Arc<SessionContext>, ms: i64, kind: EventKind) -> Event {
    Event::new(
        Timestamp::from_unix_millis(1_795_594_870_000 + ms),
        ctx.clone(),
        kind,
    )
}

#[test]
fn an_approval_before_its_tool_call_lands_on_the_tool_span() {
    let mut c = SessionContext::new(Harness::Codex);
    c.thread_id = Some("t1".into());
    c.model = Some("gpt-5".into());
    let ctx = Arc::new(c);
    let mut start = TurnStarted::default();
    start.turn_id = Some("turn-1".into());
    let mut decision = ToolDecision::new("shell", Decision::ApprovedForSession);
    decision.call_id = Some("call-9".into());
    decision.source = Some(DecisionSource::User);
    let mut result = ToolResult::new("shell");
    result.call_id = Some("call-9".into());
    result.duration_ms = Some(300);
    result.success = Some(false);
    result.exit_code = Some(1);
    let events = [
        ev(&ctx, 0, EventKind::TurnStarted(start)),
        ev(&ctx, 100, EventKind::ToolDecision(decision)),
        ev(&ctx, 500, EventKind::ToolResult(result)),
        ev(
            &ctx,
            600,
            EventKind::TurnCompleted(TurnCompleted::default()),
        ),
    ];
    for d in ["genai", "genai-latest", "openinference"] {
        let s = map_events(&events, d);
        let tool = s
            .spans
            .iter()
            .find(|x| x.span_id == ids::tool_span("t1", "call-9"))
            .unwrap_or_else(|| panic!("{d}: tool span id derives from the call id"));
        assert_eq!(tool.kind, SpanKind::Internal);
        assert_eq!((tool.end.unix_millis() - tool.start.unix_millis()), 300);
        let e = tool
            .events
            .iter()
            .find(|e| e.name == "agentobs.tool.decision")
            .unwrap();
        assert_eq!(
            e.attributes.get_str("agentobs.decision"),
            Some("approved_for_session")
        );
        assert_eq!(
            e.attributes.get_str("agentobs.decision.source"),
            Some("user")
        );
        assert_eq!(tool.attributes.get_int("agentobs.tool.exit_code"), Some(1));
        assert!(
            matches!(tool.status, agentobs::semconv::SpanStatus::Error(_)),
            "{d}"
        );
        let turn = s
            .spans
            .iter()
            .find(|x| x.span_id == ids::turn_span("t1", "turn-1"))
            .unwrap();
        assert_eq!(tool.parent_span_id, Some(turn.span_id));
    }
    // The codex dialect logs the decision the way Codex does.
    let s = map_events(&events, "codex");
    let log = s.logs_named("codex.tool_decision").next().unwrap();
    assert_eq!(
        log.attributes.get_str("decision"),
        Some("approvedforsession")
    );
    assert_eq!(log.attributes.get_str("source"), Some("User"));
}

#[test]
fn a_failed_attempt_is_its_own_span_and_the_turn_records_the_error() {
    let mut c = SessionContext::new(Harness::Codex);
    c.thread_id = Some("t2".into());
    c.model = Some("gpt-5".into());
    let ctx = Arc::new(c);
    let mut failed = ApiRequest::default();
    failed.status_code = Some(500);
    failed.error = Some("http 500".into());
    failed.duration_ms = Some(80);
    let mut ok = ApiRequest::default();
    ok.attempt = 1;
    ok.status_code = Some(200);
    let mut err = ErrorEvent::new("Codex ran out of room in the model's context window");
    err.kind = Some(ErrorKind::ContextWindowExceeded);
    let events = [
        ev(&ctx, 0, EventKind::TurnStarted(TurnStarted::default())),
        ev(&ctx, 100, EventKind::ApiRequest(failed)),
        ev(&ctx, 400, EventKind::ApiRequest(ok)),
        ev(
            &ctx,
            450,
            EventKind::TokenUsage(TokenUsageEvent::new(TokenUsage {
                input_tokens: 10,
                output_tokens: 2,
                ..TokenUsage::default()
            })),
        ),
        ev(&ctx, 500, EventKind::Error(err)),
    ];
    let s = map_events(&events, "genai");
    let chats: Vec<_> = s.spans.iter().filter(|x| x.name == "chat gpt-5").collect();
    assert_eq!(chats.len(), 2, "the retry and the response");
    let retry = chats
        .iter()
        .find(|x| x.attributes.contains("error.type"))
        .unwrap();
    assert_eq!(retry.attributes.get_str("error.type"), Some("500"));
    assert_eq!(retry.end.unix_millis() - retry.start.unix_millis(), 80);
    assert!(
        !retry.attributes.contains("gen_ai.usage.input_tokens"),
        "unknown is not zero"
    );
    let turn = s
        .spans
        .iter()
        .find(|x| x.name == "invoke_agent codex")
        .unwrap();
    assert_eq!(
        turn.attributes.get_str("error.type"),
        Some("context_window_exceeded")
    );
    assert_eq!(
        turn.attributes
            .get("agentobs.turn.incomplete")
            .and_then(|v| v.as_bool()),
        Some(true)
    );
    assert!(turn.events.iter().any(|e| e.name == "exception"));
}
