//! Neutral records to OTLP protocol messages (`opentelemetry-proto`), grouped by resource and
//! scope.

use std::sync::Arc;

use agentobs_schema::Timestamp;
use agentobs_semconv::{
    AttrList, AttrValue, Instrument, InstrumentationScope, LogRecord, MetricPoint, PointValue,
    Resource, SpanKind, SpanRecord, SpanStatus, Temporality,
};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1 as common;
use opentelemetry_proto::tonic::logs::v1 as logs;
use opentelemetry_proto::tonic::metrics::v1 as metrics;
use opentelemetry_proto::tonic::resource::v1 as resource;
use opentelemetry_proto::tonic::trace::v1 as trace;

/// Nanoseconds since the epoch; times before 1970 become 0.
pub(crate) fn nanos(t: Timestamp) -> u64 {
    u64::try_from(t.unix_millis())
        .unwrap_or(0)
        .saturating_mul(1_000_000)
}

fn any_value(v: &AttrValue) -> common::AnyValue {
    use common::any_value::Value;
    let value = match v {
        AttrValue::Str(s) => Value::StringValue(s.to_string()),
        AttrValue::Shared(s) => Value::StringValue(s.to_string()),
        AttrValue::Bool(b) => Value::BoolValue(*b),
        AttrValue::Int(i) => Value::IntValue(*i),
        AttrValue::Double(d) => Value::DoubleValue(*d),
        AttrValue::StrArray(a) => Value::ArrayValue(common::ArrayValue {
            values: a
                .iter()
                .map(|s| common::AnyValue {
                    value: Some(Value::StringValue(s.clone())),
                })
                .collect(),
        }),
    };
    common::AnyValue { value: Some(value) }
}

/// OTLP key-values of an attribute list.
pub fn key_values(attrs: &AttrList) -> Vec<common::KeyValue> {
    attrs
        .iter()
        .map(|kv| common::KeyValue {
            key: kv.key.to_string(),
            value: Some(any_value(&kv.value)),
            ..Default::default()
        })
        .collect()
}

fn proto_resource(r: &Resource) -> resource::Resource {
    resource::Resource {
        attributes: key_values(&r.attributes),
        ..Default::default()
    }
}

fn proto_scope(s: &InstrumentationScope) -> common::InstrumentationScope {
    common::InstrumentationScope {
        name: s.name.to_string(),
        version: s.version.as_deref().unwrap_or_default().to_owned(),
        ..Default::default()
    }
}

/// Groups `items` by (resource, scope), keeping first-seen order; equal resources that are
/// separate `Arc`s are merged too.
/// Records of one scope.
type ScopeGroup<'a, T> = (&'a Arc<InstrumentationScope>, Vec<&'a T>);
/// Scopes of one resource.
type ResourceGroup<'a, T> = (&'a Arc<Resource>, Vec<ScopeGroup<'a, T>>);

fn group<T>(
    items: &[T],
    key: impl Fn(&T) -> (&Arc<Resource>, &Arc<InstrumentationScope>),
) -> Vec<ResourceGroup<'_, T>> {
    let mut out: Vec<ResourceGroup<'_, T>> = Vec::new();
    for item in items {
        let (r, s) = key(item);
        let ri = match out
            .iter()
            .position(|(er, _)| Arc::ptr_eq(er, r) || ***er == **r)
        {
            Some(i) => i,
            None => {
                out.push((r, Vec::new()));
                out.len() - 1
            }
        };
        let Some((_, scopes)) = out.get_mut(ri) else {
            continue;
        };
        match scopes
            .iter_mut()
            .find(|(es, _)| Arc::ptr_eq(es, s) || ***es == **s)
        {
            Some((_, v)) => v.push(item),
            None => scopes.push((s, vec![item])),
        }
    }
    out
}

