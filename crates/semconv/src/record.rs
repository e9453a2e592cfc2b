//! Neutral signal records: spans, log records and metric points, with no OpenTelemetry
//! dependency. An exporter turns them into OTLP (see `agentobs-export`); a test reads them
//! directly.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use agentobs_schema::Timestamp;

/// An attribute key: a constant from one of the [`keys`](crate::keys) modules, or a name built
/// at run time.
pub type Key = Cow<'static, str>;

/// An attribute value.
///
/// Strings compare equal whether they are [`Str`](Self::Str) or [`Shared`](Self::Shared).
#[derive(Clone, Debug)]
pub enum AttrValue {
    /// A string.
    Str(Cow<'static, str>),
    /// A string shared with the session (model, conversation id): no copy per record.
    Shared(Arc<str>),
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// A floating-point number.
    Double(f64),
    /// A list of strings.
    StrArray(Vec<String>),
}

impl PartialEq for AttrValue {
    fn eq(&self, other: &Self) -> bool {
        use AttrValue::*;
        match (self, other) {
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Double(a), Double(b)) => a == b,
            (StrArray(a), StrArray(b)) => a == b,
            _ => match (self.as_str(), other.as_str()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

impl AttrValue {
    /// The string, for [`AttrValue::Str`] and [`AttrValue::Shared`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            AttrValue::Shared(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, for [`AttrValue::Int`].
    pub fn as_int(&self) -> Option<i64> {
        match self {
            AttrValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// The number, for [`AttrValue::Double`] (and [`AttrValue::Int`], converted).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Double(v) => Some(*v),
            AttrValue::Int(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The boolean, for [`AttrValue::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            AttrValue::Bool(v) => Some(*v),
            _ => None,
        }
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttrValue::Str(s) => write!(f, "{s:?}"),
            AttrValue::Shared(s) => write!(f, "{s:?}"),
            AttrValue::Bool(v) => write!(f, "{v}"),
            AttrValue::Int(v) => write!(f, "{v}"),
            AttrValue::Double(v) => write!(f, "{v}"),
            AttrValue::StrArray(v) => write!(f, "{v:?}"),
        }
    }
}

impl From<&'static str> for AttrValue {
    fn from(s: &'static str) -> Self {
        AttrValue::Str(Cow::Borrowed(s))
    }
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(Cow::Owned(s))
    }
}

impl From<&String> for AttrValue {
    fn from(s: &String) -> Self {
        AttrValue::Str(Cow::Owned(s.clone()))
    }
}

impl From<Cow<'static, str>> for AttrValue {
    fn from(s: Cow<'static, str>) -> Self {
        AttrValue::Str(s)
    }
}

impl From<Arc<str>> for AttrValue {
    fn from(s: Arc<str>) -> Self {
        AttrValue::Shared(s)
    }
}

impl From<bool> for AttrValue {
    fn from(v: bool) -> Self {
        AttrValue::Bool(v)
    }
}

impl From<i64> for AttrValue {
    fn from(v: i64) -> Self {
        AttrValue::Int(v)
    }
}

/// Token counts and other `u64`s: values above `i64::MAX` saturate (OTLP integers are signed).
impl From<u64> for AttrValue {
    fn from(v: u64) -> Self {
        AttrValue::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl From<u32> for AttrValue {
    fn from(v: u32) -> Self {
        AttrValue::Int(i64::from(v))
    }
}

impl From<f64> for AttrValue {
    fn from(v: f64) -> Self {
        AttrValue::Double(v)
    }
}

impl From<Vec<String>> for AttrValue {
    fn from(v: Vec<String>) -> Self {
        AttrValue::StrArray(v)
    }
}

/// One attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue {
    /// Its name.
    pub key: Key,
    /// Its value.
    pub value: AttrValue,
}

/// An ordered list of attributes, keys unique (a later [`set`](Self::set) replaces).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttrList(Vec<KeyValue>);

impl AttrList {
    /// An empty list.
    pub fn new() -> Self {
        AttrList(Vec::new())
    }

    /// An empty list with room for `n` attributes.
    pub fn with_capacity(n: usize) -> Self {
        AttrList(Vec::with_capacity(n))
    }

    /// Sets `key` to `value`, replacing an earlier value of the same key.
    pub fn set(&mut self, key: impl Into<Key>, value: impl Into<AttrValue>) -> &mut Self {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|kv| kv.key == key) {
            Some(kv) => kv.value = value,
            None => self.0.push(KeyValue { key, value }),
        }
        self
    }

    /// Sets `key` when `value` is `Some`.
    pub fn set_opt<V: Into<AttrValue>>(
        &mut self,
        key: impl Into<Key>,
        value: Option<V>,
    ) -> &mut Self {
        if let Some(v) = value {
            self.set(key, v);
        }
        self
    }

    /// Appends without looking for an earlier value: for builders that know `key` is new.
    pub(crate) fn push(&mut self, key: impl Into<Key>, value: impl Into<AttrValue>) {
        self.0.push(KeyValue {
            key: key.into(),
            value: value.into(),
        });
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&AttrValue> {
        self.0.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
    }

    /// The string value of `key`.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(AttrValue::as_str)
    }

    /// The integer value of `key`.
    pub fn get_int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(AttrValue::as_int)
    }

    /// True when `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<AttrValue> {
        let i = self.0.iter().position(|kv| kv.key == key)?;
        Some(self.0.remove(i).value)
    }

    /// The attributes in order.
    pub fn iter(&self) -> std::slice::Iter<'_, KeyValue> {
        self.0.iter()
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> IntoIterator for &'a AttrList {
    type Item = &'a KeyValue;
    type IntoIter = std::slice::Iter<'a, KeyValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A W3C trace id (16 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(pub [u8; 16]);

/// A span id (8 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(pub [u8; 8]);

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceId({self})")
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Debug for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpanId({self})")
    }
}

/// The OpenTelemetry span kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// In-process work (agent runs, tool calls).
    #[default]
    Internal,
    /// The server side of a request.
    Server,
    /// The client side of a request (a model API call).
    Client,
    /// A message sent.
    Producer,
    /// A message received.
    Consumer,
}

/// Status of a span.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SpanStatus {
    /// Nothing said (the default: success is not claimed).
    #[default]
    Unset,
    /// Explicitly successful.
    Ok,
    /// Failed, with a message.
    Error(String),
}

/// An event inside a span (an approval, an exception, a compaction).
#[derive(Clone, Debug, PartialEq)]
pub struct SpanEvent {
    /// Event name.
    pub name: Key,
    /// When it happened.
    pub time: Timestamp,
    /// Its attributes.
    pub attributes: AttrList,
}

/// A link from a span to another span (in this or another trace).
#[derive(Clone, Debug, PartialEq)]
pub struct SpanLink {
    /// Trace of the linked span.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
    /// Attributes of the link.
    pub attributes: AttrList,
}

/// Who produced the records: `service.name` and friends, one per session.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    /// Resource attributes.
    pub attributes: AttrList,
    /// Schema URL of the attribute names, when the dialect follows a versioned convention.
    pub schema_url: Option<Cow<'static, str>>,
}

/// The instrumentation scope records are reported under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstrumentationScope {
    /// Scope name (`agentobs.genai`, `codex`, …).
    pub name: Cow<'static, str>,
    /// Scope version.
    pub version: Option<Cow<'static, str>>,
    /// Schema URL of the names used.
    pub schema_url: Option<Cow<'static, str>>,
}

/// A finished span.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanRecord {
    /// The session's resource.
    pub resource: Arc<Resource>,
    /// The dialect's scope.
    pub scope: Arc<InstrumentationScope>,
    /// Trace id.
    pub trace_id: TraceId,
    /// Span id.
    pub span_id: SpanId,
    /// Parent span, `None` for a trace root.
    pub parent_span_id: Option<SpanId>,
    /// Span name (`chat gpt-5`, `execute_tool shell`, …).
    pub name: Cow<'static, str>,
    /// Span kind.
    pub kind: SpanKind,
    /// Start time.
    pub start: Timestamp,
    /// End time (never before `start`).
    pub end: Timestamp,
    /// Attributes.
    pub attributes: AttrList,
    /// Events inside the span, in time order.
    pub events: Vec<SpanEvent>,
    /// Links to other spans.
    pub links: Vec<SpanLink>,
    /// Status.
    pub status: SpanStatus,
}

/// Severity of a log record, with the OpenTelemetry severity numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 1.
    Trace,
    /// 5.
    Debug,
    /// 9.
    #[default]
    Info,
    /// 13.
    Warn,
    /// 17.
    Error,
    /// 21.
    Fatal,
}

impl Severity {
    /// The OpenTelemetry `SeverityNumber`.
    pub fn number(self) -> i32 {
        match self {
            Severity::Trace => 1,
            Severity::Debug => 5,
            Severity::Info => 9,
            Severity::Warn => 13,
            Severity::Error => 17,
            Severity::Fatal => 21,
        }
    }

