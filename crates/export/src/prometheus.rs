//! Our metrics for Prometheus to scrape: [`PrometheusSink`] accumulates mapped metric points
//! into cumulative series and renders them in the text exposition format 0.0.4;
//! [`PrometheusServer`] serves that at `/metrics` on a loopback address.
//!
//! Names are translated as Prometheus translates OTLP (`UnderscoreEscapingWithSuffixes`,
//! [`agentobs_semconv::prometheus_names`]), so the rules of `agentobs rules prometheus` and
//! the dashboards of `agentobs dashboards grafana` read these series as they read what
//! Prometheus's OTLP receiver stores. Resource attributes follow the same convention:
//! `service.namespace`/`service.name` become `job`, `service.instance.id` becomes `instance`
//! (the session), the others are labels of one `target_info` series per job and instance.
//! Scrape with `honor_labels: true` so that these `job` and `instance` labels are kept.
//!
//! Delta points (the `codex` dialect's) are summed; a cumulative point replaces the value of
//! its series, and one with a new start time continues it (the series never goes down). The
//! number of series is bounded; points of series beyond the bound are dropped and counted.
//!
//! ```
//! use agentobs_export::prometheus::PrometheusSink;
//! use agentobs_semconv::{Instrument, MetricPoint, PointValue, SignalSink, Temporality};
//!
//! let mut sink = PrometheusSink::new();
//! let mut point = MetricPoint {
//!     resource: Default::default(),
//!     scope: Default::default(),
//!     name: "agentobs.alerts".into(),
//!     unit: "{alert}".into(),
//!     instrument: Instrument::Counter,
//!     temporality: Temporality::Delta,
//!     attributes: Default::default(),
//!     start: Default::default(),
//!     time: Default::default(),
//!     value: PointValue::Sum(1.0),
//! };
//! point.attributes.set("agentobs.alert.rule", "tool_loop");
//! sink.metric(point.clone());
//! sink.metric(point);
//! let text = sink.render();
//! assert!(text.contains("# TYPE agentobs_alerts_total counter\n"));
//! assert!(text.contains("agentobs_alerts_total{agentobs_alert_rule=\"tool_loop\"} 2\n"));
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use agentobs_schema::Timestamp;
use agentobs_semconv::keys::resource as res;
use agentobs_semconv::prometheus_names::{
    MetricKind, TranslationStrategy, prometheus_label, prometheus_name,
};
use agentobs_semconv::{AttrList, AttrValue, MetricPoint, PointValue, Resource, SignalSink};
use agentobs_semconv::{HistogramValue, Temporality};

mod server;

pub use server::{PrometheusServer, ServeError};

/// The `Content-Type` of the text exposition format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The default bound on series (metric series plus `target_info` series).
pub const DEFAULT_MAX_SERIES: usize = 100_000;

/// `service.namespace`: with `service.name`, it makes the `job` label.
const SERVICE_NAMESPACE: &str = "service.namespace";

/// The names are those of Prometheus's default OTLP translation.
const STRATEGY: TranslationStrategy = TranslationStrategy::UnderscoreEscapingWithSuffixes;

/// What a [`PrometheusSink`] took in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExpositionStats {
    /// Metric points added to a series.
    pub points: u64,
    /// Series held (metric series and `target_info` series).
    pub series: u64,
    /// Points dropped because the series bound was reached.
    pub dropped: u64,
    /// Points dropped because they contradict their series: another type or other buckets
    /// under the same name, or a name with nothing left after translation.
    pub conflicts: u64,
}

/// A label set, sorted by name.
type Labels = Vec<(String, String)>;

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Sum(f64),
    Histogram {
        count: u64,
        sum: f64,
        bounds: &'static [f64],
        buckets: Vec<u64>,
    },
}

impl Value {
    fn of(v: &PointValue) -> Value {
        match v {
            PointValue::Sum(s) => Value::Sum(*s),
            PointValue::Histogram(HistogramValue {
                count,
                sum,
                bounds,
                bucket_counts,
                ..
            }) => Value::Histogram {
                count: *count,
                sum: *sum,
                bounds,
                buckets: bucket_counts.clone(),
            },
        }
    }

    fn zero_like(&self) -> Value {
        match self {
            Value::Sum(_) => Value::Sum(0.0),
            Value::Histogram {
                bounds, buckets, ..
            } => Value::Histogram {
                count: 0,
                sum: 0.0,
                bounds,
                buckets: vec![0; buckets.len()],
            },
        }
    }

