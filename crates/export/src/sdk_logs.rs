//! Log records through the OpenTelemetry SDK's log exporters, keeping the times and trace
//! context the mapper gave.
//!
//! The SDK's `Logger::emit` stamps records with the current context; replay needs the
//! original ones, so records are made with `Logger::create_log_record`, filled in, and handed
//! to a [`LogExporter`] in a [`LogBatch`] — `opentelemetry-otlp`'s, or any other
//! (`InMemoryLogExporter` in tests). As with spans, the exporter's resource is set before each
//! group of records of one session.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use agentobs_semconv::{AttrValue, LogRecord, Resource, Severity, SignalSink};
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::trace::{SpanId, TraceFlags, TraceId};
use opentelemetry::{InstrumentationScope, Key, StringValue};
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLogRecord, SdkLogger, SdkLoggerProvider};

use crate::breaker::Breaker;
use crate::sdk::sdk_resource;

fn any(v: &AttrValue) -> AnyValue {
    match v {
        AttrValue::Str(s) => AnyValue::String(StringValue::from(s.to_string())),
        AttrValue::Shared(s) => AnyValue::String(StringValue::from(s.clone())),
        AttrValue::Bool(b) => AnyValue::Boolean(*b),
        AttrValue::Int(i) => AnyValue::Int(*i),
        AttrValue::Double(d) => AnyValue::Double(*d),
        AttrValue::StrArray(a) => AnyValue::ListAny(Box::new(
            a.iter()
                .map(|s| AnyValue::String(StringValue::from(s.clone())))
                .collect(),
        )),
    }
}

fn severity(s: Severity) -> opentelemetry::logs::Severity {
    use opentelemetry::logs::Severity as S;
    match s {
        Severity::Trace => S::Trace,
        Severity::Debug => S::Debug,
        Severity::Info => S::Info,
        Severity::Warn => S::Warn,
        Severity::Error => S::Error,
        Severity::Fatal => S::Fatal,
    }
}

/// Most distinct owned event names made `'static` (the SDK's records take `&'static str`);
/// beyond it a record keeps its name in the `event.name` attribute only.
const MAX_INTERNED: usize = 4096;

