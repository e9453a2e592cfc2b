//! Decoder shards: each request's records split by session, so that every record of a
//! session reaches the same decoder thread (its cost, its rules' state and its idle clock
//! live there).
//!
//! The session key of a record is its `conversation.id` (Codex) or `session.id` (Claude
//! Code, Gemini CLI; also taken from the resource, where Gemini CLI puts it too). A Codex
//! span without one goes where its trace's conversation went (learned from the spans of the
//! same request and from log records that carry a trace id). Records with no key at all go
//! to the shard of their resource (its `service.name` and `service.instance.id`), so a
//! harness's keyless records stay together. A request whose records all go to one shard is
//! passed on whole, unchanged.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use agentobs_export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs_export::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use agentobs_export::proto::collector::trace::v1::ExportTraceServiceRequest;
use agentobs_export::proto::common::v1::KeyValue;
use agentobs_export::proto::common::v1::any_value::Value;
use agentobs_export::proto::logs::v1::{ResourceLogs, ScopeLogs};
use agentobs_export::proto::metrics::v1::{
    ExponentialHistogram, Gauge, Histogram, Metric, ResourceMetrics, ScopeMetrics, Sum, Summary,
    metric::Data,
};
use agentobs_export::proto::resource::v1::Resource;
use agentobs_export::proto::trace::v1::{ResourceSpans, ScopeSpans};

use crate::ingest::Payload;

/// Trace ids remembered with their shard, for the spans that name no conversation.
const TRACE_LINKS: usize = 1 << 16;

/// FNV-1a: stable across runs and processes, cheap for short keys.
fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// The last non-empty string attribute `key` (the decoders read attributes the same way).
fn str_attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
    attrs.iter().rev().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        }
    })
}

/// The session key a log record or data point names.
fn record_key(attrs: &[KeyValue]) -> Option<&str> {
    str_attr(attrs, "conversation.id").or_else(|| str_attr(attrs, "session.id"))
}

/// True for a Codex thread id (a UUID), not the OS thread number `tracing` also calls
/// `thread.id`.
fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.bytes().filter(|b| *b == b'-').count() == 4
}

/// The session key a span names (as the Codex decoder reads a span's conversation).
fn span_key(span: &agentobs_export::proto::trace::v1::Span) -> Option<&str> {
    let a = &span.attributes[..];
    str_attr(a, "conversation.id")
        .or_else(|| str_attr(a, "thread_id"))
        .or_else(|| str_attr(a, "thread.id").filter(|s| is_uuid(s)))
        .or_else(|| str_attr(a, "session.id"))
        .or_else(|| {
            span.events
                .iter()
                .find_map(|e| str_attr(&e.attributes, "conversation.id"))
        })
}

/// Where one resource's records go.
struct ResourceRoute<'a> {
    /// The resource's own `session.id` (Gemini CLI).
    session: Option<&'a str>,
    /// The shard of its keyless records.
    fallback: u32,
}

/// Splits requests over `shards` decoders; see the [module](self).
#[derive(Debug)]
pub(crate) struct Router {
    shards: usize,
    traces: Mutex<TraceLinks>,
}

/// A bounded map of trace id to shard, the oldest forgotten first.
#[derive(Debug, Default)]
struct TraceLinks {
    map: HashMap<Vec<u8>, u32>,
    order: VecDeque<Vec<u8>>,
}

impl TraceLinks {
    fn link(&mut self, trace: &[u8], shard: u32) {
        if trace.is_empty() {
            return;
        }
        match self.map.get_mut(trace) {
            Some(s) => *s = shard,
            None => {
                if self.map.len() >= TRACE_LINKS
                    && let Some(old) = self.order.pop_front()
                {
                    self.map.remove(&old);
                }
                self.map.insert(trace.to_vec(), shard);
                self.order.push_back(trace.to_vec());
            }
        }
    }
}

/// Request parts by shard: `(shard, part)`, each shard at most once.
pub(crate) type Parts = Vec<(usize, Payload)>;

impl Router {
    pub(crate) fn new(shards: usize) -> Self {
        Router {
            shards: shards.max(1),
            traces: Mutex::new(TraceLinks::default()),
        }
    }

    fn of_key(&self, key: &str) -> u32 {
        (fnv1a(FNV_OFFSET, key.as_bytes()) % self.shards as u64) as u32
    }

