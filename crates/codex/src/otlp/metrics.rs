//! `codex.*` metrics: each data point as the change it reports (delta temporality as sent,
//! cumulative turned into deltas against the series' previous point), kept in bookkeeping
//! per series and written as an `Other` event named `metric/<instrument>`.
//!
//! Codex's metrics carry no conversation id (only `model`, `originator`, `app.version`,
//! `session_source`, … as tags), so they are no session's facts: they corroborate.

use agentobs_schema::{
    Attributes, Event, EventKind, Harness, OtherEvent, SessionContext, Timestamp, Value,
};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{AggregationTemporality, metric, number_data_point};
use std::borrow::Cow;
use std::sync::Arc;

use super::attrs::{Attrs, nanos_to_millis};
use super::out::{Loc, Out};
use super::sessions::{Bounded, ResourceInfo};
use super::{ExportMetricsServiceRequest, State};
use crate::log_event::{FieldSource, FieldValue, SessionMeta};

/// The prefix of an `Other` event made of a metric data point.
pub const METRIC_EVENT_PREFIX: &str = "metric/";

/// The running state of one series.
#[derive(Debug, Default)]
pub(super) struct Series {
    /// The attributes, sorted.
    tags: Vec<(String, String)>,
    /// The last cumulative value and count, when the series is cumulative.
    last: Option<(f64, u64)>,
    /// The sum of the changes seen.
    total: f64,
    /// The sum of the counts seen (histograms).
    count: u64,
}

/// Metric bookkeeping: every series seen (bounded), with its totals.
#[derive(Debug)]
pub(super) struct MetricBook {
    series: Bounded<String, Series>,
}

impl MetricBook {
    pub(super) fn new(max_series: usize) -> Self {
        MetricBook {
            series: Bounded::new(max_series),
        }
    }

    /// The total of instrument `name` over the series whose tags include `tags`: the sum of
    /// a counter's changes, or a histogram's count (`count = true`) or sum.
    pub(super) fn total(&self, name: &str, tags: &[(&str, &str)], count: bool) -> Option<f64> {
        let mut found = false;
        let mut sum = 0.0;
        for (key, s) in self.series.iter() {
            if key.split('\u{0}').next() != Some(name) {
                continue;
            }
            if !tags
                .iter()
                .all(|(k, v)| s.tags.iter().any(|(sk, sv)| sk == k && sv == v))
            {
                continue;
            }
            found = true;
            sum += if count { s.count as f64 } else { s.total };
        }
        found.then_some(sum)
    }
}

/// The text of a tag value.
fn tag_text(v: FieldValue<'_>) -> String {
    v.as_text().into_owned()
}

/// A data point's series key and sorted tags.
fn series_key(name: &str, service: &str, attrs: &[KeyValue]) -> (String, Vec<(String, String)>) {
    let mut tags = Vec::with_capacity(attrs.len());
    Attrs(attrs).for_each_field(&mut |k, v| tags.push((k.to_owned(), tag_text(v))));
    tags.sort();
    let mut key = String::with_capacity(64);
    key.push_str(name);
    key.push('\u{0}');
    key.push_str(service);
    for (k, v) in &tags {
        key.push('\u{0}');
        key.push_str(k);
        key.push('=');
        key.push_str(v);
    }
    (key, tags)
}

/// One data point, as read.
struct Point<'a> {
    attrs: &'a [KeyValue],
    start: u64,
    time: u64,
    /// The value (a counter's or gauge's), or a histogram's sum.
    value: f64,
    /// A histogram's count.
    count: Option<u64>,
    int: bool,
}

pub(super) fn decode(state: &mut State, request: &ExportMetricsServiceRequest, out: &mut Out<'_>) {
    for (ri, rm) in request.resource_metrics.iter().enumerate() {
        let res_attrs = rm.resource.as_ref().map_or(&[][..], |r| &r.attributes);
        let res = ResourceInfo::of(Attrs(res_attrs));
        for (si, sm) in rm.scope_metrics.iter().enumerate() {
            let scope_name = sm.scope.as_ref().map_or("", |s| s.name.as_str());
            for (mi, m) in sm.metrics.iter().enumerate() {
                let at = Loc {
                    what: "metric",
                    resource: ri,
                    scope: si,
                    scope_name,
                    record: mi,
                    name: Some(&m.name),
                    event: None,
                    part: "data point",
                };
                let (points, cumulative) = points(m.data.as_ref());
                for (pi, p) in points.iter().enumerate() {
                    if out.stopped() {
                        return;
                    }
                    out.record();
                    if !m.name.starts_with("codex.") {
                        out.skip();
                        continue;
                    }
                    let at = Loc {
                        event: Some(pi),
                        ..at
                    };
                    point(state, &m.name, p, cumulative, &res, &at, out);
                }
            }
        }
    }
}

