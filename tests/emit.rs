//! The emit API and the pipeline against a real HTTP receiver: what arrives, what a dead or
//! slow collector costs the emitting thread, and that content stays out unless captured.

use std::sync::Arc;
use std::time::{Duration, Instant};

use agentobs::export::config::ExportConfig;
use agentobs::export::pipeline::MemorySink;
use agentobs::export::proto::collector::trace::v1::ExportTraceServiceRequest;
use agentobs::schema::{Decision, DecisionSource, EventKind, Harness, SessionContext, TokenUsage};
use agentobs::telemetry::{Telemetry, ToolCall};
use prost::Message;

use agentobs_testing::receiver::{Mode, Receiver};

fn config(url: &str) -> ExportConfig {
    ExportConfig::builder()
        .endpoint(url)
        .header("authorization", "Bearer canary-token-77")
        .timeout(Duration::from_secs(2))
        .resolve(None, &|_| None)
        .unwrap()
}

fn ctx(thread: &str) -> SessionContext {
    let mut c = SessionContext::new(Harness::Codex);
    c.thread_id = Some(thread.into());
    c.model = Some("gpt-5".into());
    c
}

const SECRET: &str = "sk-canary-5f1e9c-DO-NOT-EXPORT";

/// One turn with a prompt, a decision, a tool call and a model request, the secret planted
/// in every text.
fn one_turn(t: &Telemetry, thread: &str) {
    let s = t.session(ctx(thread));
    s.turn_started("turn-1");
    s.user_prompt(Some("turn-1"), &format!("deploy with {SECRET}"));
    s.api_request(1, Some(200), Duration::from_millis(900));
    s.token_usage(TokenUsage {
        input_tokens: 12_000,
        cached_input_tokens: 2_000,
        output_tokens: 300,
        ..Default::default()
    });
    s.tool_decision(
        "shell",
        "call-1",
        Decision::Approved,
        DecisionSource::Config,
    );
    s.tool_result(ToolCall {
        tool: "shell",
        call_id: "call-1",
        arguments: &format!("{{\"cmd\":\"echo {SECRET}\"}}"),
        output: &format!("{SECRET}\n"),
        duration: Duration::from_millis(42),
        success: true,
        exit_code: Some(0),
        ..Default::default()
    });
    s.turn_completed("turn-1");
    s.end();
}

fn spans(r: &Receiver) -> Vec<agentobs::export::proto::trace::v1::Span> {
    r.requests_to("/v1/traces")
        .iter()
        .flat_map(|q| {
            ExportTraceServiceRequest::decode(&q.body[..])
                .unwrap()
                .resource_spans
        })
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .collect()
}

#[test]
fn a_session_emitted_through_the_api_arrives_as_genai_spans_with_cost() {
    let r = Receiver::start();
    let t = Telemetry::from_config(&config(&r.url()), "genai").unwrap();
    assert!(t.is_enabled());
    one_turn(&t, "0199a213-81c0-7800-8aa1-bbab2a035a53");
    let report = t.shutdown(Duration::from_secs(10));
    assert!(report.complete(), "{report:?}");
    let spans = spans(&r);
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"chat gpt-5"), "{names:?}");
    assert!(names.contains(&"execute_tool shell"), "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("invoke_agent")),
        "{names:?}"
    );
    let chat = spans.iter().find(|s| s.name == "chat gpt-5").unwrap();
    let attr = |k: &str| {
        chat.attributes
            .iter()
            .find(|kv| kv.key == k)
            .and_then(|kv| kv.value.clone())
    };
    assert!(attr("gen_ai.usage.input_tokens").is_some());
    assert!(attr("agentobs.cost.usd").is_some(), "{:?}", chat.attributes);
    for q in r.requests() {
        assert_eq!(q.header("authorization"), Some("Bearer canary-token-77"));
    }
}

#[test]
fn disabled_telemetry_takes_everything_and_sends_nothing() {
    let t = Telemetry::from_config(&ExportConfig::default(), "genai").unwrap();
    assert!(!t.is_enabled());
    one_turn(&t, "t");
    assert!(t.stats().sinks.is_empty());
    assert!(t.shutdown(Duration::ZERO).summaries.is_empty());
}

