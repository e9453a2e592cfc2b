//! A `tracing` layer for harnesses that log the way Codex does, and an export filter.
//!
//! [`CodexEventLayer`] turns `tracing` events whose field `event.name` is a `codex.*` name,
//! under a target prefix (`codex_otel` by default), into typed events
//! ([`agentobs_codex::log_event`]) and hands each to an emitter — a
//! [`Pipeline`](crate::pipeline::Pipeline), or any closure. Codex emits most business events
//! twice, a log variant (target `codex_otel.log_only`, may carry prompts and tool output) and
//! a trace variant (`codex_otel.trace_safe`, lengths only); the layer takes one of them
//! ([`Variant`]) so nothing is counted twice. Content is withheld unless asked for.
//!
//! [`export_filter`] keeps everything but the given target prefixes away from an exporting
//! layer: the h2, hyper and tokio spans that flood Codex users' trace backends stay out.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use agentobs_export::layer::CodexEventLayer;
//! use tracing_subscriber::prelude::*;
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = seen.clone();
//! let layer = CodexEventLayer::new(move |e| sink.lock().unwrap().push(e));
//! let subscriber = tracing_subscriber::registry().with(layer);
//! tracing::subscriber::with_default(subscriber, || {
//!     // (`event!` with a level: `info!` cannot take a first field named `event.*`.)
//!     tracing::event!(
//!         target: "codex_otel.log_only",
//!         tracing::Level::INFO,
//!         event.name = "codex.tool_result",
//!         conversation.id = "0199a213-81c0-7800-8aa1-bbab2a035a53",
//!         tool_name = "shell", call_id = "call-1", duration_ms = "42", success = "true",
//!     );
//!     tracing::info!(target: "h2::codec", "not ours");
//! });
//! assert_eq!(seen.lock().unwrap().len(), 1);
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use agentobs_codex::log_event::{self, DecodeOptions, FieldValue, Fields};
use agentobs_schema::{Event, Harness, SessionContext, Timestamp};
use tracing::field::{Field, Visit};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::filter::FilterFn;
use tracing_subscriber::layer::{Context, Layer};

/// The target prefix Codex logs its business events under.
pub const CODEX_TARGET_PREFIX: &str = "codex_otel";
/// At most this many sessions' contexts are remembered (then the cache starts over).
const MAX_CONTEXTS: usize = 1024;

/// Which of Codex's two variants of a business event the layer takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Variant {
    /// What Codex exports as logs: every target under the prefix except
    /// `<prefix>.trace_safe*` (the full record; content still withheld unless captured).
    #[default]
    Log,
    /// Only `<prefix>.trace_safe*`: lengths and counts, never content.
    TraceSafe,
}

/// What the layer did: see [`LayerHandle::stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LayerStats {
    /// Events turned into typed events and emitted.
    pub emitted: u64,
    /// Events under the prefix that could not be decoded (a bad field value).
    pub bad: u64,
}

#[derive(Debug, Default)]
struct Counters {
    emitted: AtomicU64,
    bad: AtomicU64,
}

/// The `tracing` layer: see the [module docs](self).
pub struct CodexEventLayer {
    target: Target,
    prefix: String,
    variant: Variant,
    decoder: Arc<Decoder>,
}

/// Where decoded events go.
enum Target {
    /// Decoded on the calling thread and handed to the closure.
    Closure(Box<dyn Fn(Event) + Send + Sync>),
    /// Copied on the calling thread, decoded on the pipeline's sink thread.
    Pipeline(Arc<crate::pipeline::Pipeline>),
}

/// What decoding needs, shared with the sink threads that decode for a pipeline.
struct Decoder {
    options: DecodeOptions,
    contexts: Mutex<HashMap<String, Arc<SessionContext>>>,
    counters: Arc<Counters>,
}

impl fmt::Debug for CodexEventLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodexEventLayer")
            .field("prefix", &self.prefix)
            .field("variant", &self.variant)
            .finish_non_exhaustive()
    }
}

/// A handle on a layer's counters, usable after the layer moved into a subscriber.
#[derive(Clone, Debug)]
pub struct LayerHandle(Arc<Counters>);

impl LayerHandle {
    /// The counters now. For a layer feeding a pipeline, events are decoded on the sink
    /// thread, so the counters follow it (after [`Pipeline::flush`](crate::pipeline::Pipeline::flush)
    /// they are complete).
    pub fn stats(&self) -> LayerStats {
        LayerStats {
            emitted: self.0.emitted.load(Ordering::Relaxed),
            bad: self.0.bad.load(Ordering::Relaxed),
        }
    }
}