    /// True when `other` can be added to this value (same type and buckets).
    fn fits(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Sum(_), Value::Sum(_)) => true,
            (
                Value::Histogram {
                    bounds: a,
                    buckets: x,
                    ..
                },
                Value::Histogram {
                    bounds: b,
                    buckets: y,
                    ..
                },
            ) => a == b && x.len() == y.len() && x.len() == a.len() + 1,
            _ => false,
        }
    }

    fn add(&mut self, other: &Value) {
        match (self, other) {
            (Value::Sum(a), Value::Sum(b)) => *a += b,
            (
                Value::Histogram {
                    count,
                    sum,
                    buckets,
                    ..
                },
                Value::Histogram {
                    count: c,
                    sum: s,
                    buckets: b,
                    ..
                },
            ) => {
                *count = count.saturating_add(*c);
                *sum += s;
                for (x, y) in buckets.iter_mut().zip(b) {
                    *x = x.saturating_add(*y);
                }
            }
            _ => {}
        }
    }
}

/// One series: what completed segments contributed, plus the current cumulative segment.
#[derive(Debug)]
struct Accumulated {
    start: Timestamp,
    base: Value,
    current: Value,
}

impl Accumulated {
    fn total(&self) -> Value {
        let mut v = self.base.clone();
        v.add(&self.current);
        v
    }
}

#[derive(Debug)]
struct Family {
    histogram: bool,
    help: String,
    series: BTreeMap<Labels, Accumulated>,
}

#[derive(Debug)]
struct Registry {
    families: BTreeMap<String, Family>,
    targets: BTreeMap<Labels, ()>,
    max_series: usize,
    stats: ExpositionStats,
}

impl Registry {
    fn series(&self) -> usize {
        self.families
            .values()
            .map(|f| f.series.len())
            .sum::<usize>()
            + self.targets.len()
    }

    fn add(&mut self, p: &MetricPoint) {
        let histogram = matches!(p.value, PointValue::Histogram(_));
        let kind = if histogram {
            MetricKind::Histogram
        } else {
            MetricKind::MonotonicCounter
        };
        let Ok(name) = prometheus_name(&p.name, &p.unit, kind, STRATEGY) else {
            self.stats.conflicts += 1;
            return;
        };
        if self
            .families
            .get(&name)
            .is_some_and(|f| f.histogram != histogram)
        {
            self.stats.conflicts += 1;
            return;
        }
        let (ids, info) = resource_labels(&p.resource);
        let labels = point_labels(&ids, &p.attributes);
        let mut room = self.series() < self.max_series;
        if !info.is_empty() && !self.targets.contains_key(&info) && room {
            self.targets.insert(info, ());
            room = self.series() < self.max_series;
        }
        let family = self.families.entry(name).or_insert_with(|| Family {
            histogram,
            help: help(&p.name, &p.unit),
            series: BTreeMap::new(),
        });
        let value = Value::of(&p.value);
        match family.series.get_mut(&labels) {
            Some(acc) => {
                if !acc.current.fits(&value) {
                    self.stats.conflicts += 1;
                    return;
                }
                match p.temporality {
                    Temporality::Delta => acc.base.add(&value),
                    Temporality::Cumulative if p.start == acc.start => acc.current = value,
                    Temporality::Cumulative => {
                        let done = std::mem::replace(&mut acc.current, value);
                        acc.base.add(&done);
                        acc.start = p.start;
                    }
                }
            }
            None if !room => {
                self.stats.dropped += 1;
                return;
            }
            None => {
                if let Value::Histogram {
                    bounds, buckets, ..
                } = &value
                    && buckets.len() != bounds.len() + 1
                {
                    self.stats.conflicts += 1;
                    return;
                }
                let zero = value.zero_like();
                let (base, current) = match p.temporality {
                    Temporality::Delta => (value, zero),
                    Temporality::Cumulative => (zero, value),
                };
                family.series.insert(
                    labels,
                    Accumulated {
                        start: p.start,
                        base,
                        current,
                    },
                );
            }
        }
        self.stats.points += 1;
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for (name, f) in &self.families {
            if f.series.is_empty() {
                continue;
            }
            let kind = if f.histogram { "histogram" } else { "counter" };
            let _ = writeln!(out, "# HELP {name} {}", escape_help(&f.help));
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, acc) in &f.series {
                match acc.total() {
                    Value::Sum(v) => sample(&mut out, name, "", labels, None, v),
                    Value::Histogram {
                        count,
                        sum,
                        bounds,
                        buckets,
                    } => {
                        let mut running = 0u64;
                        for (b, c) in bounds.iter().zip(&buckets) {
                            running = running.saturating_add(*c);
                            let le = number(*b);
                            sample(&mut out, name, "_bucket", labels, Some(&le), running as f64);
                        }
                        sample(
                            &mut out,
                            name,
                            "_bucket",
                            labels,
                            Some("+Inf"),
                            count as f64,
                        );
                        sample(&mut out, name, "_sum", labels, None, sum);
                        sample(&mut out, name, "_count", labels, None, count as f64);
                    }
                }
            }
        }
        if !self.targets.is_empty() {
            out.push_str("# HELP target_info Target metadata: the resource attributes.\n");
            out.push_str("# TYPE target_info gauge\n");
            for labels in self.targets.keys() {
                sample(&mut out, "target_info", "", labels, None, 1.0);
            }
        }
        out
    }
}