    fn resource<'a>(&self, res: Option<&'a Resource>) -> ResourceRoute<'a> {
        let attrs = res.map_or(&[][..], |r| &r.attributes[..]);
        let session = str_attr(attrs, "session.id");
        let mut h = FNV_OFFSET;
        for key in ["service.name", "service.instance.id"] {
            h = fnv1a(h, str_attr(attrs, key).unwrap_or("").as_bytes());
            h = fnv1a(h, &[0]);
        }
        ResourceRoute {
            session,
            fallback: (h % self.shards as u64) as u32,
        }
    }

    fn of_record(&self, route: &ResourceRoute<'_>, attrs: &[KeyValue]) -> u32 {
        match record_key(attrs).or(route.session) {
            Some(k) => self.of_key(k),
            None => route.fallback,
        }
    }

    /// `payload` split by shard. With `keep`, the original request is returned as well,
    /// untouched (the parts are then copies), for the passthrough.
    pub(crate) fn split(&self, payload: Payload, keep: bool) -> (Parts, Option<Payload>) {
        if self.shards == 1 {
            return (vec![(0, payload)], None);
        }
        let shards = match &payload {
            Payload::Logs(r) => self.log_shards(r),
            Payload::Metrics(r) => self.metric_shards(r),
            Payload::Traces(r) => self.span_shards(r),
        };
        let first = shards.first().copied().unwrap_or(0);
        if shards.iter().all(|s| *s == first) {
            return (vec![(first as usize, payload)], None);
        }
        let (work, original) = if keep {
            (copy(&payload), Some(payload))
        } else {
            (payload, None)
        };
        let mut order = shards.into_iter();
        let parts = match work {
            Payload::Logs(r) => split_logs(r, &mut order, self.shards)
                .into_iter()
                .map(|(s, r)| (s, Payload::Logs(r)))
                .collect(),
            Payload::Metrics(r) => split_metrics(r, &mut order, self.shards)
                .into_iter()
                .map(|(s, r)| (s, Payload::Metrics(r)))
                .collect(),
            Payload::Traces(r) => split_spans(r, &mut order, self.shards)
                .into_iter()
                .map(|(s, r)| (s, Payload::Traces(r)))
                .collect(),
        };
        (parts, original)
    }

    /// The shard of every log record, in order; the trace ids of keyed records are learned.
    fn log_shards(&self, r: &ExportLogsServiceRequest) -> Vec<u32> {
        let mut out = Vec::new();
        let mut links = Vec::new();
        for rl in &r.resource_logs {
            let route = self.resource(rl.resource.as_ref());
            for rec in rl.scope_logs.iter().flat_map(|s| &s.log_records) {
                let key = record_key(&rec.attributes);
                let s = match key.or(route.session) {
                    Some(k) => self.of_key(k),
                    None => route.fallback,
                };
                if key.is_some() && !rec.trace_id.is_empty() {
                    links.push((&rec.trace_id[..], s));
                }
                out.push(s);
            }
        }
        if !links.is_empty()
            && let Ok(mut t) = self.traces.lock()
        {
            for (trace, s) in links {
                t.link(trace, s);
            }
        }
        out
    }

    /// The shard of every span, in order: its own key, else its trace's, else its
    /// resource's.
    fn span_shards(&self, r: &ExportTraceServiceRequest) -> Vec<u32> {
        let spans = || {
            r.resource_spans
                .iter()
                .flat_map(|rs| rs.scope_spans.iter().flat_map(|s| &s.spans))
        };
        let Ok(mut links) = self.traces.lock() else {
            return Vec::new();
        };
        for span in spans() {
            if let Some(k) = span_key(span) {
                links.link(&span.trace_id, self.of_key(k));
            }
        }
        let mut out = Vec::new();
        for rs in &r.resource_spans {
            let route = self.resource(rs.resource.as_ref());
            for span in rs.scope_spans.iter().flat_map(|s| &s.spans) {
                let s = match span_key(span).or(route.session) {
                    Some(k) => self.of_key(k),
                    None => links
                        .map
                        .get(&span.trace_id[..])
                        .copied()
                        .unwrap_or(route.fallback),
                };
                out.push(s);
            }
        }
        out
    }

    /// The shard of every data point, in order.
    fn metric_shards(&self, r: &ExportMetricsServiceRequest) -> Vec<u32> {
        let mut out = Vec::new();
        for rm in &r.resource_metrics {
            let route = self.resource(rm.resource.as_ref());
            for m in rm.scope_metrics.iter().flat_map(|s| &s.metrics) {
                for_each_point(m, |attrs| out.push(self.of_record(&route, attrs)));
            }
        }
        out
    }
}