    /// The OpenTelemetry `SeverityText`.
    pub fn text(self) -> &'static str {
        match self {
            Severity::Trace => "TRACE",
            Severity::Debug => "DEBUG",
            Severity::Info => "INFO",
            Severity::Warn => "WARN",
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
        }
    }
}

/// A log record (an OpenTelemetry event when `event_name` is set).
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    /// The session's resource.
    pub resource: Arc<Resource>,
    /// The dialect's scope.
    pub scope: Arc<InstrumentationScope>,
    /// When it happened.
    pub time: Timestamp,
    /// Event name (`codex.tool_result`, …).
    pub event_name: Key,
    /// Severity.
    pub severity: Severity,
    /// Body, when the dialect has one.
    pub body: Option<AttrValue>,
    /// Attributes.
    pub attributes: AttrList,
    /// Trace it belongs to, when known.
    pub trace_id: Option<TraceId>,
    /// Span it happened in, when known.
    pub span_id: Option<SpanId>,
}

/// The instrument a metric point comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Instrument {
    /// A monotonic sum.
    Counter,
    /// A distribution with explicit bucket boundaries.
    Histogram,
}

/// How points of one series relate over time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Temporality {
    /// Each point covers the time since the previous point (what Codex exports).
    Delta,
    /// Each point covers the time since the series started.
    #[default]
    Cumulative,
}