fn span_kind(k: SpanKind) -> i32 {
    (match k {
        SpanKind::Internal => trace::span::SpanKind::Internal,
        SpanKind::Server => trace::span::SpanKind::Server,
        SpanKind::Client => trace::span::SpanKind::Client,
        SpanKind::Producer => trace::span::SpanKind::Producer,
        SpanKind::Consumer => trace::span::SpanKind::Consumer,
    }) as i32
}

fn proto_span(s: &SpanRecord) -> trace::Span {
    let status = match &s.status {
        SpanStatus::Unset => None,
        SpanStatus::Ok => Some(trace::Status {
            code: trace::status::StatusCode::Ok as i32,
            ..Default::default()
        }),
        SpanStatus::Error(m) => Some(trace::Status {
            code: trace::status::StatusCode::Error as i32,
            message: m.clone(),
        }),
    };
    trace::Span {
        trace_id: s.trace_id.0.to_vec(),
        span_id: s.span_id.0.to_vec(),
        parent_span_id: s.parent_span_id.map(|p| p.0.to_vec()).unwrap_or_default(),
        // W3C trace flags: sampled.
        flags: 0x0000_0101,
        name: s.name.to_string(),
        kind: span_kind(s.kind),
        start_time_unix_nano: nanos(s.start),
        end_time_unix_nano: nanos(s.end),
        attributes: key_values(&s.attributes),
        events: s
            .events
            .iter()
            .map(|e| trace::span::Event {
                time_unix_nano: nanos(e.time),
                name: e.name.to_string(),
                attributes: key_values(&e.attributes),
                ..Default::default()
            })
            .collect(),
        links: s
            .links
            .iter()
            .map(|l| trace::span::Link {
                trace_id: l.trace_id.0.to_vec(),
                span_id: l.span_id.0.to_vec(),
                attributes: key_values(&l.attributes),
                ..Default::default()
            })
            .collect(),
        status,
        ..Default::default()
    }
}

