//! A decoder thread (one per shard): its requests off its queue → events → its anomaly
//! tap → the export pipeline; its sessions closed when idle and at the end.

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use agentobs_anomaly::{Engine, Tap};
use agentobs_codex::log_event::DecodeOptions;
use agentobs_codex::otlp::{DecodeSummary, OtlpDecoder};
use agentobs_export::pipeline::Pipeline;
use agentobs_schema::{Event, EventKind, EventSink, SessionContext, SourceEnd, Warning};

use agentobs_claude::otlp as claude;
use agentobs_codex::otlp::{
    ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
};
use agentobs_gemini::otlp as gemini;

use crate::ingest::{Ingest, Payload};
use crate::route::{self, Source};
use crate::stats::{self, Counters};

/// Makes each shard's anomaly engine.
#[derive(Clone)]
pub(crate) struct MakeEngine(pub(crate) Arc<dyn Fn() -> Engine + Send + Sync>);

impl std::fmt::Debug for MakeEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MakeEngine")
    }
}

/// What a decoder thread needs.
pub(crate) struct Worker {
    /// Which shard it is.
    pub(crate) shard: usize,
    /// Of how many.
    pub(crate) shards: usize,
    pub(crate) rx: Receiver<Arc<Payload>>,
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) counters: Arc<Counters>,
    pub(crate) ingest: Arc<Ingest>,
    pub(crate) decode: DecodeOptions,
    pub(crate) engine: Option<Engine>,
    pub(crate) idle_close: Duration,
    pub(crate) capacity: u64,
}

