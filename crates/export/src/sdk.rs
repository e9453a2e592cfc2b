//! Spans through the OpenTelemetry SDK's exporters, keeping the ids and times the mapper gave.
//!
//! The SDK's tracer cannot set span ids or past times, so mapped spans are built as
//! [`SpanData`] and handed straight to a [`SpanExporter`] — `opentelemetry-otlp`'s, or any
//! other (`InMemorySpanExporter` in tests). An exporter carries one resource at a time; each
//! batch is grouped by session resource and the exporter's resource set before each group.

use std::borrow::Cow;

use agentobs_semconv::{
    AttrList, AttrValue, InstrumentationScope, Resource, SignalSink, SpanKind, SpanRecord,
    SpanStatus,
};
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind as OtelKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter, SpanLinks};

fn value(v: &AttrValue) -> Value {
    match v {
        AttrValue::Str(s) => Value::String(StringValue::from(s.to_string())),
        AttrValue::Shared(s) => Value::String(StringValue::from(s.clone())),
        AttrValue::Bool(b) => Value::Bool(*b),
        AttrValue::Int(i) => Value::I64(*i),
        AttrValue::Double(d) => Value::F64(*d),
        AttrValue::StrArray(a) => Value::Array(Array::String(
            a.iter().map(|s| StringValue::from(s.clone())).collect(),
        )),
    }
}

/// SDK key-values of an attribute list.
pub fn key_values(attrs: &AttrList) -> Vec<KeyValue> {
    attrs
        .iter()
        .map(|kv| KeyValue::new(kv.key.to_string(), value(&kv.value)))
        .collect()
}

/// The SDK resource of a session's resource.
pub fn sdk_resource(r: &Resource) -> opentelemetry_sdk::Resource {
    let kvs = key_values(&r.attributes);
    let b = opentelemetry_sdk::Resource::builder_empty();
    match &r.schema_url {
        Some(url) => b.with_schema_url(kvs, url.to_string()).build(),
        None => b.with_attributes(kvs).build(),
    }
}

/// The SDK's scope of a dialect's scope.
pub(crate) fn sdk_scope(s: &InstrumentationScope) -> opentelemetry::InstrumentationScope {
    let mut b = opentelemetry::InstrumentationScope::builder(s.name.to_string());
    if let Some(v) = &s.version {
        b = b.with_version(v.to_string());
    }
    if let Some(u) = &s.schema_url {
        b = b.with_schema_url(u.to_string());
    }
    b.build()
}

/// Batches are cut before their estimated protobuf size passes this (the SDK refuses bodies
/// over 64 MiB).
const SPLIT_BYTES: usize = 48 << 20;

/// A generous estimate of a span's protobuf size.
fn estimated_size(s: &SpanRecord) -> usize {
    fn attrs(a: &AttrList) -> usize {
        a.iter()
            .map(|kv| {
                kv.key.len()
                    + 16
                    + match &kv.value {
                        AttrValue::Str(s) => s.len(),
                        AttrValue::Shared(s) => s.len(),
                        AttrValue::StrArray(v) => v.iter().map(|s| s.len() + 4).sum(),
                        _ => 8,
                    }
            })
            .sum()
    }
    128 + s.name.len()
        + attrs(&s.attributes)
        + s.events
            .iter()
            .map(|e| 32 + e.name.len() + attrs(&e.attributes))
            .sum::<usize>()
        + s.links.len() * 64
}

