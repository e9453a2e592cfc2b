use agentobs_schema::{Collect, Decision, ToolDecision, ToolResult};

use super::*;
use crate::otlp::{Encoding, parse_logs, parse_metrics, parse_traces};

/// A harness whose `tool` record is a decision and a result, whose `usage` record is one
/// request with a reported cost, and whose resource names the session.
#[derive(Debug)]
struct Toy;

impl HarnessProfile for Toy {
    type Signal = CostedTotals;
    const HARNESS: Harness = Harness::Copilot;
    const PROVIDER: &'static str = "toy";
    const SERVICE_VERSION_IS_APP: bool = true;
    const RESOURCE_SESSION: bool = true;
    const SPAN_SESSION_KEY: &'static str = "conv";
    const METRIC_PREFIX: &'static str = "toy.";
    const TOKEN_SPAN: &'static str = "toy.call";

    fn events(
        _: &LogRecord,
        a: AttrLookup<'_>,
        _: bool,
        out: &mut Vec<EventKind>,
    ) -> Result<(), String> {
        match a.str("event.name") {
            Some("tool") => {
                out.push(EventKind::ToolDecision(ToolDecision::new(
                    "t",
                    Decision::Approved,
                )));
                let mut r = ToolResult::new("t");
                r.duration_ms = a.u64("ms")?;
                out.push(EventKind::ToolResult(r));
            }
            Some("usage") => {
                let u = TokenUsage {
                    input_tokens: a.count("in")?,
                    ..TokenUsage::default()
                };
                out.push(EventKind::TokenUsage(
                    agentobs_schema::TokenUsageEvent::new(u),
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn span_tokens(a: AttrLookup<'_>) -> Result<Option<TokenUsage>, String> {
        Ok(a.u64("in")?.map(|n| TokenUsage {
            input_tokens: n,
            ..TokenUsage::default()
        }))
    }

    fn reported_cost_usd(a: AttrLookup<'_>) -> Option<f64> {
        a.f64("cost")
    }
}

const LOGS: &[u8] = br#"{"resourceLogs":[{"resource":{"attributes":[
  {"key":"service.version","value":{"stringValue":"9.1"}},
  {"key":"session.id","value":{"stringValue":"r"}}]},"scopeLogs":[{"logRecords":[
  {"timeUnixNano":"1795596502369000000","attributes":[
    {"key":"event.name","value":{"stringValue":"tool"}},
    {"key":"ms","value":{"intValue":"7"}}]},
  {"attributes":[{"key":"event.name","value":{"stringValue":"tool"}},
    {"key":"ms","value":{"stringValue":"soon"}}]},
  {"attributes":[{"key":"event.name","value":{"stringValue":"usage"}},
    {"key":"session.id","value":{"stringValue":"own"}},
    {"key":"model","value":{"stringValue":"m1"}},
    {"key":"in","value":{"intValue":"40"}},
    {"key":"cost","value":{"doubleValue":0.25}}]},
  {"attributes":[{"key":"event.name","value":{"stringValue":"other"}}]}]}]}]}"#;

#[test]
fn one_record_can_be_two_events_and_a_bad_one_is_a_warning() {
    let mut d = Decoder::<Toy>::new();
    let mut sink = Collect::default();
    let s = d.logs(&parse_logs(LOGS, Encoding::Json).unwrap(), &mut sink);
    assert_eq!((s.records, s.events, s.skipped, s.bad), (4, 3, 1, 1));
    let kinds: Vec<_> = sink.events.iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(kinds, ["tool_decision", "tool_result", "token_usage"]);
    assert_eq!(sink.events[0].at.unix_millis(), 1_795_596_502_369);
    assert_eq!(sink.events[1].at, sink.events[0].at);
    assert_eq!(sink.warnings.len(), 1);
    assert!(
        sink.warnings[0]
            .message
            .starts_with("resource 0, scope 0, record 1: ms"),
        "{}",
        sink.warnings[0].message
    );
    // The resource's session stands in; the record's own wins; the version is the app's.
    let ctx = &sink.events[0].ctx;
    assert_eq!(
        (
            ctx.session_id.as_deref(),
            ctx.app_version.as_deref(),
            ctx.harness.clone()
        ),
        (Some("r"), Some("9.1"), Harness::Copilot)
    );
    let own = &sink.events[2].ctx;
    assert_eq!(
        (own.session_id.as_deref(), own.model.as_deref()),
        (Some("own"), Some("m1"))
    );
    let t = d.tally("own").unwrap();
    assert_eq!(
        (
            t.logs.requests,
            t.logs.tokens.input_tokens,
            t.logs.reported_cost_usd
        ),
        (1, 40, 0.25)
    );
    assert_eq!(d.tally("r").unwrap().logs.requests, 0);
}

#[test]
fn delta_counters_add_cumulative_ones_keep_the_last_value() {
    let body = |temporality: u8, v: u32| {
        format!(
            r#"{{"resourceMetrics":[{{"scopeMetrics":[{{"metrics":[
            {{"name":"toy.tokens","sum":{{"aggregationTemporality":{temporality},"dataPoints":[
              {{"asInt":"{v}","attributes":[{{"key":"session.id","value":{{"stringValue":"s"}}}},
                {{"key":"type","value":{{"stringValue":"input"}}}}]}}]}}}},
            {{"name":"other.tokens","sum":{{"aggregationTemporality":1,"dataPoints":[
              {{"asInt":"5","attributes":[{{"key":"session.id","value":{{"stringValue":"s"}}}}]}}]}}}}]}}]}}]}}"#
        )
    };
    let mut sink = Collect::default();
    for (temporality, total) in [(1, 30.0), (2, 20.0)] {
        let mut d = Decoder::<Toy>::new();
        for v in [10, 20] {
            let req = parse_metrics(body(temporality, v).as_bytes(), Encoding::Json).unwrap();
            let s = d.metrics(&req, &mut sink);
            assert_eq!((s.records, s.skipped, s.events), (2, 2, 0));
        }
        assert_eq!(
            d.metric_total("s", "toy.tokens", Some("input")),
            Some(total)
        );
        assert_eq!(d.metric_total("s", "toy.tokens", Some("output")), None);
        assert_eq!(d.metric_total("s", "other.tokens", None), None);
    }
}

#[test]
fn token_spans_are_tallied_and_sessions_bounded() {
    let body = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[
      {"name":"toy.call","attributes":[{"key":"conv","value":{"stringValue":"a"}},
        {"key":"in","value":{"intValue":"12"}}]},
      {"name":"toy.call","attributes":[{"key":"conv","value":{"stringValue":"a"}}]},
      {"name":"toy.call","attributes":[{"key":"in","value":{"stringValue":"x"}}]},
      {"name":"toy.tool"}]}]}]}"#;
    let mut d = Decoder::<Toy>::new().with_max_sessions(1);
    let mut sink = Collect::default();
    let s = d.traces(&parse_traces(body, Encoding::Json).unwrap(), &mut sink);
    assert_eq!((s.records, s.events, s.skipped, s.bad), (4, 0, 3, 1));
    let t = d.tally("a").unwrap();
    assert_eq!((t.traces.requests, t.traces.tokens.input_tokens), (1, 12));
    let ctx = d.session("b", Some("1.0"));
    assert_eq!(ctx.app_version.as_deref(), Some("1.0"));
    assert_eq!(d.sessions(), 1);
    assert!(d.tally("a").is_none());
}