impl Worker {
    pub(crate) fn spawn(self) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new()
            .name(format!("agentobs-decode-{}", self.shard))
            .spawn(move || self.run())
    }

    fn run(self) {
        let Worker {
            shard,
            shards,
            rx,
            pipeline,
            counters,
            ingest,
            decode,
            engine,
            idle_close,
            capacity,
        } = self;
        let mut decoder = Decoders::new(decode);
        let clock = Cell::new(Instant::now());
        // The room above the high-water mark is shared by the shards, so that together
        // they never overflow the pipeline's queue.
        let forward = Forward {
            pipeline: &pipeline,
            counters: &counters,
            sessions: HashMap::new(),
            high_water: capacity / 2,
            room_after_wait: ((capacity - capacity / 2) / shards.max(1) as u64).max(1),
            room: 0,
            clock: &clock,
            last: None,
        };
        let mut tap = Tap::optional(engine, forward);
        let tick = (idle_close / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let mut last_sweep = Instant::now();
        loop {
            match rx.recv_timeout(tick) {
                Ok(payload) => {
                    ingest.taken(shard);
                    clock.set(Instant::now());
                    let summary = decoder.decode(&payload, &mut tap);
                    stats::add(&counters.decoded_events, summary.events);
                    stats::add(&counters.skipped_records, summary.skipped);
                    stats::add(&counters.bad_records, summary.bad);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if last_sweep.elapsed() >= tick {
                last_sweep = Instant::now();
                let now = Instant::now();
                let idle: Vec<_> = tap
                    .downstream()
                    .sessions
                    .iter()
                    .filter(|(_, (_, last))| now.duration_since(*last) >= idle_close)
                    .map(|(id, (ctx, _))| (id.clone(), ctx.clone()))
                    .collect();
                for (id, ctx) in idle {
                    tap.end(&end_of(&id, ctx));
                }
            }
        }
        let open: Vec<_> = tap
            .downstream()
            .sessions
            .iter()
            .map(|(id, (ctx, last))| (*last, id.clone(), ctx.clone()))
            .collect();
        let mut open = open;
        open.sort_by_key(|(last, _, _)| *last);
        for (_, id, ctx) in open {
            tap.end(&end_of(&id, ctx));
        }
        let _ = tap.finish();
    }
}

/// One decoder per harness, each request's resources routed to theirs
/// ([`route`](crate::route)).
struct Decoders {
    codex: OtlpDecoder,
    claude: claude::OtlpDecoder,
    gemini: gemini::OtlpDecoder,
}

impl Decoders {
    fn new(options: DecodeOptions) -> Self {
        let content = options.include_content;
        Decoders {
            codex: OtlpDecoder::new(options),
            claude: claude::OtlpDecoder::new().with_content(content),
            gemini: gemini::OtlpDecoder::new().with_content(content),
        }
    }

    fn decode(&mut self, payload: &Payload, sink: &mut dyn EventSink) -> DecodeSummary {
        match payload {
            Payload::Logs(r) => match route::logs(r) {
                Ok(source) => self.logs(source, r, sink),
                Err(parts) => sum(parts.iter().map(|(s, r)| self.logs(*s, r, sink))),
            },
            Payload::Metrics(r) => match route::metrics(r) {
                Ok(source) => self.metrics(source, r, sink),
                Err(parts) => sum(parts.iter().map(|(s, r)| self.metrics(*s, r, sink))),
            },
            Payload::Traces(r) => match route::traces(r) {
                Ok(source) => self.traces(source, r, sink),
                Err(parts) => sum(parts.iter().map(|(s, r)| self.traces(*s, r, sink))),
            },
        }
    }

    fn logs(
        &mut self,
        source: Source,
        r: &ExportLogsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        match source {
            Source::Codex => self.codex.logs(r, sink),
            Source::Claude => self.claude.logs(r, sink),
            Source::Gemini => self.gemini.logs(r, sink),
        }
    }

    fn metrics(
        &mut self,
        source: Source,
        r: &ExportMetricsServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        match source {
            Source::Codex => self.codex.metrics(r, sink),
            Source::Claude => self.claude.metrics(r, sink),
            Source::Gemini => self.gemini.metrics(r, sink),
        }
    }

    fn traces(
        &mut self,
        source: Source,
        r: &ExportTraceServiceRequest,
        sink: &mut dyn EventSink,
    ) -> DecodeSummary {
        match source {
            Source::Codex => self.codex.traces(r, sink),
            Source::Claude => self.claude.traces(r, sink),
            Source::Gemini => self.gemini.traces(r, sink),
        }
    }
}

/// The summaries of the parts of one request, added up.
fn sum(parts: impl Iterator<Item = DecodeSummary>) -> DecodeSummary {
    let mut total = DecodeSummary::default();
    for p in parts {
        total.records = total.records.saturating_add(p.records);
        total.events = total.events.saturating_add(p.events);
        total.skipped = total.skipped.saturating_add(p.skipped);
        total.bad = total.bad.saturating_add(p.bad);
    }
    total
}

/// The end of an OTLP session: a source named after it, with its context (how the mapper
/// and the engine find it: OTLP events carry no file).
fn end_of(id: &str, ctx: Arc<SessionContext>) -> SourceEnd {
    let mut end = SourceEnd::new(format!("otlp:{id}"));
    end.context = Some(ctx);
    end
}

/// Waits while a sink's queue holds more than `high_water` events, so a slow upstream
/// backs up into the gateway's own queue (and so into 429s) rather than into drops.
fn wait_for_room(pipeline: &Pipeline, counters: &Counters, high_water: u64) {
    let mut waited = false;
    while pipeline
        .stats()
        .sinks
        .iter()
        .any(|s| s.queued() > high_water)
    {
        if !waited {
            waited = true;
            stats::bump(&counters.backpressure_waits);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Hands events to the pipeline and keeps, per open session, its context and when it was
/// last heard of.
struct Forward<'a> {
    pipeline: &'a Pipeline,
    counters: &'a Counters,
    sessions: HashMap<Arc<str>, (Arc<SessionContext>, Instant)>,
    /// Wait while a sink's queue holds more than this.
    high_water: u64,
    /// Messages that fit on every queue once it holds at most `high_water`.
    room_after_wait: u64,
    /// Messages that can be sent without looking at the queues again.
    room: u64,
    /// When the request being decoded was taken: when its sessions were last heard of.
    clock: &'a Cell<Instant>,
    /// The context of the last event, and when its session's entry was last touched: most
    /// events follow one of the same session, whose entry is then up to date already.
    last: Option<(Arc<SessionContext>, Instant)>,
}

impl Forward<'_> {
    /// Makes sure one more message fits on every sink's queue: the queues are looked at
    /// only once per `room_after_wait` messages.
    fn reserve(&mut self) {
        if self.room == 0 {
            wait_for_room(self.pipeline, self.counters, self.high_water);
            self.room = self.room_after_wait;
        }
        self.room -= 1;
    }
}

impl EventSink for Forward<'_> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if matches!(event.kind, EventKind::Alert(_)) {
            stats::bump(&self.counters.alerts);
        }
        let now = self.clock.get();
        let fresh = self
            .last
            .as_ref()
            .is_some_and(|(ctx, at)| Arc::ptr_eq(ctx, &event.ctx) && *at == now);
        if !fresh && let Some(id) = event.ctx.thread_or_session_id() {
            match self.sessions.get_mut(id) {
                Some(s) => *s = (event.ctx.clone(), now),
                None => {
                    self.sessions
                        .insert(Arc::from(id), (event.ctx.clone(), now));
                    stats::bump(&self.counters.open_sessions);
                }
            }
            self.last = Some((event.ctx.clone(), now));
        }
        self.reserve();
        self.pipeline.emit(event.clone());
        ControlFlow::Continue(())
    }

    fn warning(&mut self, warning: &Warning) {
        self.reserve();
        self.pipeline.warn(warning);
    }

    fn end(&mut self, end: &SourceEnd) {
        if let Some(id) = end.context.as_ref().and_then(|c| c.thread_or_session_id())
            && self.sessions.remove(id).is_some()
        {
            stats::bump(&self.counters.closed_sessions);
            self.counters.open_sessions.fetch_sub(1, Ordering::Relaxed);
            self.last = None;
        }
        self.reserve();
        self.pipeline.end_source(end);
    }
}