/// A mapped span as the SDK's [`SpanData`], ids and times unchanged.
pub fn span_data(s: &SpanRecord) -> SpanData {
    let mut events = SpanEvents::default();
    for e in &s.events {
        events.events.push(opentelemetry::trace::Event::new(
            e.name.to_string(),
            e.time.to_system_time(),
            key_values(&e.attributes),
            0,
        ));
    }
    let mut links = SpanLinks::default();
    for l in &s.links {
        let cx = SpanContext::new(
            TraceId::from_bytes(l.trace_id.0),
            SpanId::from_bytes(l.span_id.0),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        links.links.push(opentelemetry::trace::Link::new(
            cx,
            key_values(&l.attributes),
            0,
        ));
    }
    SpanData {
        span_context: SpanContext::new(
            TraceId::from_bytes(s.trace_id.0),
            SpanId::from_bytes(s.span_id.0),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        ),
        parent_span_id: s
            .parent_span_id
            .map_or(SpanId::INVALID, |p| SpanId::from_bytes(p.0)),
        parent_span_is_remote: false,
        span_kind: match s.kind {
            SpanKind::Internal => OtelKind::Internal,
            SpanKind::Server => OtelKind::Server,
            SpanKind::Client => OtelKind::Client,
            SpanKind::Producer => OtelKind::Producer,
            SpanKind::Consumer => OtelKind::Consumer,
        },
        name: Cow::Owned(s.name.to_string()),
        start_time: s.start.to_system_time(),
        end_time: s.end.to_system_time(),
        attributes: key_values(&s.attributes),
        dropped_attributes_count: 0,
        events,
        links,
        status: match &s.status {
            SpanStatus::Unset => Status::Unset,
            SpanStatus::Ok => Status::Ok,
            SpanStatus::Error(m) => Status::error(m.clone()),
        },
        instrumentation_scope: sdk_scope(&s.scope),
    }
}

/// A [`SignalSink`] that sends spans through an SDK [`SpanExporter`], batched, one export per
/// session resource. Log records and metric points are dropped (spans only, for now).
///
/// Export errors are counted and the first kept; [`finish`](Self::finish) returns it.
#[derive(Debug)]
pub struct SdkSpanSink<E: SpanExporter> {
    exporter: E,
    batch: usize,
    spans: Vec<SpanRecord>,
    exported: u64,
    failed: u64,
    error: Option<String>,
    breaker: crate::breaker::Breaker,
    executor: crate::exec::Executor,
}

impl<E: SpanExporter> SdkSpanSink<E> {
    /// Spans to `exporter`, in batches of [`DEFAULT_BATCH`](crate::DEFAULT_BATCH).
    pub fn new(exporter: E) -> Self {
        SdkSpanSink {
            exporter,
            batch: crate::DEFAULT_BATCH,
            spans: Vec::new(),
            exported: 0,
            failed: 0,
            error: None,
            breaker: crate::breaker::Breaker::default(),
            executor: crate::exec::Executor::default(),
        }
    }

    /// Exports what is buffered: one call per resource, in first-seen order, each call kept
    /// under the SDK's 64 MiB body limit (by the spans' estimated size) by splitting.
    pub fn flush(&mut self) {
        let spans = std::mem::take(&mut self.spans);
        // (resource, spans, estimated bytes)
        let mut groups: Vec<(std::sync::Arc<Resource>, Vec<SpanData>, usize)> = Vec::new();
        for s in &spans {
            let size = estimated_size(s);
            match groups.iter_mut().rev().find(|(r, _, bytes)| {
                (std::sync::Arc::ptr_eq(r, &s.resource) || **r == *s.resource)
                    && *bytes + size <= SPLIT_BYTES
            }) {
                Some((_, v, bytes)) => {
                    v.push(span_data(s));
                    *bytes += size;
                }
                None => groups.push((s.resource.clone(), vec![span_data(s)], size)),
            }
        }
        for (resource, batch, _) in groups {
            let n = batch.len() as u64;
            if !self.breaker.allow() {
                // The exporter failed a moment ago: fail fast instead of waiting on it again.
                self.failed += n;
                continue;
            }
            self.exporter.set_resource(&sdk_resource(&resource));
            match self.executor.block_on(self.exporter.export(batch)) {
                Ok(()) => {
                    self.breaker.success();
                    self.exported += n;
                }
                // Too big even alone: this batch is lost, the exporter is fine.
                Err(e) if e.to_string().contains("exceeding the configured limit") => {
                    self.failed += n;
                    self.error.get_or_insert_with(|| e.to_string());
                }
                Err(e) => {
                    self.breaker.failure();
                    self.failed += n;
                    self.error.get_or_insert_with(|| e.to_string());
                }
            }
        }
    }

    /// Runs the exporter's futures on `executor` (a tokio runtime for gRPC).
    #[cfg(feature = "grpc")]
    pub(crate) fn with_executor(mut self, executor: crate::exec::Executor) -> Self {
        self.executor = executor;
        self
    }

    /// Exports the rest, shuts the exporter down, and returns the spans exported, the spans
    /// that failed, and the first export error.
    pub fn finish(mut self) -> (u64, u64, Option<String>) {
        self.breaker.half_open();
        self.flush();
        let _ = self.exporter.shutdown();
        (self.exported, self.failed, self.error)
    }

    /// Spans whose export failed so far.
    pub fn failed(&self) -> u64 {
        self.failed
    }

    /// The exporter.
    pub fn exporter(&self) -> &E {
        &self.exporter
    }
}

impl<E: SpanExporter> SignalSink for SdkSpanSink<E> {
    fn span(&mut self, span: SpanRecord) {
        self.spans.push(span);
        if self.spans.len() >= self.batch {
            self.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::Timestamp;
    use agentobs_semconv::{SpanEvent, SpanId as Sid, TraceId as Tid};
    use opentelemetry_sdk::trace::InMemorySpanExporter;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    fn span(resource: &Arc<Resource>, id: u8, parent: Option<u8>) -> SpanRecord {
        let mut attributes = AttrList::new();
        attributes.set("gen_ai.usage.input_tokens", 4210u64);
        attributes.set("gen_ai.request.model", Arc::<str>::from("gpt-5"));
        SpanRecord {
            resource: resource.clone(),
            scope: Arc::new(InstrumentationScope {
                name: "agentobs.genai".into(),
                version: Some("0.1.0".into()),
                schema_url: Some("https://opentelemetry.io/schemas/1.41.0".into()),
            }),
            trace_id: Tid([7; 16]),
            span_id: Sid([id; 8]),
            parent_span_id: parent.map(|p| Sid([p; 8])),
            name: "chat gpt-5".into(),
            kind: SpanKind::Client,
            start: Timestamp::from_unix_millis(1_795_594_878_051),
            end: Timestamp::from_unix_millis(1_795_594_878_105),
            attributes,
            events: vec![SpanEvent {
                name: "agentobs.tool.decision".into(),
                time: Timestamp::from_unix_millis(1_795_594_878_060),
                attributes: AttrList::new(),
            }],
            links: Vec::new(),
            status: SpanStatus::Error("500".into()),
        }
    }

    #[test]
    fn ids_times_and_attributes_survive_the_sdk() {
        let exporter = InMemorySpanExporter::default();
        let mut sink = SdkSpanSink::new(exporter.clone());
        let r = Arc::new(Resource::default());
        sink.span(span(&r, 1, None));
        sink.span(span(&r, 2, Some(1)));
        sink.flush();
        // (The in-memory exporter forgets its spans at shutdown: read them first.)
        let got = exporter.get_finished_spans().unwrap();
        assert_eq!(sink.finish(), (2, 0, None));
        assert_eq!(got.len(), 2);
        let s = &got[1];
        assert_eq!(s.span_context.trace_id(), TraceId::from_bytes([7; 16]));
        assert_eq!(s.span_context.span_id(), SpanId::from_bytes([2; 8]));
        assert_eq!(s.parent_span_id, SpanId::from_bytes([1; 8]));
        assert_eq!(
            s.start_time,
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_594_878_051)
        );
        assert_eq!(s.span_kind, OtelKind::Client);
        assert_eq!(s.events.len(), 1);
        assert!(matches!(s.status, Status::Error { .. }));
        assert!(s.attributes.iter().any(|kv| kv.key.as_str() == "gen_ai.request.model"
            && kv.value.as_str() == "gpt-5"));
        assert_eq!(s.instrumentation_scope.name(), "agentobs.genai");
    }
}
