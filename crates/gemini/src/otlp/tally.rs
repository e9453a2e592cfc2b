//! What metrics and spans say about a session: totals kept beside the events, so the
//! signals can corroborate without any request being counted twice.

use std::collections::BTreeMap;

use agentobs_schema::TokenUsage;

use super::attrs::Attrs;
use super::proto::metrics::v1::{AggregationTemporality, metric, number_data_point};
use super::{
    ExportMetricsServiceRequest, ExportTraceServiceRequest, Loc, NAME_PREFIX, OtlpDecoder, Out,
    resource_session,
};

/// Most metric series kept per session.
const MAX_SERIES_PER_SESSION: usize = 256;

/// What one signal said about a session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignalTally {
    /// Model requests with token counts.
    pub requests: u64,
    /// Their tokens, summed (Codex semantics).
    pub tokens: TokenUsage,
}

/// What logs, spans and metrics each said about one session.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SessionTally {
    /// From `gemini_cli.api_response` log records (the source of the events).
    pub logs: SignalTally,
    /// From `llm_call` spans (input and output tokens only: the spans carry no more).
    pub traces: SignalTally,
    /// Per metric series (`name`, then the sorted attributes), its total.
    series: BTreeMap<String, f64>,
}

impl SessionTally {
    pub(super) fn metric_total(&self, name: &str, kind: Option<&str>) -> Option<f64> {
        let mut found = None;
        for (key, v) in &self.series {
            let mut parts = key.split('\u{0}');
            if parts.next() != Some(name) {
                continue;
            }
            if let Some(k) = kind
                && !parts.any(|p| p.strip_prefix("type=") == Some(k))
            {
                continue;
            }
            *found.get_or_insert(0.0) += v;
        }
        found
    }
}

pub(super) fn metrics(
    d: &mut OtlpDecoder,
    request: &ExportMetricsServiceRequest,
    out: &mut Out<'_>,
) {
    for rm in &request.resource_metrics {
        let res_session = resource_session(rm.resource.as_ref());
        for sm in &rm.scope_metrics {
            for m in &sm.metrics {
                let (points, cumulative) = match &m.data {
                    Some(metric::Data::Sum(s)) => (
                        &s.data_points[..],
                        s.aggregation_temporality == AggregationTemporality::Cumulative as i32,
                    ),
                    Some(metric::Data::Gauge(g)) => (&g.data_points[..], true),
                    _ => (&[][..], false),
                };
                for p in points {
                    out.record();
                    out.skip();
                    if !m.name.starts_with(NAME_PREFIX) {
                        continue;
                    }
                    let value = match p.value {
                        Some(number_data_point::Value::AsDouble(v)) => v,
                        Some(number_data_point::Value::AsInt(i)) => i as f64,
                        None => continue,
                    };
                    if !value.is_finite() {
                        continue;
                    }
                    let a = Attrs(&p.attributes);
                    let mut tags: Vec<String> = p
                        .attributes
                        .iter()
                        .filter(|kv| kv.key != "session.id")
                        .filter_map(|kv| a.str(&kv.key).map(|v| format!("{}={v}", kv.key)))
                        .collect();
                    tags.sort();
                    let key = format!("{}\u{0}{}", m.name, tags.join("\u{0}"));
                    let id = a.str("session.id").or(res_session).unwrap_or("");
                    let session = d.session(id);
                    let series = &mut session.tally.series;
                    if !series.contains_key(&key) && series.len() >= MAX_SERIES_PER_SESSION {
                        continue;
                    }
                    let slot = series.entry(key).or_insert(0.0);
                    if cumulative {
                        *slot = value;
                    } else {
                        *slot += value;
                    }
                }
            }
        }
        // Histograms (latencies, `gen_ai.client.*`) hold nothing a counter or a log record
        // does not; they are not records of this summary.
    }
}

pub(super) fn traces(d: &mut OtlpDecoder, request: &ExportTraceServiceRequest, out: &mut Out<'_>) {
    for (ri, rs) in request.resource_spans.iter().enumerate() {
        let res_session = resource_session(rs.resource.as_ref());
        for (si, ss) in rs.scope_spans.iter().enumerate() {
            for (pi, span) in ss.spans.iter().enumerate() {
                out.record();
                let a = Attrs(&span.attributes);
                if span.name != "llm_call" {
                    out.skip();
                    continue;
                }
                let tokens = (|| -> Result<Option<TokenUsage>, String> {
                    let input = a.u64("gen_ai.usage.input_tokens")?;
                    let output = a.u64("gen_ai.usage.output_tokens")?;
                    Ok((input.is_some() || output.is_some()).then(|| TokenUsage {
                        input_tokens: input.unwrap_or(0),
                        output_tokens: output.unwrap_or(0),
                        ..TokenUsage::default()
                    }))
                })();
                match tokens {
                    Ok(t) => {
                        out.skip();
                        // A call that failed has no usage: no request to tally.
                        let Some(t) = t else { continue };
                        let id = a
                            .str("gen_ai.conversation.id")
                            .or(res_session)
                            .unwrap_or("");
                        let tr = &mut d.session(id).tally.traces;
                        tr.requests = tr.requests.saturating_add(1);
                        tr.tokens = tr.tokens.saturating_add(&t);
                    }
                    Err(why) => out.bad(
                        &Loc {
                            resource: ri,
                            scope: si,
                            record: pi,
                        },
                        why,
                    ),
                }
            }
        }
    }
}