#[test]
fn a_dead_collector_never_blocks_the_emitter_and_the_failure_is_reported() {
    let addr = Receiver::unused_addr();
    let memory = MemorySink::new();
    let t = Telemetry::builder()
        .queue_capacity(64)
        .otlp(&config(&format!("http://{addr}")), "genai")
        .unwrap()
        .sink("memory", memory.clone())
        .build();
    let started = Instant::now();
    for i in 0..200 {
        one_turn(&t, &format!("thread-{i}"));
    }
    let emitting = started.elapsed();
    let report = t.shutdown(Duration::from_secs(20));
    let otlp = &report.summaries[0];
    let summary = otlp.1.as_ref().expect("closed in time");
    assert!(summary.error.is_some(), "{report:?}");
    assert!(!report.complete());
    // 1400 events emitted in far less time than one export attempt could take.
    assert!(emitting < Duration::from_secs(2), "{emitting:?}");
    // The memory sink kept what its queue took; together with the drops, everything.
    let mem = &report.stats.sinks[1];
    assert_eq!(mem.accepted + mem.dropped, 1400);
    assert_eq!(memory.events().len() as u64, mem.accepted);
}

#[test]
fn a_slow_collector_fills_the_queue_drops_are_counted_and_shutdown_keeps_its_deadline() {
    let r = Receiver::start();
    r.set_mode(Mode::Stall(Duration::from_secs(3)));
    let t = Telemetry::builder()
        .queue_capacity(16)
        .flush_interval(Duration::from_millis(10))
        .otlp(&config(&r.url()), "genai")
        .unwrap()
        .build();
    let started = Instant::now();
    for i in 0..500 {
        one_turn(&t, &format!("thread-{i}"));
        if i == 0 {
            // Let the first export start and stall.
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(started.elapsed() < Duration::from_secs(2));
    let st = t.stats();
    assert!(st.dropped() > 0, "{st:?}");
    let t0 = Instant::now();
    let report = t.shutdown(Duration::from_millis(500));
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(report.timed_out().count(), 1, "{report:?}");
}

#[test]
fn the_canary_never_leaves_unless_content_is_captured() {
    let dir = tempfile::tempdir().unwrap();
    for capture in [false, true] {
        let r = Receiver::start();
        let jsonl = dir.path().join(format!("events-{capture}.jsonl"));
        let mut config = config(&r.url());
        config.log_user_prompt = capture;
        let t = Telemetry::builder()
            .capture_content(capture)
            .otlp(&config, "genai")
            .unwrap()
            .otlp(&config, "codex")
            .unwrap()
            .otlp(&config, "openinference")
            .unwrap()
            .jsonl(&jsonl)
            .unwrap()
            .build();
        one_turn(&t, "0199a213-81c0-7800-8aa1-bbab2a035a53");
        assert!(t.shutdown(Duration::from_secs(10)).complete());
        let mut bytes: Vec<u8> = std::fs::read(&jsonl).unwrap();
        for q in r.requests() {
            bytes.extend_from_slice(&q.body);
            for (k, v) in &q.headers {
                bytes.extend_from_slice(k.as_bytes());
                bytes.extend_from_slice(v.as_bytes());
            }
        }
        assert!(r.requests().len() >= 3);
        let found = memchr::memmem::find(&bytes, SECRET.as_bytes()).is_some();
        assert_eq!(found, capture, "capture={capture}");
    }
}

#[test]
fn a_pipeline_fed_by_the_rollout_reader_is_an_event_sink() {
    use agentobs::schema::EventSink;
    let memory = MemorySink::new();
    let t = Telemetry::builder().sink("memory", memory.clone()).build();
    let s = t.session(ctx("x"));
    s.emit(EventKind::Compaction(Default::default()));
    let mut p = agentobs::export::pipeline::Pipeline::builder()
        .sink("memory", memory.clone())
        .build();
    let e = agentobs::schema::Event::new(
        agentobs::schema::Timestamp::from_unix_millis(1),
        Arc::new(ctx("y")),
        EventKind::Compaction(Default::default()),
    );
    let _ = p.event(&e);
    assert!(p.shutdown(Duration::from_secs(5)).complete());
    assert!(t.shutdown(Duration::from_secs(5)).complete());
    assert_eq!(memory.events().len(), 2);
}

fn big_span(id: u8, bytes: usize) -> agentobs::semconv::SpanRecord {
    use agentobs::semconv::*;
    let mut attributes = AttrList::new();
    attributes.set("agentobs.test.blob", "x".repeat(bytes));
    SpanRecord {
        resource: Arc::new(Resource::default()),
        scope: Arc::new(InstrumentationScope {
            name: "agentobs.test".into(),
            version: None,
            schema_url: None,
        }),
        trace_id: TraceId([9; 16]),
        span_id: SpanId([id; 8]),
        parent_span_id: None,
        name: format!("big-{id}").into(),
        kind: SpanKind::Internal,
        start: agentobs::schema::Timestamp::from_unix_millis(1_795_594_878_051),
        end: agentobs::schema::Timestamp::from_unix_millis(1_795_594_878_105),
        attributes,
        events: Vec::new(),
        links: Vec::new(),
        status: SpanStatus::Unset,
    }
}

#[test]
fn a_batch_past_64_mib_is_split_and_only_an_oversized_record_is_lost() {
    use agentobs::export::Destinations;
    use agentobs::semconv::SignalSink;
    for protocol in ["http/protobuf", "http/json"] {
        let r = Receiver::start();
        let config = ExportConfig::builder()
            .endpoint(r.url())
            .transport(agentobs::export::config::Transport::parse(protocol).unwrap())
            .resolve(None, &|_| None)
            .unwrap();
        let mut d = Destinations::new(&config).unwrap();
        // Three 30 MiB spans (90 MiB in one batch), one 70 MiB span, and a small one.
        for id in 1..=3 {
            d.span(big_span(id, 30 << 20));
        }
        d.span(big_span(4, 70 << 20));
        d.span(big_span(5, 10));
        let (delivered, error) = d.finish();
        let error = error.expect("the oversized span is reported");
        assert!(error.contains("limit"), "{protocol}: {error}");
        assert_eq!(delivered.spans, 4, "{protocol}: {delivered:?}");
        let got = r.requests_to("/v1/traces");
        assert!(got.len() >= 2, "{protocol}: {} requests", got.len());
        assert!(
            got.iter()
                .all(|q| q.body.len() <= agentobs::export::MAX_BODY_BYTES)
        );
    }
}

#[test]
fn a_harness_logging_like_codex_is_exported_through_the_tracing_layer() {
    use tracing_subscriber::prelude::*;
    let r = Receiver::start();
    let t = Telemetry::from_config(&config(&r.url()), "genai").unwrap();
    let subscriber = tracing_subscriber::registry().with(t.tracing_layer());
    tracing::subscriber::with_default(subscriber, || {
        const THREAD: &str = "0199a213-81c0-7800-8aa1-bbab2a035a53";
        tracing::event!(target: "codex_otel.log_only", tracing::Level::INFO,
            event.name = "codex.api_request", conversation.id = THREAD, model = "gpt-5",
            attempt = "1", duration_ms = "900", http.response.status_code = "200");
        tracing::event!(target: "codex_otel.log_only", tracing::Level::INFO,
            event.name = "codex.sse_event", conversation.id = THREAD, model = "gpt-5",
            event.kind = "response.completed", input_token_count = "4200",
            output_token_count = "12", cached_token_count = 0i64, tool_token_count = "4212",
            duration_ms = "5");
        tracing::event!(target: "codex_otel.log_only", tracing::Level::INFO,
            event.name = "codex.tool_result", conversation.id = THREAD, model = "gpt-5",
            tool_name = "shell", call_id = "c1", duration_ms = "40", success = "true",
            arguments = "{}", output = "ok", mcp_server = "");
        // The same event in its trace variant is not counted again.
        tracing::event!(target: "codex_otel.trace_safe", tracing::Level::INFO,
            event.name = "codex.tool_result", conversation.id = THREAD, model = "gpt-5",
            tool_name = "shell", call_id = "c1", duration_ms = "40", success = "true");
    });
    assert!(t.shutdown(Duration::from_secs(10)).complete());
    let spans = spans(&r);
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"chat gpt-5"), "{names:?}");
    assert!(names.contains(&"execute_tool shell"), "{names:?}");
    assert_eq!(
        names.iter().filter(|n| **n == "execute_tool shell").count(),
        1
    );
}