/// `name` as a `'static` str: the borrowed names dialects use cost nothing; owned ones are
/// interned once each, up to [`MAX_INTERNED`].
#[allow(clippy::ptr_arg)] // Borrowed or owned decides whether interning is needed.
fn static_name(name: &std::borrow::Cow<'static, str>) -> Option<&'static str> {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    match name {
        std::borrow::Cow::Borrowed(s) => Some(s),
        std::borrow::Cow::Owned(s) => {
            let mut set = NAMES
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(n) = set.get(s.as_str()) {
                return Some(n);
            }
            if set.len() >= MAX_INTERNED {
                return None;
            }
            let leaked: &'static str = Box::leak(s.clone().into_boxed_str());
            set.insert(leaked);
            Some(leaked)
        }
    }
}

/// A [`SignalSink`] that sends log records through an SDK [`LogExporter`], in batches of
/// [`DEFAULT_BATCH`](crate::DEFAULT_BATCH), grouped by session resource.
pub struct SdkLogSink<E: LogExporter> {
    exporter: E,
    logger: SdkLogger,
    _provider: SdkLoggerProvider,
    batch: usize,
    records: Vec<LogRecord>,
    exported: u64,
    failed: u64,
    error: Option<String>,
    breaker: Breaker,
    executor: crate::exec::Executor,
}

impl<E: LogExporter> std::fmt::Debug for SdkLogSink<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkLogSink")
            .field("buffered", &self.records.len())
            .field("exported", &self.exported)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<E: LogExporter> SdkLogSink<E> {
    /// Log records to `exporter`.
    pub fn new(exporter: E) -> Self {
        // A provider without processors: only its logger's record factory is used.
        let provider = SdkLoggerProvider::builder().build();
        let logger = provider.logger("agentobs");
        SdkLogSink {
            exporter,
            logger,
            _provider: provider,
            batch: crate::DEFAULT_BATCH,
            records: Vec::new(),
            exported: 0,
            failed: 0,
            error: None,
            breaker: Breaker::default(),
            executor: crate::exec::Executor::default(),
        }
    }

    fn sdk_record(&self, l: &LogRecord) -> SdkLogRecord {
        let mut r = self.logger.create_log_record();
        r.set_timestamp(l.time.to_system_time());
        r.set_observed_timestamp(l.time.to_system_time());
        r.set_severity_number(severity(l.severity));
        r.set_severity_text(l.severity.text());
        if let Some(name) = static_name(&l.event_name) {
            r.set_event_name(name);
        }
        if let Some(b) = &l.body {
            r.set_body(any(b));
        }
        for kv in l.attributes.iter() {
            r.add_attribute(Key::from(kv.key.to_string()), any(&kv.value));
        }
        if let (Some(t), Some(s)) = (l.trace_id, l.span_id) {
            r.set_trace_context(
                TraceId::from_bytes(t.0),
                SpanId::from_bytes(s.0),
                Some(TraceFlags::SAMPLED),
            );
        }
        r
    }

    /// Exports what is buffered: one call per resource, in first-seen order.
    pub fn flush(&mut self) {
        let records = std::mem::take(&mut self.records);
        let mut groups: Vec<(Arc<Resource>, Vec<&LogRecord>)> = Vec::new();
        for l in &records {
            match groups
                .iter_mut()
                .find(|(r, _)| Arc::ptr_eq(r, &l.resource) || **r == *l.resource)
            {
                Some((_, v)) => v.push(l),
                None => groups.push((l.resource.clone(), vec![l])),
            }
        }
        for (resource, group) in groups {
            let n = group.len() as u64;
            if !self.breaker.allow() {
                self.failed += n;
                continue;
            }
            let made: Vec<(SdkLogRecord, InstrumentationScope)> = group
                .iter()
                .map(|l| (self.sdk_record(l), crate::sdk::sdk_scope(&l.scope)))
                .collect();
            let refs: Vec<(&SdkLogRecord, &InstrumentationScope)> =
                made.iter().map(|(r, s)| (r, s)).collect();
            self.exporter.set_resource(&sdk_resource(&resource));
            match self
                .executor
                .block_on(self.exporter.export(LogBatch::new(&refs)))
            {
                Ok(()) => {
                    self.breaker.success();
                    self.exported += n;
                }
                Err(e) => {
                    if !e.to_string().contains("exceeding the configured limit") {
                        self.breaker.failure();
                    }
                    self.failed += n;
                    self.error.get_or_insert_with(|| e.to_string());
                }
            }
        }
    }

    /// Records whose export failed so far.
    pub fn failed(&self) -> u64 {
        self.failed
    }

    /// Runs the exporter's futures on `executor` (a tokio runtime for gRPC).
    #[cfg(feature = "grpc")]
    pub(crate) fn with_executor(mut self, executor: crate::exec::Executor) -> Self {
        self.executor = executor;
        self
    }

    /// Exports the rest, shuts the exporter down; records exported, failed, first error.
    pub fn finish(mut self) -> (u64, u64, Option<String>) {
        self.breaker.half_open();
        self.flush();
        let _ = self.exporter.shutdown();
        (self.exported, self.failed, self.error)
    }
}

impl<E: LogExporter> SignalSink for SdkLogSink<E> {
    fn log(&mut self, log: LogRecord) {
        self.records.push(log);
        if self.records.len() >= self.batch {
            self.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::Timestamp;
    use agentobs_semconv::{AttrList, SpanId as Sid, TraceId as Tid};
    use opentelemetry_sdk::logs::InMemoryLogExporter;
    use std::time::{Duration, SystemTime};

    #[test]
    fn times_trace_context_name_and_attributes_survive_the_sdk() {
        let exporter = InMemoryLogExporter::default();
        let mut sink = SdkLogSink::new(exporter.clone());
        let mut attributes = AttrList::new();
        attributes.set("tool_name", Arc::<str>::from("shell"));
        attributes.set("duration_ms", 42u64);
        sink.log(LogRecord {
            resource: Arc::new(Resource::default()),
            scope: Arc::new(agentobs_semconv::InstrumentationScope {
                name: "agentobs.codex".into(),
                version: Some("0.1.0".into()),
                schema_url: None,
            }),
            time: Timestamp::from_unix_millis(1_795_594_878_051),
            event_name: "codex.tool_result".into(),
            severity: Severity::Info,
            body: None,
            attributes,
            trace_id: Some(Tid([7; 16])),
            span_id: Some(Sid([3; 8])),
        });
        sink.flush();
        let got = exporter.get_emitted_logs().unwrap();
        assert_eq!(sink.finish(), (1, 0, None));
        let r = &got[0].record;
        assert_eq!(
            r.timestamp(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_594_878_051))
        );
        assert_eq!(r.event_name(), Some("codex.tool_result"));
        let tc = r.trace_context().unwrap();
        assert_eq!(tc.trace_id, TraceId::from_bytes([7; 16]));
        assert_eq!(tc.span_id, SpanId::from_bytes([3; 8]));
        assert_eq!(r.attributes_iter().count(), 2);
        assert_eq!(got[0].instrumentation.name(), "agentobs.codex");
    }

    #[test]
    fn owned_names_are_interned_once() {
        let a = static_name(&std::borrow::Cow::Owned("x.custom".into())).unwrap();
        let b = static_name(&std::borrow::Cow::Owned("x.custom".into())).unwrap();
        assert!(std::ptr::eq(a, b));
    }
}
