//! What metrics and spans say about a session: totals kept beside the events, so the
//! signals can corroborate without any request being counted twice.

use std::collections::BTreeMap;
use std::fmt;

use agentobs_schema::TokenUsage;

use super::super::proto::metrics::v1::{AggregationTemporality, metric, number_data_point};
use super::{
    AttrLookup, Decoder, ExportMetricsServiceRequest, ExportTraceServiceRequest, HarnessProfile,
    Loc, Out, Res,
};

/// Most metric series kept per session.
const MAX_SERIES_PER_SESSION: usize = 256;

/// How one signal's model requests are totalled ([`HarnessProfile::Signal`]).
pub trait SignalTotals: Clone + fmt::Debug + Default + PartialEq {
    /// Counts one request with `tokens` and, when the harness reported it, its cost.
    fn add(&mut self, tokens: &TokenUsage, reported_cost_usd: Option<f64>);
}

/// What one signal said about a session: its model requests and their tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Totals {
    /// Model requests with token counts.
    pub requests: u64,
    /// Their tokens, summed (Codex semantics).
    pub tokens: TokenUsage,
}

impl SignalTotals for Totals {
    /// Counts the request and its tokens; a reported cost is not kept.
    fn add(&mut self, tokens: &TokenUsage, _reported_cost_usd: Option<f64>) {
        self.requests = self.requests.saturating_add(1);
        self.tokens = self.tokens.saturating_add(tokens);
    }
}

/// [`Totals`] with the cost the harness itself reported for the requests.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct CostedTotals {
    /// Model requests with token counts.
    pub requests: u64,
    /// Their tokens, summed (Codex semantics).
    pub tokens: TokenUsage,
    /// The cost the harness itself reported for them (Claude Code's `cost_usd`), summed.
    pub reported_cost_usd: f64,
}

impl SignalTotals for CostedTotals {
    fn add(&mut self, tokens: &TokenUsage, reported_cost_usd: Option<f64>) {
        self.requests = self.requests.saturating_add(1);
        self.tokens = self.tokens.saturating_add(tokens);
        if let Some(c) = reported_cost_usd {
            self.reported_cost_usd += c;
        }
    }
}

/// What logs, spans and metrics each said about one session.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Tally<S> {
    /// From the token-usage log records (the source of the events).
    pub logs: S,
    /// From the [`HarnessProfile::TOKEN_SPAN`] spans.
    pub traces: S,
    /// Per metric series (`name`, then the sorted attributes), its total.
    series: BTreeMap<String, f64>,
}

impl<S> Tally<S> {
    /// The total of counter `name` over the series whose `type` is `kind` (any when `None`).
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

pub(super) fn metrics<D: HarnessProfile>(
    d: &mut Decoder<D>,
    request: &ExportMetricsServiceRequest,
    out: &mut Out<'_>,
) {
    for rm in &request.resource_metrics {
        let res = Res::of::<D>(rm.resource.as_ref());
        for sm in &rm.scope_metrics {
            for m in &sm.metrics {
                let (points, cumulative) = match &m.data {
                    Some(metric::Data::Sum(s)) => (
                        &s.data_points[..],
                        s.aggregation_temporality == AggregationTemporality::Cumulative as i32,
                    ),
                    Some(metric::Data::Gauge(g)) => (&g.data_points[..], true),
                    // Histograms (latencies, `gen_ai.client.*`) hold nothing a counter or a
                    // log record does not; they are not records of the summary.
                    _ => (&[][..], false),
                };
                for p in points {
                    out.record();
                    out.skip();
                    if !m.name.starts_with(D::METRIC_PREFIX) {
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
                    let a = AttrLookup(&p.attributes);
                    let mut tags: Vec<String> = p
                        .attributes
                        .iter()
                        .filter(|kv| kv.key != D::SESSION_KEY)
                        .filter_map(|kv| a.str(&kv.key).map(|v| format!("{}={v}", kv.key)))
                        .collect();
                    tags.sort();
                    let key = format!("{}\u{0}{}", m.name, tags.join("\u{0}"));
                    let session = d.entry(res.session_of(a, D::SESSION_KEY), res.version);
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
    }
}

pub(super) fn traces<D: HarnessProfile>(
    d: &mut Decoder<D>,
    request: &ExportTraceServiceRequest,
    out: &mut Out<'_>,
) {
    for (ri, rs) in request.resource_spans.iter().enumerate() {
        let res = Res::of::<D>(rs.resource.as_ref());
        for (si, ss) in rs.scope_spans.iter().enumerate() {
            for (pi, span) in ss.spans.iter().enumerate() {
                out.record();
                if span.name != D::TOKEN_SPAN {
                    out.skip();
                    continue;
                }
                let a = AttrLookup(&span.attributes);
                match D::span_tokens(a) {
                    Ok(tokens) => {
                        out.skip();
                        // A call that failed has no usage: no request to tally.
                        let Some(t) = tokens else { continue };
                        let id = res.session_of(a, D::SPAN_SESSION_KEY);
                        d.entry(id, res.version).tally.traces.add(&t, None);
                    }
                    Err(why) => {
                        let at = Loc {
                            resource: ri,
                            scope: si,
                            record: pi,
                        };
                        out.bad(&at, why);
                    }
                }
            }
        }
    }
}