/// The value of a metric point.
#[derive(Clone, Debug, PartialEq)]
pub enum PointValue {
    /// A counter's sum.
    Sum(f64),
    /// A histogram.
    Histogram(HistogramValue),
}

/// A histogram's aggregate.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramValue {
    /// Number of measurements.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// Smallest measurement.
    pub min: f64,
    /// Largest measurement.
    pub max: f64,
    /// Explicit bucket upper bounds (inclusive), ascending.
    pub bounds: &'static [f64],
    /// Counts per bucket: `bounds.len() + 1` entries, the last for values above every bound.
    pub bucket_counts: Vec<u64>,
}

/// One point of one metric series.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricPoint {
    /// The session's resource.
    pub resource: Arc<Resource>,
    /// The dialect's scope.
    pub scope: Arc<InstrumentationScope>,
    /// Metric name.
    pub name: Key,
    /// Unit (`ms`, `s`, `{token}`, or empty).
    pub unit: Key,
    /// Instrument.
    pub instrument: Instrument,
    /// Temporality.
    pub temporality: Temporality,
    /// Series attributes.
    pub attributes: AttrList,
    /// Start of the time the point covers.
    pub start: Timestamp,
    /// End of the time the point covers.
    pub time: Timestamp,
    /// The value.
    pub value: PointValue,
}

/// A consumer of mapped records: an exporter, a writer, a test capture.
///
/// Every method has a default that drops the record.
pub trait SignalSink {
    /// A finished span.
    fn span(&mut self, span: SpanRecord) {
        let _ = span;
    }
    /// A log record.
    fn log(&mut self, log: LogRecord) {
        let _ = log;
    }
    /// A metric point.
    fn metric(&mut self, point: MetricPoint) {
        let _ = point;
    }
}

/// Sinks behind a pointer forward every record to the sink they point to.
macro_rules! forward_through_pointer {
    ($($ptr:ty),+) => {$(
        impl<S: SignalSink + ?Sized> SignalSink for $ptr {
            fn span(&mut self, span: SpanRecord) {
                (**self).span(span)
            }
            fn log(&mut self, log: LogRecord) {
                (**self).log(log)
            }
            fn metric(&mut self, point: MetricPoint) {
                (**self).metric(point)
            }
        }
    )+};
}

forward_through_pointer!(&mut S, Box<S>);

/// Records collected in memory, in the order they were produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Signals {
    /// Spans.
    pub spans: Vec<SpanRecord>,
    /// Log records.
    pub logs: Vec<LogRecord>,
    /// Metric points.
    pub metrics: Vec<MetricPoint>,
}

impl Signals {
    /// Spans named `name`.
    pub fn spans_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a SpanRecord> {
        self.spans.iter().filter(move |s| s.name == name)
    }

    /// Log records with event name `name`.
    pub fn logs_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a LogRecord> {
        self.logs.iter().filter(move |l| l.event_name == name)
    }

    /// Metric points named `name`.
    pub fn metrics_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a MetricPoint> {
        self.metrics.iter().filter(move |m| m.name == name)
    }

    /// True when nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty() && self.logs.is_empty() && self.metrics.is_empty()
    }
}

impl SignalSink for Signals {
    fn span(&mut self, span: SpanRecord) {
        self.spans.push(span);
    }
    fn log(&mut self, log: LogRecord) {
        self.logs.push(log);
    }
    fn metric(&mut self, point: MetricPoint) {
        self.metrics.push(point);
    }
}