/// The data points of a metric, and whether they are cumulative.
fn points(data: Option<&metric::Data>) -> (Vec<Point<'_>>, bool) {
    let cumulative = |t: i32| t == AggregationTemporality::Cumulative as i32;
    match data {
        Some(metric::Data::Sum(s)) => (
            s.data_points
                .iter()
                .map(|p| {
                    let (value, int) = match p.value {
                        Some(number_data_point::Value::AsInt(i)) => (i as f64, true),
                        Some(number_data_point::Value::AsDouble(f)) => (f, false),
                        None => (0.0, true),
                    };
                    Point {
                        attrs: &p.attributes,
                        start: p.start_time_unix_nano,
                        time: p.time_unix_nano,
                        value,
                        count: None,
                        int,
                    }
                })
                .collect(),
            cumulative(s.aggregation_temporality),
        ),
        Some(metric::Data::Gauge(g)) => (
            g.data_points
                .iter()
                .map(|p| {
                    let (value, int) = match p.value {
                        Some(number_data_point::Value::AsInt(i)) => (i as f64, true),
                        Some(number_data_point::Value::AsDouble(f)) => (f, false),
                        None => (0.0, true),
                    };
                    Point {
                        attrs: &p.attributes,
                        start: p.start_time_unix_nano,
                        time: p.time_unix_nano,
                        value,
                        count: None,
                        int,
                    }
                })
                .collect(),
            false,
        ),
        Some(metric::Data::Histogram(h)) => (
            h.data_points
                .iter()
                .map(|p| Point {
                    attrs: &p.attributes,
                    start: p.start_time_unix_nano,
                    time: p.time_unix_nano,
                    value: p.sum.unwrap_or(0.0),
                    count: Some(p.count),
                    int: false,
                })
                .collect(),
            cumulative(h.aggregation_temporality),
        ),
        Some(metric::Data::ExponentialHistogram(h)) => (
            h.data_points
                .iter()
                .map(|p| Point {
                    attrs: &p.attributes,
                    start: p.start_time_unix_nano,
                    time: p.time_unix_nano,
                    value: p.sum.unwrap_or(0.0),
                    count: Some(p.count),
                    int: false,
                })
                .collect(),
            cumulative(h.aggregation_temporality),
        ),
        Some(metric::Data::Summary(s)) => (
            s.data_points
                .iter()
                .map(|p| Point {
                    attrs: &p.attributes,
                    start: p.start_time_unix_nano,
                    time: p.time_unix_nano,
                    value: p.sum,
                    count: Some(p.count),
                    int: false,
                })
                .collect(),
            true,
        ),
        None => (Vec::new(), false),
    }
}

fn point(
    state: &mut State,
    name: &str,
    p: &Point<'_>,
    cumulative: bool,
    res: &ResourceInfo<'_>,
    at: &Loc<'_>,
    out: &mut Out<'_>,
) {
    if !p.value.is_finite() {
        return out.bad(at, format!("value {} is not a finite number", p.value));
    }
    let (key, tags) = series_key(name, res.service_name.unwrap_or(""), p.attrs);
    let s = state.metrics.series.get_or_insert_with(&key, || Series {
        tags,
        ..Series::default()
    });
    let count = p.count.unwrap_or(0);
    let (value, count) = if cumulative {
        let change = match s.last {
            // A lower value is a reset: the series started again from zero.
            Some((last, last_count)) if p.value >= last && count >= last_count => {
                (p.value - last, count.saturating_sub(last_count))
            }
            _ => (p.value, count),
        };
        s.last = Some((p.value, count));
        change
    } else {
        (p.value, count)
    };
    s.total += value;
    s.count = s.count.saturating_add(count);
    if value == 0.0 && count == 0 {
        return out.skip();
    }
    let mut attributes = Attributes::new();
    Attrs(p.attrs).for_each_field(&mut |k, v| {
        attributes.insert(k.to_owned(), field_value(v));
    });
    let v = if p.int && value.fract() == 0.0 && value.abs() < 9.0e15 {
        Value::Int(value as i64)
    } else {
        Value::Float(value)
    };
    match p.count {
        Some(_) => {
            attributes.insert(
                "count".to_owned(),
                Value::Int(i64::try_from(count).unwrap_or(i64::MAX)),
            );
            attributes.insert("sum".to_owned(), v);
        }
        None => {
            attributes.insert("value".to_owned(), v);
        }
    }
    if let Some(start) = nanos_to_millis(p.start).filter(|_| p.count.is_some() || cumulative) {
        attributes.insert("start_ms".to_owned(), Value::Int(start));
    }
    let at_time = nanos_to_millis(p.time)
        .map(Timestamp::from_unix_millis)
        .unwrap_or_default();
    let ctx = context(p.attrs, res);
    let ev = OtherEvent::new(format!("{METRIC_EVENT_PREFIX}{name}"), attributes);
    out.event(Event::new(at_time, ctx, EventKind::Other(ev)));
}

/// The context of a data point: its tags (`model`, `originator`, `app.version`,
/// `session_source`) over the resource.
fn context(attrs: &[KeyValue], res: &ResourceInfo<'_>) -> Arc<SessionContext> {
    let a = Attrs(attrs);
    let meta = SessionMeta {
        model: a.str("model").map(Cow::Borrowed),
        originator: a.str("originator").map(Cow::Borrowed),
        app_version: a.str("app.version").map(Cow::Borrowed),
        auth_mode: a.str("auth_mode").map(Cow::Borrowed),
        ..SessionMeta::default()
    };
    let mut ctx = SessionContext::new(Harness::Codex);
    meta.apply_to(&mut ctx);
    ctx.source = a.str("session_source").map(str::to_owned);
    ctx.environment = res.env.map(str::to_owned);
    if ctx.app_version.is_none() {
        ctx.app_version = res.service_version.map(str::to_owned);
    }
    if ctx.originator.is_none() {
        ctx.originator = res.service_name.map(str::to_owned);
    }
    Arc::new(ctx)
}

fn field_value(v: FieldValue<'_>) -> Value {
    match v {
        FieldValue::Str(s) => Value::String(s.to_owned()),
        FieldValue::I64(i) => Value::Int(i),
        FieldValue::U64(u) => {
            i64::try_from(u).map_or_else(|_| Value::String(u.to_string()), Value::Int)
        }
        FieldValue::F64(f) if f.is_finite() => Value::Float(f),
        FieldValue::F64(f) => Value::String(f.to_string()),
        FieldValue::Bool(b) => Value::Bool(b),
    }
}