fn help(name: &str, unit: &str) -> String {
    if unit.is_empty() {
        format!("OpenTelemetry metric {name}.")
    } else {
        format!("OpenTelemetry metric {name}, unit {unit}.")
    }
}

/// A sample value or bound as the exposition format writes it.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        format!("{v}")
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn sample(out: &mut String, name: &str, suffix: &str, labels: &Labels, le: Option<&str>, v: f64) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        let mut first = true;
        for (k, v) in labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(le.map(|l| ("le", l)))
        {
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(
                out,
                "{k}=\"{}\"",
                agentobs_semconv::prometheus_names::escape_label_value(v)
            );
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(&number(v));
    out.push('\n');
}

/// An attribute value as a label value (lists as JSON, as the OpenTelemetry specification
/// says).
fn label_value(v: &AttrValue) -> String {
    match v {
        AttrValue::StrArray(list) => serde_json::to_string(list).unwrap_or_default(),
        AttrValue::Str(s) => s.to_string(),
        AttrValue::Shared(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// Adds `key = value` to a label set; keys that translate to the same label have their
/// values joined with `;`.
fn put(labels: &mut Labels, key: String, value: String) {
    if value.is_empty() {
        return;
    }
    match labels.iter_mut().find(|(k, _)| *k == key) {
        Some((_, v)) => {
            v.push(';');
            v.push_str(&value);
        }
        None => labels.push((key, value)),
    }
}

/// `job` and `instance` of a resource, and its `target_info` labels (empty when it has no
/// other attributes).
fn resource_labels(r: &Resource) -> (Labels, Labels) {
    let a = &r.attributes;
    let mut ids = Labels::new();
    let name = a.get(res::SERVICE_NAME).map(label_value);
    let job = match (a.get(SERVICE_NAMESPACE).map(label_value), name) {
        (Some(ns), Some(n)) if !ns.is_empty() => Some(format!("{ns}/{n}")),
        (_, n) => n,
    };
    if let Some(job) = job {
        put(&mut ids, "job".into(), job);
    }
    if let Some(i) = a.get(res::SERVICE_INSTANCE_ID) {
        put(&mut ids, "instance".into(), label_value(i));
    }
    let mut info = ids.clone();
    for kv in a {
        if [
            res::SERVICE_NAME,
            SERVICE_NAMESPACE,
            res::SERVICE_INSTANCE_ID,
        ]
        .contains(&&*kv.key)
        {
            continue;
        }
        if let Ok(k) = prometheus_label(&kv.key, STRATEGY)
            && k != "job"
            && k != "instance"
        {
            put(&mut info, k, label_value(&kv.value));
        }
    }
    info.sort();
    if info.len() == ids.len() {
        info.clear();
    }
    (ids, info)
}

/// The labels of a series: `job`, `instance`, then the point's attributes (`le` and the
/// resource's labels are never overwritten).
fn point_labels(ids: &Labels, attrs: &AttrList) -> Labels {
    let mut labels = ids.clone();
    let mut own = Labels::new();
    for kv in attrs {
        let Ok(k) = prometheus_label(&kv.key, STRATEGY) else {
            continue;
        };
        if k == "le" || ids.iter().any(|(i, _)| *i == k) {
            continue;
        }
        put(&mut own, k, label_value(&kv.value));
    }
    labels.extend(own);
    labels.sort();
    labels
}

/// Metric points accumulated for Prometheus; clones share the same series.
///
/// A [`SignalSink`]: spans and log records are ignored.
#[derive(Clone, Debug)]
pub struct PrometheusSink {
    registry: Arc<Mutex<Registry>>,
}

impl Default for PrometheusSink {
    fn default() -> Self {
        PrometheusSink::new()
    }
}

impl PrometheusSink {
    /// An empty sink holding at most [`DEFAULT_MAX_SERIES`] series.
    pub fn new() -> Self {
        PrometheusSink::with_max_series(DEFAULT_MAX_SERIES)
    }

    /// An empty sink holding at most `max` series.
    pub fn with_max_series(max: usize) -> Self {
        PrometheusSink {
            registry: Arc::new(Mutex::new(Registry {
                families: BTreeMap::new(),
                targets: BTreeMap::new(),
                max_series: max,
                stats: ExpositionStats::default(),
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A panic elsewhere while holding the lock leaves consistent data: keep serving.
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds one point.
    pub fn add(&self, point: &MetricPoint) {
        self.lock().add(point);
    }

    /// Every series in the text exposition format 0.0.4.
    pub fn render(&self) -> String {
        self.lock().render()
    }

    /// What was taken in so far.
    pub fn stats(&self) -> ExpositionStats {
        let r = self.lock();
        ExpositionStats {
            series: r.series() as u64,
            ..r.stats
        }
    }
}

impl SignalSink for PrometheusSink {
    fn metric(&mut self, point: MetricPoint) {
        self.add(&point);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_semconv::Instrument;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};

    static BOUNDS: [f64; 2] = [1.0, 10.0];

    fn resource(instance: &str) -> Arc<Resource> {
        let mut attributes = AttrList::new();
        attributes.set(res::SERVICE_NAME, "codex_exec");
        attributes.set(res::SERVICE_INSTANCE_ID, instance.to_owned());
        attributes.set(res::SERVICE_VERSION, "0.171.0");
        Arc::new(Resource {
            attributes,
            schema_url: None,
        })
    }

    fn counter(name: &'static str, v: f64, t: Temporality, start: i64) -> MetricPoint {
        let mut attributes = AttrList::new();
        attributes.set("tool", "shell");
        attributes.set("success", "true");
        MetricPoint {
            resource: resource("thread-1"),
            scope: Arc::default(),
            name: name.into(),
            unit: "".into(),
            instrument: Instrument::Counter,
            temporality: t,
            attributes,
            start: Timestamp::from_unix_millis(start),
            time: Timestamp::from_unix_millis(start + 10),
            value: PointValue::Sum(v),
        }
    }

    fn histogram(counts: [u64; 3], sum: f64) -> MetricPoint {
        let mut attributes = AttrList::new();
        attributes.set("gen_ai.operation.name", "chat");
        MetricPoint {
            resource: resource("thread-2"),
            scope: Arc::default(),
            name: "gen_ai.client.operation.duration".into(),
            unit: "s".into(),
            instrument: Instrument::Histogram,
            temporality: Temporality::Delta,
            attributes,
            start: Timestamp::default(),
            time: Timestamp::default(),
            value: PointValue::Histogram(HistogramValue {
                count: counts.iter().sum(),
                sum,
                min: 0.0,
                max: 0.0,
                bounds: &BOUNDS,
                bucket_counts: counts.to_vec(),
            }),
        }
    }

    #[test]
    fn deltas_add_and_cumulatives_replace() {
        let mut s = PrometheusSink::new();
        s.metric(counter("codex.tool.call", 2.0, Temporality::Delta, 0));
        s.metric(counter("codex.tool.call", 3.0, Temporality::Delta, 100));
        s.metric(counter(
            "codex.api_request",
            4.0,
            Temporality::Cumulative,
            0,
        ));
        s.metric(counter(
            "codex.api_request",
            6.0,
            Temporality::Cumulative,
            0,
        ));
        // A new start: a new segment that continues the series.
        s.metric(counter(
            "codex.api_request",
            1.0,
            Temporality::Cumulative,
            500,
        ));
        let text = s.render();
        let line = |name: &str| {
            text.lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("{name} in {text}"))
                .to_owned()
        };
        assert_eq!(
            line("codex_tool_call_total{"),
            "codex_tool_call_total{instance=\"thread-1\",job=\"codex_exec\",success=\"true\",\
             tool=\"shell\"} 5"
        );
        assert!(line("codex_api_request_total{").ends_with("} 7"));
        assert!(text.contains("# TYPE codex_tool_call_total counter\n"));
        assert!(text.contains(
            "target_info{instance=\"thread-1\",job=\"codex_exec\",service_version=\"0.171.0\"} 1"
        ));
        assert_eq!(s.stats().points, 5);
    }

    #[test]
    fn histograms_are_cumulative_buckets() {
        let mut s = PrometheusSink::new();
        s.metric(histogram([1, 2, 0], 9.5));
        s.metric(histogram([0, 1, 1], 20.0));
        let text = s.render();
        let n = "gen_ai_client_operation_duration_seconds";
        let l = "gen_ai_operation_name=\"chat\",instance=\"thread-2\",job=\"codex_exec\"";
        for want in [
            format!("# TYPE {n} histogram"),
            format!("{n}_bucket{{{l},le=\"1\"}} 1"),
            format!("{n}_bucket{{{l},le=\"10\"}} 4"),
            format!("{n}_bucket{{{l},le=\"+Inf\"}} 5"),
            format!("{n}_sum{{{l}}} 29.5"),
            format!("{n}_count{{{l}}} 5"),
        ] {
            assert!(text.lines().any(|x| x == want), "{want} in\n{text}");
        }
    }

    #[test]
    fn conflicts_and_bounds() {
        let mut s = PrometheusSink::with_max_series(3);
        // A series and its target_info.
        s.metric(counter("x", 1.0, Temporality::Delta, 0));
        // A histogram under the counter's name.
        let mut h = histogram([1, 0, 0], 0.5);
        h.name = "x_total".into();
        h.unit = "".into();
        s.metric(h);
        let mut c = counter("x", 1.0, Temporality::Delta, 0);
        c.attributes.set("tool", "other");
        s.metric(c.clone());
        c.attributes.set("tool", "third");
        s.metric(c);
        let st = s.stats();
        assert_eq!(st.series, 3, "{st:?}: two series and one target_info");
        assert_eq!((st.points, st.dropped, st.conflicts), (2, 1, 1), "{st:?}");
        // Nothing left of the name.
        let mut h = histogram([1, 0, 0], 0.5);
        h.name = "...".into();
        h.unit = "".into();
        s.metric(h);
        assert_eq!(s.stats().conflicts, 2);
        assert!(!s.render().contains("x_total_bucket"));
    }

    #[test]
    fn label_values_are_escaped() {
        let mut s = PrometheusSink::new();
        let mut c = counter("codex.tool.call", 1.0, Temporality::Delta, 0);
        c.attributes.set("tool", "a\"b\\c\nd");
        c.attributes.set("empty", "");
        c.attributes.set("le", "x");
        s.metric(c);
        let text = s.render();
        assert!(text.contains("tool=\"a\\\"b\\\\c\\nd\""), "{text}");
        assert!(!text.contains("empty="), "{text}");
        assert!(!text.contains("le=\"x\""), "{text}");
    }

    fn get(addr: SocketAddr, request: &str) -> String {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(request.as_bytes()).unwrap();
        let mut out = String::new();
        c.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_metrics_on_loopback_only() {
        let mut sink = PrometheusSink::new();
        sink.metric(counter("codex.tool.call", 2.0, Temporality::Delta, 0));
        let server = PrometheusServer::start("127.0.0.1:0".parse().unwrap(), sink.clone()).unwrap();
        let addr = server.local_addr();
        let r = get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(
            r.contains(&format!("Content-Type: {CONTENT_TYPE}\r\n")),
            "{r}"
        );
        assert!(r.contains("codex_tool_call_total{"), "{r}");
        // Points added later show in the next scrape.
        sink.metric(counter("codex.tool.call", 1.0, Temporality::Delta, 0));
        let r = get(addr, "GET /metrics?x=1 HTTP/1.1\r\n\r\n");
        assert!(r.contains("tool=\"shell\"} 3\n"), "{r}");
        assert!(get(addr, "GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(get(addr, "POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
        let big = format!("GET /metrics HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
        let mut c = TcpStream::connect(addr).unwrap();
        let _ = c.write_all(big.as_bytes());
        let mut out = String::new();
        let _ = c.read_to_string(&mut out);
        assert!(out.is_empty() || out.starts_with("HTTP/1.1 400"), "{out}");
        assert_eq!(server.stop(), 2);
        assert!(TcpStream::connect(addr).is_err());
        let e = PrometheusServer::start("0.0.0.0:0".parse().unwrap(), PrometheusSink::new());
        assert!(matches!(e, Err(ServeError::NotLoopback(_))));
    }
}