fn copy(p: &Payload) -> Payload {
    match p {
        Payload::Logs(r) => Payload::Logs(r.clone()),
        Payload::Metrics(r) => Payload::Metrics(r.clone()),
        Payload::Traces(r) => Payload::Traces(r.clone()),
    }
}

/// `items` dealt into one list per shard, the shards taken from `order`.
fn deal<T>(items: Vec<T>, order: &mut impl Iterator<Item = u32>, shards: usize) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = (0..shards).map(|_| Vec::new()).collect();
    for item in items {
        let s = order.next().unwrap_or(0) as usize;
        out[s.min(shards - 1)].push(item);
    }
    out
}

/// Per shard, the non-empty parts built by `part` from each shard's items.
fn parts_of<T, P>(dealt: Vec<Vec<T>>, mut part: impl FnMut(Vec<T>) -> P) -> Vec<Option<P>> {
    dealt
        .into_iter()
        .map(|items| (!items.is_empty()).then(|| part(items)))
        .collect()
}

/// Collects per-shard parts of each container into one list of containers per shard.
fn gather<P>(into: &mut [Vec<P>], parts: Vec<Option<P>>) {
    for (s, p) in parts.into_iter().enumerate() {
        if let Some(p) = p {
            into[s].push(p);
        }
    }
}

fn numbered<R>(per_shard: Vec<Vec<R>>) -> impl Iterator<Item = (usize, Vec<R>)> {
    per_shard
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
}

fn split_logs(
    r: ExportLogsServiceRequest,
    order: &mut impl Iterator<Item = u32>,
    shards: usize,
) -> Vec<(usize, ExportLogsServiceRequest)> {
    let mut resources: Vec<Vec<ResourceLogs>> = (0..shards).map(|_| Vec::new()).collect();
    for rl in r.resource_logs {
        let mut scopes: Vec<Vec<ScopeLogs>> = (0..shards).map(|_| Vec::new()).collect();
        for sl in rl.scope_logs {
            let dealt = deal(sl.log_records, order, shards);
            let parts = parts_of(dealt, |log_records| ScopeLogs {
                scope: sl.scope.clone(),
                log_records,
                schema_url: sl.schema_url.clone(),
            });
            gather(&mut scopes, parts);
        }
        let parts = scopes
            .into_iter()
            .map(|scope_logs| {
                (!scope_logs.is_empty()).then(|| ResourceLogs {
                    resource: rl.resource.clone(),
                    scope_logs,
                    schema_url: rl.schema_url.clone(),
                })
            })
            .collect();
        gather(&mut resources, parts);
    }
    numbered(resources)
        .map(|(s, resource_logs)| (s, ExportLogsServiceRequest { resource_logs }))
        .collect()
}

fn split_spans(
    r: ExportTraceServiceRequest,
    order: &mut impl Iterator<Item = u32>,
    shards: usize,
) -> Vec<(usize, ExportTraceServiceRequest)> {
    let mut resources: Vec<Vec<ResourceSpans>> = (0..shards).map(|_| Vec::new()).collect();
    for rs in r.resource_spans {
        let mut scopes: Vec<Vec<ScopeSpans>> = (0..shards).map(|_| Vec::new()).collect();
        for ss in rs.scope_spans {
            let dealt = deal(ss.spans, order, shards);
            let parts = parts_of(dealt, |spans| ScopeSpans {
                scope: ss.scope.clone(),
                spans,
                schema_url: ss.schema_url.clone(),
            });
            gather(&mut scopes, parts);
        }
        let parts = scopes
            .into_iter()
            .map(|scope_spans| {
                (!scope_spans.is_empty()).then(|| ResourceSpans {
                    resource: rs.resource.clone(),
                    scope_spans,
                    schema_url: rs.schema_url.clone(),
                })
            })
            .collect();
        gather(&mut resources, parts);
    }
    numbered(resources)
        .map(|(s, resource_spans)| (s, ExportTraceServiceRequest { resource_spans }))
        .collect()
}

