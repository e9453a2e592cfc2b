//! What metrics and spans say about a session: totals kept beside the events, so the
//! signals can corroborate without any request being counted twice.

use std::collections::BTreeMap;

use agentobs_schema::TokenUsage;

use super::attrs::Attrs;
use super::proto::metrics::v1::{AggregationTemporality, metric, number_data_point};
use super::{
    ExportMetricsServiceRequest, ExportTraceServiceRequest, Loc, NAME_PREFIX, OtlpDecoder, Out,
    resource_info,
};

/// Most metric series kept per session.
const MAX_SERIES_PER_SESSION: usize = 256;

/// What one signal said about a session.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SignalTally {
    /// Model requests with token counts.
    pub requests: u64,
    /// Their tokens, summed (Codex semantics).
    pub tokens: TokenUsage,
    /// The cost Claude Code itself reported for them (`cost_usd`), summed.
    pub reported_cost_usd: f64,
}

/// What logs, spans and metrics each said about one session.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct SessionTally {
    /// From `api_request` log records (the source of the events).
    pub logs: SignalTally,
    /// From `claude_code.llm_request` spans.
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
        let (_, version) = resource_info(rm.resource.as_ref());
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
                    let session = d.session(a.str("session.id").unwrap_or(""), version);
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
        // Histograms and other kinds are counted in the summary's records only when they
        // have number points; Claude Code sends counters only.
    }
}

pub(super) fn traces(d: &mut OtlpDecoder, request: &ExportTraceServiceRequest, out: &mut Out<'_>) {
    for (ri, rs) in request.resource_spans.iter().enumerate() {
        let (_, version) = resource_info(rs.resource.as_ref());
        for (si, ss) in rs.scope_spans.iter().enumerate() {
            for (pi, span) in ss.spans.iter().enumerate() {
                out.record();
                if span.name != "claude_code.llm_request" {
                    out.skip();
                    continue;
                }
                let a = Attrs(&span.attributes);
                let count = |k: &str| a.u64(k).map(Option::unwrap_or_default);
                let tokens = (|| -> Result<TokenUsage, String> {
                    let read = count("cache_read_tokens")?;
                    let write = count("cache_creation_tokens")?;
                    Ok(TokenUsage {
                        input_tokens: count("input_tokens")?
                            .saturating_add(read)
                            .saturating_add(write),
                        cached_input_tokens: read,
                        cache_write_input_tokens: write,
                        output_tokens: count("output_tokens")?,
                        ..TokenUsage::default()
                    })
                })();
                match tokens {
                    Ok(t) => {
                        out.skip();
                        let session = d.session(a.str("session.id").unwrap_or(""), version);
                        let tr = &mut session.tally.traces;
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