impl CodexEventLayer {
    /// A layer handing every decoded event to `emit`, on the thread that logged it.
    /// Defaults: prefix [`CODEX_TARGET_PREFIX`], the [`Variant::Log`] variant, content
    /// withheld.
    pub fn new(emit: impl Fn(Event) + Send + Sync + 'static) -> Self {
        Self::with_target(Target::Closure(Box::new(emit)))
    }

    /// A layer feeding `pipeline`. The logging thread only copies the event's fields and
    /// queues them ([`Pipeline::emit_deferred`](crate::pipeline::Pipeline::emit_deferred));
    /// decoding into a typed event happens on the sink's thread.
    pub fn for_pipeline(pipeline: Arc<crate::pipeline::Pipeline>) -> Self {
        Self::with_target(Target::Pipeline(pipeline))
    }

    fn with_target(target: Target) -> Self {
        CodexEventLayer {
            target,
            prefix: CODEX_TARGET_PREFIX.to_owned(),
            variant: Variant::Log,
            decoder: Arc::new(Decoder {
                options: DecodeOptions::default(),
                contexts: Mutex::new(HashMap::new()),
                counters: Arc::default(),
            }),
        }
    }

    /// Take events under `prefix` instead (a harness of your own: `my_agent`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Which variant to take.
    pub fn with_variant(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
    }

    /// Keep prompts, tool arguments and outputs in the events (default off).
    pub fn with_content(mut self, on: bool) -> Self {
        let d = &self.decoder;
        self.decoder = Arc::new(Decoder {
            options: d.options.with_content(on),
            contexts: Mutex::new(HashMap::new()),
            counters: d.counters.clone(),
        });
        self
    }

    /// A handle on the counters.
    pub fn handle(&self) -> LayerHandle {
        LayerHandle(self.decoder.counters.clone())
    }

    fn takes(&self, target: &str) -> bool {
        let Some(rest) = target.strip_prefix(self.prefix.as_str()) else {
            return false;
        };
        if !(rest.is_empty() || rest.starts_with('.') || rest.starts_with("::")) {
            return false;
        }
        let trace_safe = rest
            .trim_start_matches(['.', ':'])
            .starts_with("trace_safe");
        match self.variant {
            Variant::Log => !trace_safe,
            Variant::TraceSafe => trace_safe,
        }
    }
}