/// Calls `f` with the attributes of each of `m`'s data points, in order.
fn for_each_point(m: &Metric, mut f: impl FnMut(&[KeyValue])) {
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.iter().for_each(|p| f(&p.attributes)),
        Some(Data::Sum(s)) => s.data_points.iter().for_each(|p| f(&p.attributes)),
        Some(Data::Histogram(h)) => h.data_points.iter().for_each(|p| f(&p.attributes)),
        Some(Data::ExponentialHistogram(h)) => h.data_points.iter().for_each(|p| f(&p.attributes)),
        Some(Data::Summary(s)) => s.data_points.iter().for_each(|p| f(&p.attributes)),
        None => {}
    }
}

/// `m` split by its data points' shards (a metric without points goes nowhere: it says
/// nothing to decode).
fn split_metric(
    m: Metric,
    order: &mut impl Iterator<Item = u32>,
    shards: usize,
) -> Vec<Option<Metric>> {
    let Metric {
        name,
        description,
        unit,
        metadata,
        data,
    } = m;
    let datas: Vec<Option<Data>> = match data {
        Some(Data::Gauge(g)) => parts_of(deal(g.data_points, order, shards), |data_points| {
            Data::Gauge(Gauge { data_points })
        }),
        Some(Data::Sum(s)) => parts_of(deal(s.data_points, order, shards), |data_points| {
            Data::Sum(Sum {
                data_points,
                aggregation_temporality: s.aggregation_temporality,
                is_monotonic: s.is_monotonic,
            })
        }),
        Some(Data::Histogram(h)) => parts_of(deal(h.data_points, order, shards), |data_points| {
            Data::Histogram(Histogram {
                data_points,
                aggregation_temporality: h.aggregation_temporality,
            })
        }),
        Some(Data::ExponentialHistogram(h)) => {
            parts_of(deal(h.data_points, order, shards), |data_points| {
                Data::ExponentialHistogram(ExponentialHistogram {
                    data_points,
                    aggregation_temporality: h.aggregation_temporality,
                })
            })
        }
        Some(Data::Summary(s)) => parts_of(deal(s.data_points, order, shards), |data_points| {
            Data::Summary(Summary { data_points })
        }),
        None => (0..shards).map(|_| None).collect(),
    };
    datas
        .into_iter()
        .map(|d| {
            d.map(|d| Metric {
                name: name.clone(),
                description: description.clone(),
                unit: unit.clone(),
                metadata: metadata.clone(),
                data: Some(d),
            })
        })
        .collect()
}

fn split_metrics(
    r: ExportMetricsServiceRequest,
    order: &mut impl Iterator<Item = u32>,
    shards: usize,
) -> Vec<(usize, ExportMetricsServiceRequest)> {
    let mut resources: Vec<Vec<ResourceMetrics>> = (0..shards).map(|_| Vec::new()).collect();
    for rm in r.resource_metrics {
        let mut scopes: Vec<Vec<ScopeMetrics>> = (0..shards).map(|_| Vec::new()).collect();
        for sm in rm.scope_metrics {
            let mut metrics: Vec<Vec<Metric>> = (0..shards).map(|_| Vec::new()).collect();
            for m in sm.metrics {
                gather(&mut metrics, split_metric(m, order, shards));
            }
            let parts = metrics
                .into_iter()
                .map(|metrics| {
                    (!metrics.is_empty()).then(|| ScopeMetrics {
                        scope: sm.scope.clone(),
                        metrics,
                        schema_url: sm.schema_url.clone(),
                    })
                })
                .collect();
            gather(&mut scopes, parts);
        }
        let parts = scopes
            .into_iter()
            .map(|scope_metrics| {
                (!scope_metrics.is_empty()).then(|| ResourceMetrics {
                    resource: rm.resource.clone(),
                    scope_metrics,
                    schema_url: rm.schema_url.clone(),
                })
            })
            .collect();
        gather(&mut resources, parts);
    }
    numbered(resources)
        .map(|(s, resource_metrics)| (s, ExportMetricsServiceRequest { resource_metrics }))
        .collect()
}

#[cfg(test)]
mod tests;