/// One `ExportTraceServiceRequest` for `spans`, grouped by resource and scope.
pub fn trace_request(spans: &[SpanRecord]) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: group(spans, |s| (&s.resource, &s.scope))
            .into_iter()
            .map(|(r, scopes)| trace::ResourceSpans {
                resource: Some(proto_resource(r)),
                schema_url: r.schema_url.as_deref().unwrap_or_default().to_owned(),
                scope_spans: scopes
                    .into_iter()
                    .map(|(s, spans)| trace::ScopeSpans {
                        scope: Some(proto_scope(s)),
                        schema_url: s.schema_url.as_deref().unwrap_or_default().to_owned(),
                        spans: spans.into_iter().map(proto_span).collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn proto_log(l: &LogRecord) -> logs::LogRecord {
    logs::LogRecord {
        time_unix_nano: nanos(l.time),
        observed_time_unix_nano: nanos(l.time),
        severity_number: l.severity.number(),
        severity_text: l.severity.text().to_owned(),
        body: l.body.as_ref().map(any_value),
        attributes: key_values(&l.attributes),
        trace_id: l.trace_id.map(|t| t.0.to_vec()).unwrap_or_default(),
        span_id: l.span_id.map(|s| s.0.to_vec()).unwrap_or_default(),
        event_name: l.event_name.to_string(),
        ..Default::default()
    }
}

/// One `ExportLogsServiceRequest` for `records`, grouped by resource and scope.
pub fn logs_request(records: &[LogRecord]) -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: group(records, |l| (&l.resource, &l.scope))
            .into_iter()
            .map(|(r, scopes)| logs::ResourceLogs {
                resource: Some(proto_resource(r)),
                schema_url: r.schema_url.as_deref().unwrap_or_default().to_owned(),
                scope_logs: scopes
                    .into_iter()
                    .map(|(s, records)| logs::ScopeLogs {
                        scope: Some(proto_scope(s)),
                        schema_url: s.schema_url.as_deref().unwrap_or_default().to_owned(),
                        log_records: records.into_iter().map(proto_log).collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn temporality(t: Temporality) -> i32 {
    (match t {
        Temporality::Delta => metrics::AggregationTemporality::Delta,
        Temporality::Cumulative => metrics::AggregationTemporality::Cumulative,
    }) as i32
}

fn proto_metric(p: &MetricPoint) -> metrics::Metric {
    let attributes = key_values(&p.attributes);
    let data = match (&p.value, p.instrument) {
        (PointValue::Sum(v), _) => metrics::metric::Data::Sum(metrics::Sum {
            data_points: vec![metrics::NumberDataPoint {
                attributes,
                start_time_unix_nano: nanos(p.start),
                time_unix_nano: nanos(p.time),
                value: Some(number(*v)),
                ..Default::default()
            }],
            aggregation_temporality: temporality(p.temporality),
            is_monotonic: p.instrument == Instrument::Counter,
        }),
        (PointValue::Histogram(h), _) => metrics::metric::Data::Histogram(metrics::Histogram {
            data_points: vec![metrics::HistogramDataPoint {
                attributes,
                start_time_unix_nano: nanos(p.start),
                time_unix_nano: nanos(p.time),
                count: h.count,
                sum: Some(h.sum),
                bucket_counts: h.bucket_counts.clone(),
                explicit_bounds: h.bounds.to_vec(),
                min: Some(h.min),
                max: Some(h.max),
                ..Default::default()
            }],
            aggregation_temporality: temporality(p.temporality),
        }),
    };
    metrics::Metric {
        name: p.name.to_string(),
        unit: p.unit.to_string(),
        data: Some(data),
        ..Default::default()
    }
}

/// A counter's sum as an integer when it is one (token and call counts), else a double.
fn number(v: f64) -> metrics::number_data_point::Value {
    use metrics::number_data_point::Value;
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::AsInt(v as i64)
    } else {
        Value::AsDouble(v)
    }
}

/// One `ExportMetricsServiceRequest` for `points`, grouped by resource and scope; points of
/// the same metric in one scope share one `Metric`.
pub fn metrics_request(points: &[MetricPoint]) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: group(points, |p| (&p.resource, &p.scope))
            .into_iter()
            .map(|(r, scopes)| metrics::ResourceMetrics {
                resource: Some(proto_resource(r)),
                schema_url: r.schema_url.as_deref().unwrap_or_default().to_owned(),
                scope_metrics: scopes
                    .into_iter()
                    .map(|(s, points)| metrics::ScopeMetrics {
                        scope: Some(proto_scope(s)),
                        schema_url: s.schema_url.as_deref().unwrap_or_default().to_owned(),
                        metrics: merge_metrics(points),
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn merge_metrics(points: Vec<&MetricPoint>) -> Vec<metrics::Metric> {
    let mut out: Vec<metrics::Metric> = Vec::new();
    for p in points {
        let m = proto_metric(p);
        match out
            .iter_mut()
            .find(|e| e.name == m.name && e.unit == m.unit && same_kind(e, &m))
        {
            Some(e) => match (&mut e.data, m.data) {
                (Some(metrics::metric::Data::Sum(a)), Some(metrics::metric::Data::Sum(b))) => {
                    a.data_points.extend(b.data_points)
                }
                (
                    Some(metrics::metric::Data::Histogram(a)),
                    Some(metrics::metric::Data::Histogram(b)),
                ) => a.data_points.extend(b.data_points),
                _ => {}
            },
            None => out.push(m),
        }
    }
    out
}

fn same_kind(a: &metrics::Metric, b: &metrics::Metric) -> bool {
    matches!(
        (&a.data, &b.data),
        (Some(metrics::metric::Data::Sum(x)), Some(metrics::metric::Data::Sum(y)))
            if x.aggregation_temporality == y.aggregation_temporality
    ) || matches!(
        (&a.data, &b.data),
        (Some(metrics::metric::Data::Histogram(x)), Some(metrics::metric::Data::Histogram(y)))
            if x.aggregation_temporality == y.aggregation_temporality
    )
}