impl Decoder {
    /// `fields` as a typed event (counted), or `None` (not a `codex.*` event, or a bad one,
    /// counted).
    fn decode(&self, fields: &Fields<'static>, now: Timestamp) -> Option<Event> {
        match log_event::decode(fields, &self.options) {
            Ok(Some(decoded)) => {
                let ctx = self.context(&decoded.meta);
                self.counters.emitted.fetch_add(1, Ordering::Relaxed);
                Some(decoded.into_event(ctx, now))
            }
            Ok(None) => None,
            Err(_) => {
                self.counters.bad.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    fn context(&self, meta: &log_event::SessionMeta<'_>) -> Arc<SessionContext> {
        let key = meta.conversation_id.as_deref().unwrap_or("");
        let mut map = self.contexts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(ctx) = map.get_mut(key) {
            meta.apply_to_shared(ctx);
            return ctx.clone();
        }
        if map.len() >= MAX_CONTEXTS {
            map.clear();
        }
        let ctx = if meta.is_empty() {
            Arc::new(SessionContext::new(Harness::Codex))
        } else {
            Arc::new(meta.to_context())
        };
        map.insert(key.to_owned(), ctx.clone());
        ctx
    }
}

/// Collects an event's fields without allocating once warm.
struct Collector<'a>(&'a mut Fields<'static>);

impl Visit for Collector<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(field.name(), FieldValue::Str(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.push(field.name(), FieldValue::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push(field.name(), FieldValue::U64(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.push(field.name(), FieldValue::F64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.push(field.name(), FieldValue::Bool(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push_debug(field.name(), value);
    }
}

thread_local! {
    static FIELDS: std::cell::RefCell<Fields<'static>> = std::cell::RefCell::new(Fields::new());
    /// Fields and text bytes of the last event this thread copied for a pipeline.
    static LAST_SIZE: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((16, 256)) };
}

/// True when the event names a `codex.*` event (what the decoder takes): checked from its
/// metadata and value before anything is copied for a pipeline.
fn names_codex_event(fields: &Fields<'static>) -> bool {
    use log_event::FieldSource;
    fields
        .field("event.name")
        .is_some_and(|v| v.as_text().starts_with("codex."))
}

impl<S: Subscriber> Layer<S> for CodexEventLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if !self.takes(event.metadata().target()) {
            return;
        }
        match &self.target {
            Target::Closure(emit) => FIELDS.with(|cell| {
                let Ok(mut fields) = cell.try_borrow_mut() else {
                    return;
                };
                fields.clear();
                event.record(&mut Collector(&mut fields));
                if let Some(e) = self.decoder.decode(&fields, Timestamp::now()) {
                    emit(e);
                }
            }),
            Target::Pipeline(pipeline) => {
                // Copy the fields (sized like the last event's) and leave the decoding to
                // the sink's thread.
                let (n, text) = LAST_SIZE.get();
                let mut fields = Fields::with_capacity(n, text);
                event.record(&mut Collector(&mut fields));
                LAST_SIZE.set((fields.len(), fields.text_len()));
                if !names_codex_event(&fields) {
                    return;
                }
                let now = Timestamp::now();
                let decoder = self.decoder.clone();
                pipeline.emit_deferred(move || decoder.decode(&fields, now));
            }
        }
    }
}

/// A per-layer filter that lets through only spans and events whose target starts with one
/// of `prefixes` (at a `::` or `.` boundary, or equal). Put it on the layer that exports
/// (`tracing-opentelemetry`, an appender) to keep third-party spans out:
///
/// ```
/// use agentobs_export::layer::export_filter;
/// use tracing_subscriber::prelude::*;
///
/// let exporting = tracing_subscriber::fmt::layer().with_filter(export_filter(&["codex_otel", "my_agent"]));
/// let _subscriber = tracing_subscriber::registry().with(exporting);
/// ```
pub fn export_filter(prefixes: &[&str]) -> FilterFn<impl Fn(&Metadata<'_>) -> bool + Clone> {
    let prefixes: Arc<[String]> = prefixes.iter().map(|p| (*p).to_owned()).collect();
    tracing_subscriber::filter::filter_fn(move |m: &Metadata<'_>| {
        let target = m.target();
        prefixes.iter().any(|p| {
            target.strip_prefix(p.as_str()).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with("::") || rest.starts_with('.')
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::EventKind;
    use tracing_subscriber::prelude::*;

    fn capture(
        layer: impl FnOnce(CodexEventLayer) -> CodexEventLayer,
        f: impl FnOnce(),
    ) -> Vec<Event> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let l = layer(CodexEventLayer::new(move |e| sink.lock().unwrap().push(e)));
        tracing::subscriber::with_default(tracing_subscriber::registry().with(l), f);
        seen.lock().unwrap().clone()
    }

    const THREAD: &str = "0199a213-81c0-7800-8aa1-bbab2a035a53";

    /// What Codex's `log_and_trace_event!` does for a tool result: two events.
    fn codex_tool_result() {
        tracing::event!(target: "codex_otel.log_only", tracing::Level::INFO,
            event.name = "codex.tool_result",
            event.timestamp = "2026-11-25T08:21:22.123Z",
            conversation.id = THREAD,
            model = "gpt-5",
            app.version = "0.169.0",
            tool_name = "shell",
            call_id = "call-1",
            arguments = "{\"cmd\":\"cat secret.env\"}",
            duration_ms = "42",
            success = "true",
            output = "Exit code: 0\nWall time: 0.0 seconds\nOutput:\nTOKEN=sk-live",
            mcp_server = "",
        );
        tracing::event!(target: "codex_otel.trace_safe", tracing::Level::INFO,
            event.name = "codex.tool_result",
            conversation.id = THREAD,
            tool_name = "shell",
            call_id = "call-1",
            duration_ms = "42",
            success = "true",
            arguments_length = 25i64,
            output_length = 60i64,
        );
        tracing::info!(target: "h2::proto", frame = "DATA", "third party");
        tracing::event!(target: "codex_otelx", tracing::Level::INFO, event.name = "codex.tool_result", "not under the prefix");
    }

    #[test]
    fn one_event_per_business_event_with_its_session_and_no_content() {
        let got = capture(|l| l, codex_tool_result);
        assert_eq!(got.len(), 1, "{got:?}");
        let e = &got[0];
        assert_eq!(e.ctx.thread_id.as_deref(), Some(THREAD));
        assert_eq!(e.ctx.model.as_deref(), Some("gpt-5"));
        assert_eq!(e.at.unix_millis(), 1_795_594_882_123);
        let EventKind::ToolResult(r) = &e.kind else {
            panic!("{e:?}")
        };
        assert_eq!(
            (r.tool.as_str(), r.call_id.as_deref()),
            ("shell", Some("call-1"))
        );
        assert!(r.arguments.is_withheld() && r.output.is_withheld());
        let json = serde_json::to_string(e).unwrap();
        assert!(
            !json.contains("sk-live") && !json.contains("secret.env"),
            "{json}"
        );
    }

    #[test]
    fn content_when_asked_and_the_trace_variant_when_chosen() {
        let got = capture(|l| l.with_content(true), codex_tool_result);
        let EventKind::ToolResult(r) = &got[0].kind else {
            panic!()
        };
        assert!(r.output.value().is_some_and(|o| o.contains("sk-live")));
        let got = capture(|l| l.with_variant(Variant::TraceSafe), codex_tool_result);
        assert_eq!(got.len(), 1);
        let EventKind::ToolResult(r) = &got[0].kind else {
            panic!()
        };
        assert_eq!(r.arguments.len(), 25);
    }

    #[test]
    fn a_harness_of_its_own_prefix_and_bad_fields_counted() {
        let l = CodexEventLayer::new(|_| {}).with_prefix("my_agent");
        let handle = l.handle();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(l), || {
            tracing::event!(target: "my_agent::telemetry", tracing::Level::INFO, event.name = "codex.api_request", attempt = 1u64, duration_ms = 12u64);
            tracing::event!(target: "my_agent", tracing::Level::INFO, event.name = "codex.api_request", attempt = "not a number");
            codex_tool_result();
        });
        assert_eq!(handle.stats(), LayerStats { emitted: 1, bad: 1 });
    }

    #[test]
    fn feeding_a_pipeline_decodes_on_the_sink_thread_with_the_same_result() {
        use crate::pipeline::{MemorySink, Pipeline};
        let memory = MemorySink::new();
        let pipeline = Arc::new(Pipeline::builder().sink("memory", memory.clone()).build());
        let l = CodexEventLayer::for_pipeline(pipeline.clone());
        let handle = l.handle();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(l), || {
            codex_tool_result();
            tracing::event!(target: "codex_otel", tracing::Level::INFO, event.name = "codex.api_request", attempt = "not a number");
            tracing::event!(target: "codex_otel", tracing::Level::INFO, event.name = "other.thing");
        });
        assert!(
            pipeline
                .shutdown(std::time::Duration::from_secs(5))
                .complete()
        );
        // `other.thing` never reached the queue; the bad one did and was counted there.
        assert_eq!(pipeline.stats().sinks[0].accepted, 2);
        assert_eq!(handle.stats(), LayerStats { emitted: 1, bad: 1 });
        let direct = capture(|l| l, codex_tool_result);
        let piped = memory.events();
        assert_eq!(piped.len(), 1);
        assert_eq!(piped[0].kind, direct[0].kind);
        assert_eq!(piped[0].ctx, direct[0].ctx);
        assert_eq!(piped[0].at, direct[0].at);
    }

    #[test]
    fn the_export_filter_keeps_third_party_spans_out() {
        #[derive(Clone, Default)]
        struct Names(Arc<Mutex<Vec<String>>>);
        impl<S: Subscriber> Layer<S> for Names {
            fn on_new_span(
                &self,
                a: &tracing::span::Attributes<'_>,
                _: &tracing::span::Id,
                _: Context<'_, S>,
            ) {
                self.0.lock().unwrap().push(a.metadata().name().to_owned());
            }
            fn on_event(&self, e: &tracing::Event<'_>, _: Context<'_, S>) {
                self.0
                    .lock()
                    .unwrap()
                    .push(e.metadata().target().to_owned());
            }
        }
        let names = Names::default();
        let sub = tracing_subscriber::registry().with(
            names
                .clone()
                .with_filter(export_filter(&["codex_otel", "my_agent"])),
        );
        tracing::subscriber::with_default(sub, || {
            let _a = tracing::info_span!(target: "h2::client", "poll_ready").entered();
            let _b = tracing::info_span!(target: "hyper::proto", "encode").entered();
            let _c = tracing::info_span!(target: "my_agent::turn", "turn").entered();
            tracing::info!(target: "tokio::task", "spawn");
            tracing::event!(target: "codex_otel.trace_safe", tracing::Level::INFO, event.name = "codex.sse_event");
        });
        assert_eq!(*names.0.lock().unwrap(), ["turn", "codex_otel.trace_safe"]);
    }
}
