//! Properties: mapping any event sequence never panics, gives the same records (and ids)
//! every run, keeps every billed token, and writes OTLP-JSON that decodes.

use std::sync::Arc;

use agentobs::export::OtlpJsonWriter;
use agentobs::schema::*;
use agentobs::semconv::{Mapper, SignalSink};
use proptest::prelude::*;

use super::*;

fn ctx(thread: u8) -> Arc<SessionContext> {
    let mut c = SessionContext::new(Harness::Codex);
    c.session_id = Some("root".into());
    c.thread_id = Some(format!("thread-{thread}"));
    c.model = Some(["gpt-5", "gpt-5.1-codex", "no-such-model"][usize::from(thread % 3)].into());
    if thread == 2 {
        c.parent_thread_id = Some("thread-0".into());
        c.subagent = Some(SubAgent {
            kind: "guardian".into(),
            ..SubAgent::default()
        });
    }
    Arc::new(c)
}

fn kind() -> impl Strategy<Value = EventKind> {
    let id = || {
        prop::option::of(prop::sample::select(vec!["x", "y", "z", "é✓", ""]).prop_map(String::from))
    };
    let big = || prop_oneof![0u64..5000, Just(u64::MAX), Just(0)];
    let usage = (big(), big(), big()).prop_map(|(i, o, c)| TokenUsage {
        input_tokens: i,
        cached_input_tokens: c.min(i),
        output_tokens: o,
        ..TokenUsage::default()
    });
    prop_oneof![
        (id(), id()).prop_map(|(t, p)| {
            let mut s = TurnStarted::default();
            s.turn_id = t;
            s.parent_turn_id = p;
            EventKind::TurnStarted(s)
        }),
        (usage, id()).prop_map(|(u, r)| {
            let mut e = TokenUsageEvent::new(u);
            e.response_id = r;
            EventKind::TokenUsage(e)
        }),
        (
            id(),
            prop::option::of(big()),
            any::<Option<bool>>(),
            prop::option::of(any::<i64>())
        )
            .prop_map(|(c, d, s, x)| {
                let mut r = ToolResult::new("shell");
                r.call_id = c;
                r.duration_ms = d;
                r.success = s;
                r.exit_code = x;
                r.arguments = Redacted::shown("{\"cmd\":\"ls\"}".into());
                EventKind::ToolResult(r)
            }),
        id().prop_map(|c| {
            let mut d = ToolDecision::new("shell", Decision::Approved);
            d.call_id = c;
            EventKind::ToolDecision(d)
        }),
        (prop::option::of(any::<u16>()), prop::option::of(big())).prop_map(|(s, d)| {
            let mut r = ApiRequest::default();
            r.status_code = s;
            r.duration_ms = d;
            r.error = s.filter(|s| *s >= 400).map(|s| format!("http {s}"));
            EventKind::ApiRequest(r)
        }),
        Just(EventKind::Error(ErrorEvent::new("boom"))),
        Just(EventKind::Compaction(Compaction::default())),
        Just(EventKind::GuardianReview(GuardianReview::new(
            Decision::Denied
        ))),
        Just(EventKind::TurnCompleted(TurnCompleted::default())),
        Just(EventKind::SessionStarted(SessionStarted::default())),
        Just(EventKind::UserPrompt(UserPrompt::default())),
        Just(EventKind::StreamEvent(StreamEvent::new(
            StreamTransport::WebSocket
        ))),
        Just(EventKind::Other(OtherEvent::new(
            "codex.startup_phase",
            Attributes::new()
        ))),
    ]
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec((0u8..3, -5_000i64..5_000_000, kind()), 0..60).prop_map(|v| {
        v.into_iter()
            .map(|(t, at, k)| {
                Event::new(
                    Timestamp::from_unix_millis(1_795_594_870_000 + at),
                    ctx(t),
                    k,
                )
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mapping_is_total_deterministic_and_keeps_every_token(evs in events()) {
        for d in DIALECTS {
            let a = map_events(&evs, d);
            let b = map_events(&evs, d);
            prop_assert_eq!(&a, &b, "{}: a replay gives the same records and ids", d);
            for s in &a.spans {
                prop_assert!(s.end >= s.start);
                prop_assert!(s.trace_id.0 != [0; 16] && s.span_id.0 != [0; 8]);
            }
            let mut w = OtlpJsonWriter::new(Vec::new());
            for s in a.spans.iter().cloned() { w.span(s); }
            for l in a.logs.iter().cloned() { w.log(l); }
            for m in a.metrics.iter().cloned() { w.metric(m); }
            prop_assert!(w.finish().is_ok());
        }
        let want = usage_sum(&evs);
        let g = map_events(&evs, "openinference");
        let got: u64 = g.spans.iter()
            .filter(|s| s.attributes.get_str("openinference.span.kind") == Some("LLM"))
            .filter_map(|s| s.attributes.get_int("llm.token_count.completion"))
            .map(|v| v as u64)
            .fold(0u64, |a, b| a.saturating_add(b));
        // Counts above i64::MAX saturate on the wire; compare in that range.
        let cap = |v: u64| v.min(i64::MAX as u64);
        prop_assert_eq!(cap(got), cap(want.output_tokens));
    }

    #[test]
    fn bounded_sessions_still_map_everything(evs in events()) {
        let mut m = Mapper::new(dialect("genai"), agentobs::semconv::Signals::default())
            .with_max_open_sessions(1);
        for e in &evs { let _ = m.event(e); }
        let (s, stats) = m.finish();
        prop_assert_eq!(stats.events, evs.len() as u64);
        let usage = evs.iter().filter(|e| matches!(e.kind, EventKind::TokenUsage(_))).count();
        prop_assert_eq!(s.spans.iter().filter(|x| x.attributes.contains("gen_ai.usage.input_tokens") && x.name.starts_with("chat")).count(), usage);
    }
}
