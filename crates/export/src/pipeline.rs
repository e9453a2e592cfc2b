//! [`Pipeline`]: one event stream fanned out to many sinks, each behind a bounded queue.
//!
//! The emitting thread never waits on I/O: [`Pipeline::emit`] puts the event (shared, never
//! copied per sink) on each sink's queue with a non-blocking send. A sink whose queue is full
//! misses the event, and the miss is counted ([`Pipeline::stats`], and the
//! `agentobs.pipeline.dropped` counter an OTLP sink exports). Each sink runs on a thread of
//! its own, which calls [`Sink::flush`] when its queue has been idle for the flush interval
//! and when asked ([`Pipeline::flush`]), and [`Sink::close`] at [`Pipeline::shutdown`].
//!
//! ```
//! use std::time::Duration;
//! use agentobs_export::pipeline::{MemorySink, Pipeline};
//! use agentobs_schema::*;
//! use std::sync::Arc;
//!
//! let memory = MemorySink::new();
//! let pipeline = Pipeline::builder().sink("memory", memory.clone()).build();
//! let ctx = Arc::new(SessionContext::new(Harness::Codex));
//! pipeline.emit(Event::new(Timestamp::default(), ctx, EventKind::Compaction(Compaction::default())));
//! let report = pipeline.shutdown(Duration::from_secs(5));
//! assert!(report.complete());
//! assert_eq!(memory.events().len(), 1);
//! ```

use std::fmt;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use agentobs_schema::{Collect, Event, EventSink, SourceEnd, Warning};

/// Default capacity of each sink's queue, in messages.
pub const DEFAULT_QUEUE_CAPACITY: usize = 8192;
/// Default idle time after which a sink's thread flushes what it buffers.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// A consumer that runs behind a [`Pipeline`] queue: an [`EventSink`] that can also flush
/// and close. Both default to doing nothing.
pub trait Sink: EventSink + Send + 'static {
    /// Delivers what is buffered. Errors are reported here and the sink goes on.
    fn flush(&mut self) -> Result<(), String> {
        Ok(())
    }

    /// Delivers the rest and releases what the sink holds; called once, last.
    fn close(&mut self) -> SinkSummary {
        SinkSummary {
            error: self.flush().err(),
            ..SinkSummary::default()
        }
    }

    /// Told, before each flush, how many events this sink's queue has dropped so far.
    fn dropped(&mut self, total: u64) {
        let _ = total;
    }
}

impl<S: Sink + ?Sized> Sink for Box<S> {
    fn flush(&mut self) -> Result<(), String> {
        (**self).flush()
    }
    fn close(&mut self) -> SinkSummary {
        (**self).close()
    }
    fn dropped(&mut self, total: u64) {
        (**self).dropped(total)
    }
}

/// What a sink says it delivered when closed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkSummary {
    /// Items delivered (spans, log records, metric points, lines), when the sink counts them.
    pub delivered: u64,
    /// Items that could not be delivered.
    pub failed: u64,
    /// The first delivery error.
    pub error: Option<String>,
}

impl SinkSummary {
    /// A summary with these counts and error.
    pub fn new(delivered: u64, failed: u64, error: Option<String>) -> Self {
        SinkSummary {
            delivered,
            failed,
            error,
        }
    }
}

enum Msg {
    Event(Arc<Event>),
    Deferred(Arc<Deferred>),
    Warning(Box<Warning>),
    End(Box<SourceEnd>),
    Flush(mpsc::Sender<()>),
    Shutdown,
}

/// The work of building an event, left to a sink's thread.
type Build = Box<dyn FnOnce() -> Option<Event> + Send>;

/// An event built where it is first needed, once for all sinks: see
/// [`Pipeline::emit_deferred`].
struct Deferred {
    build: Mutex<Option<Build>>,
    event: OnceLock<Option<Event>>,
}

impl Deferred {
    /// The event, built by the first sink thread that asks (`None`: there was none to build,
    /// or building it panicked).
    fn get(&self) -> Option<&Event> {
        self.event
            .get_or_init(|| {
                let build = self.build.lock().ok().and_then(|mut b| b.take())?;
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(build))
                    .ok()
                    .flatten()
            })
            .as_ref()
    }
}

/// Hands `msg`'s event to `sink`, catching a panic: `None` when the message holds no event.
fn feed(sink: &mut dyn Sink, msg: &Msg) -> Option<std::thread::Result<ControlFlow<()>>> {
    let event = match msg {
        Msg::Event(e) => &**e,
        Msg::Deferred(d) => match d.get() {
            Some(e) => e,
            None => return Some(Ok(ControlFlow::Continue(()))),
        },
        _ => return None,
    };
    Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || sink.event(event),
    )))
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    dropped: AtomicU64,
    processed: AtomicU64,
    flush_errors: AtomicU64,
}

/// One sink's counters: see [`Pipeline::stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkStats {
    /// The name the sink was added with.
    pub name: String,
    /// Events put on the queue.
    pub accepted: u64,
    /// Events dropped because the queue was full (or the sink's thread had ended).
    pub dropped: u64,
    /// Events the sink has taken.
    pub processed: u64,
    /// Flushes that reported an error.
    pub flush_errors: u64,
}

impl SinkStats {
    /// Events accepted but not yet taken by the sink.
    pub fn queued(&self) -> u64 {
        self.accepted.saturating_sub(self.processed)
    }
}

/// Every sink's counters, in the order the sinks were added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipelineStats {
    /// Per sink.
    pub sinks: Vec<SinkStats>,
}

impl PipelineStats {
    /// Events dropped, over all sinks.
    pub fn dropped(&self) -> u64 {
        self.sinks.iter().map(|s| s.dropped).sum()
    }
}

/// How [`Pipeline::shutdown`] went, per sink.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// The counters at the end.
    pub stats: PipelineStats,
    /// Per sink, in order: its summary, or `None` when it did not finish by the deadline
    /// (its thread is left to end on its own; what it had queued is lost).
    pub summaries: Vec<(String, Option<SinkSummary>)>,
}

impl ShutdownReport {
    /// True when every sink closed in time with no error, and nothing was dropped.
    pub fn complete(&self) -> bool {
        self.stats.dropped() == 0
            && self.summaries.iter().all(|(_, s)| {
                s.as_ref()
                    .is_some_and(|s| s.error.is_none() && s.failed == 0)
            })
    }

    /// The sinks that missed the deadline.
    pub fn timed_out(&self) -> impl Iterator<Item = &str> {
        self.summaries
            .iter()
            .filter(|(_, s)| s.is_none())
            .map(|(n, _)| n.as_str())
    }
}

struct Lane {
    name: String,
    tx: Option<SyncSender<Msg>>,
    /// Set by shutdown: later events are dropped and counted.
    closed: AtomicBool,
    counters: Arc<Counters>,
    done: Mutex<Receiver<SinkSummary>>,
    abort: Arc<AtomicBool>,
}

/// Builds a [`Pipeline`]. Defaults: queues of [`DEFAULT_QUEUE_CAPACITY`] messages, a flush
/// after [`DEFAULT_FLUSH_INTERVAL`] of idle queue, no sinks.
pub struct PipelineBuilder {
    capacity: usize,
    flush_interval: Duration,
    sinks: Vec<(String, Box<dyn Sink>)>,
}

impl fmt::Debug for PipelineBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineBuilder")
            .field("capacity", &self.capacity)
            .field("flush_interval", &self.flush_interval)
            .field(
                "sinks",
                &self
                    .sinks
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl PipelineBuilder {
    /// Adds a sink under `name` (used in stats and reports).
    pub fn sink(mut self, name: impl Into<String>, sink: impl Sink) -> Self {
        self.sinks.push((name.into(), Box::new(sink)));
        self
    }

    /// Adds an already boxed sink.
    pub fn boxed_sink(mut self, name: impl Into<String>, sink: Box<dyn Sink>) -> Self {
        self.sinks.push((name.into(), sink));
        self
    }

    /// Capacity of each sink's queue, in messages (at least 1).
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Idle time after which a sink's thread flushes.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval.max(Duration::from_millis(1));
        self
    }

    /// Starts one thread per sink.
    pub fn build(self) -> Pipeline {
        let lanes = self
            .sinks
            .into_iter()
            .map(|(name, sink)| start(name, sink, self.capacity, self.flush_interval))
            .collect();
        Pipeline { lanes }
    }
}

fn start(name: String, mut sink: Box<dyn Sink>, capacity: usize, every: Duration) -> Lane {
    let (tx, rx) = mpsc::sync_channel::<Msg>(capacity);
    let (done_tx, done) = mpsc::channel();
    let counters = Arc::new(Counters::default());
    let abort = Arc::new(AtomicBool::new(false));
    let (c, a) = (counters.clone(), abort.clone());
    let spawned = thread::Builder::new()
        .name(format!("agentobs-sink-{name}"))
        .spawn(move || {
            let summary = run(&mut *sink, &rx, &c, &a, every);
            let _ = done_tx.send(summary);
        });
    let tx = match spawned {
        Ok(_) => Some(tx),
        // No thread: every event is dropped and counted; shutdown reports it as timed out.
        Err(_) => None,
    };
    Lane {
        name,
        tx,
        closed: AtomicBool::new(false),
        counters,
        done: Mutex::new(done),
        abort,
    }
}

/// While messages keep coming, a sink's thread takes what has queued up every `BUSY_PAUSE`
/// instead of waiting on the queue, so an emitter never pays for waking it (a wake-up per
/// event cost the emitting thread more than the event itself)...
const BUSY_PAUSE: Duration = Duration::from_millis(1);
/// ... and it waits on the queue again after this long without a message (an idle pipeline
/// costs no wake-ups).
const BUSY_WINDOW: Duration = Duration::from_millis(20);

/// The next message: polled while busy (see [`BUSY_PAUSE`]), waited for otherwise.
fn next(
    rx: &Receiver<Msg>,
    every: Duration,
    busy: &mut Option<Instant>,
) -> Result<Msg, RecvTimeoutError> {
    if let Some(last) = *busy {
        loop {
            match rx.try_recv() {
                Ok(m) => {
                    *busy = Some(Instant::now());
                    return Ok(m);
                }
                Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) if last.elapsed() < BUSY_WINDOW => {
                    thread::sleep(BUSY_PAUSE)
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        *busy = None;
    }
    let m = rx.recv_timeout(every)?;
    *busy = Some(Instant::now());
    Ok(m)
}

/// A sink's thread: takes messages until every sender is gone, flushing when idle.
fn run(
    sink: &mut dyn Sink,
    rx: &Receiver<Msg>,
    counters: &Counters,
    abort: &AtomicBool,
    every: Duration,
) -> SinkSummary {
    let mut dirty = false;
    let mut busy = None;
    let flush = |sink: &mut dyn Sink| {
        sink.dropped(counters.dropped.load(Ordering::Relaxed));
        if sink.flush().is_err() {
            counters.flush_errors.fetch_add(1, Ordering::Relaxed);
        }
    };
    loop {
        if abort.load(Ordering::Relaxed) {
            // Past the shutdown deadline: what is still queued is dropped and counted.
            let mut lost = 0;
            while let Ok(m) = rx.try_recv() {
                lost += u64::from(matches!(m, Msg::Event(_) | Msg::Deferred(_)));
            }
            counters.dropped.fetch_add(lost, Ordering::Relaxed);
            break;
        }
        match next(rx, every, &mut busy) {
            Ok(m @ (Msg::Event(_) | Msg::Deferred(_))) => {
                // A panicking sink must not take the pipeline down: the event is lost, the
                // sink goes on with the next one.
                let r = feed(sink, &m);
                counters.processed.fetch_add(1, Ordering::Relaxed);
                dirty = true;
                if !matches!(r, Some(Ok(ControlFlow::Continue(())))) {
                    // The sink asked to stop (or panicked): keep draining so emitters never
                    // block, but stop feeding it.
                    drain(rx, counters);
                    break;
                }
            }
            Ok(Msg::Warning(w)) => sink.warning(&w),
            Ok(Msg::End(end)) => {
                sink.end(&end);
                dirty = true;
            }
            Ok(Msg::Flush(ack)) => {
                flush(sink);
                dirty = false;
                let _ = ack.send(());
            }
            Ok(Msg::Shutdown) => {
                // Take what is queued, then close.
                while let Ok(m) = rx.try_recv() {
                    if abort.load(Ordering::Relaxed) {
                        break;
                    }
                    match m {
                        Msg::Event(_) | Msg::Deferred(_) => {
                            let r = feed(sink, &m);
                            counters.processed.fetch_add(1, Ordering::Relaxed);
                            if !matches!(r, Some(Ok(ControlFlow::Continue(())))) {
                                break;
                            }
                        }
                        Msg::Warning(w) => sink.warning(&w),
                        Msg::End(end) => sink.end(&end),
                        Msg::Flush(ack) => {
                            let _ = ack.send(());
                        }
                        Msg::Shutdown => {}
                    }
                }
                break;
            }
            Err(RecvTimeoutError::Timeout) => {
                if dirty {
                    flush(sink);
                    dirty = false;
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    sink.dropped(counters.dropped.load(Ordering::Relaxed));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink.close()))
        .unwrap_or_else(|_| SinkSummary::new(0, 0, Some("the sink panicked while closing".into())))
}

/// Takes the rest of the queue without feeding anyone, until shutdown.
fn drain(rx: &Receiver<Msg>, counters: &Counters) {
    while let Ok(m) = rx.recv() {
        match m {
            Msg::Shutdown => break,
            Msg::Event(_) | Msg::Deferred(_) => {
                counters.processed.fetch_add(1, Ordering::Relaxed);
            }
            Msg::Flush(ack) => {
                let _ = ack.send(());
            }
            _ => {}
        }
    }
}

/// One event stream fanned out to sinks, each behind a bounded queue on its own thread.
///
/// `Pipeline` is `Sync`: share it (`Arc<Pipeline>`) between emitting threads. It is also an
/// [`EventSink`], so a source (the rollout reader) can feed it directly.
pub struct Pipeline {
    lanes: Vec<Lane>,
}

const _: () = {
    const fn sync<T: Send + Sync>() {}
    sync::<Pipeline>();
};

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Pipeline {
    /// A builder with the documented defaults.
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder {
            capacity: DEFAULT_QUEUE_CAPACITY,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            sinks: Vec::new(),
        }
    }

    /// Puts `event` on every sink's queue without waiting; a full queue drops it and counts.
    pub fn emit(&self, event: Event) {
        self.emit_shared(Arc::new(event));
    }

    /// [`emit`](Self::emit) for an event already shared.
    pub fn emit_shared(&self, event: Arc<Event>) {
        for lane in &self.lanes {
            send(lane, Msg::Event(event.clone()), true);
        }
    }

    /// Puts the *work* of building an event on every sink's queue, without waiting: `build`
    /// runs once, on the thread of the first sink that takes it, and every sink gets what it
    /// built (`None`: nothing is delivered). For emitters whose own thread must stay cheap
    /// — the `tracing` layer copies an event's fields and leaves the decoding to this.
    /// A full queue drops and counts as [`emit`](Self::emit) does; a panic in `build` loses
    /// that event only.
    pub fn emit_deferred(&self, build: impl FnOnce() -> Option<Event> + Send + 'static) {
        let deferred = Arc::new(Deferred {
            build: Mutex::new(Some(Box::new(build))),
            event: OnceLock::new(),
        });
        for lane in &self.lanes {
            send(lane, Msg::Deferred(deferred.clone()), true);
        }
    }

    /// Passes a reading problem on to every sink (dropped, uncounted, when a queue is full).
    pub fn warn(&self, warning: &Warning) {
        for lane in &self.lanes {
            send(lane, Msg::Warning(Box::new(warning.clone())), false);
        }
    }

    /// Tells every sink that a source ended (a session's file, a harness session).
    pub fn end_source(&self, end: &SourceEnd) {
        for lane in &self.lanes {
            send(lane, Msg::End(Box::new(end.clone())), false);
        }
    }

    /// Asks every sink to flush and waits, at most `timeout` in all, for them to have done
    /// so. True when all did in time.
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let acks: Vec<_> = self
            .lanes
            .iter()
            .map(|lane| {
                let (ack, rx) = mpsc::channel();
                let sent = lane.tx.as_ref().is_some_and(|tx| {
                    let mut msg = Msg::Flush(ack);
                    // The flush request waits for room, within the deadline.
                    loop {
                        match tx.try_send(msg) {
                            Ok(()) => return true,
                            Err(TrySendError::Disconnected(_)) => return false,
                            Err(TrySendError::Full(m)) if Instant::now() < deadline => {
                                msg = m;
                                thread::sleep(Duration::from_millis(1));
                            }
                            Err(TrySendError::Full(_)) => return false,
                        }
                    }
                });
                (sent, rx)
            })
            .collect();
        acks.into_iter().all(|(sent, rx)| {
            sent && rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .is_ok()
        })
    }

    /// Every sink's counters now.
    pub fn stats(&self) -> PipelineStats {
        PipelineStats {
            sinks: self
                .lanes
                .iter()
                .map(|l| SinkStats {
                    name: l.name.clone(),
                    accepted: l.counters.accepted.load(Ordering::Relaxed),
                    dropped: l.counters.dropped.load(Ordering::Relaxed),
                    processed: l.counters.processed.load(Ordering::Relaxed),
                    flush_errors: l.counters.flush_errors.load(Ordering::Relaxed),
                })
                .collect(),
        }
    }

    /// Closes the queues, lets every sink take what is queued, flush and close, and waits at
    /// most `deadline` in all. A sink still busy at the deadline is told to drop the rest
    /// (counted) and is reported as timed out; its thread ends on its own. Events emitted
    /// after this are dropped and counted. A second call reports no summaries.
    pub fn shutdown(&self, deadline: Duration) -> ShutdownReport {
        let until = Instant::now() + deadline;
        let mut asked = Vec::with_capacity(self.lanes.len());
        for lane in &self.lanes {
            let first = !lane.closed.swap(true, Ordering::SeqCst);
            let sent = first
                && lane.tx.as_ref().is_some_and(|tx| {
                    loop {
                        match tx.try_send(Msg::Shutdown) {
                            Ok(()) => return true,
                            Err(TrySendError::Disconnected(_)) => return false,
                            // A full queue: wait for room, within the deadline.
                            Err(TrySendError::Full(_)) if Instant::now() < until => {
                                thread::sleep(Duration::from_millis(1));
                            }
                            Err(TrySendError::Full(_)) => return false,
                        }
                    }
                });
            if first && !sent {
                lane.abort.store(true, Ordering::Relaxed);
            }
            asked.push(first);
        }
        let mut summaries = Vec::with_capacity(self.lanes.len());
        for (lane, first) in self.lanes.iter().zip(asked) {
            if !first {
                continue;
            }
            let left = until.saturating_duration_since(Instant::now());
            let summary = lane
                .done
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .recv_timeout(left)
                .ok();
            if summary.is_none() {
                lane.abort.store(true, Ordering::Relaxed);
            }
            summaries.push((lane.name.clone(), summary));
        }
        ShutdownReport {
            stats: self.stats(),
            summaries,
        }
    }
}

impl Drop for Pipeline {
    /// Dropping a pipeline without [`shutdown`](Pipeline::shutdown) still lets each sink
    /// take what is queued and close, on its own thread, without waiting for it.
    fn drop(&mut self) {
        for lane in &self.lanes {
            if !lane.closed.swap(true, Ordering::SeqCst)
                && let Some(tx) = &lane.tx
            {
                let _ = tx.try_send(Msg::Shutdown);
            }
        }
    }
}

fn send(lane: &Lane, msg: Msg, count: bool) {
    let tx = match &lane.tx {
        Some(tx) if !lane.closed.load(Ordering::Relaxed) => Some(tx),
        _ => None,
    };
    let Some(tx) = tx else {
        if count {
            lane.counters.dropped.fetch_add(1, Ordering::Relaxed);
        }
        return;
    };
    match tx.try_send(msg) {
        Ok(()) => {
            if count {
                lane.counters.accepted.fetch_add(1, Ordering::Relaxed);
            }
        }
        Err(_) => {
            if count {
                lane.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl EventSink for Pipeline {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.emit(event.clone());
        ControlFlow::Continue(())
    }
    fn warning(&mut self, warning: &Warning) {
        self.warn(warning);
    }
    fn end(&mut self, end: &SourceEnd) {
        self.end_source(end);
    }
}

impl EventSink for &Pipeline {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.emit(event.clone());
        ControlFlow::Continue(())
    }
    fn warning(&mut self, warning: &Warning) {
        self.warn(warning);
    }
    fn end(&mut self, end: &SourceEnd) {
        self.end_source(end);
    }
}

/// A sink that keeps everything in memory, readable from any thread while the pipeline runs.
/// Clones share the same store.
#[derive(Clone, Debug, Default)]
pub struct MemorySink {
    store: Arc<Mutex<Collect>>,
}

impl MemorySink {
    /// An empty store.
    pub fn new() -> Self {
        MemorySink::default()
    }

    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.lock().events.clone()
    }

    /// The warnings so far.
    pub fn warnings(&self) -> Vec<Warning> {
        self.lock().warnings.clone()
    }

    /// The sources ended so far.
    pub fn ends(&self) -> Vec<SourceEnd> {
        self.lock().ends.clone()
    }

    /// Everything, taken out of the store.
    pub fn take(&self) -> Collect {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Collect> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl EventSink for MemorySink {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.lock().events.push(event.clone());
        ControlFlow::Continue(())
    }
    fn warning(&mut self, warning: &Warning) {
        self.lock().warnings.push(warning.clone());
    }
    fn end(&mut self, end: &SourceEnd) {
        self.lock().ends.push(end.clone());
    }
}

impl Sink for MemorySink {
    fn close(&mut self) -> SinkSummary {
        SinkSummary::new(self.lock().events.len() as u64, 0, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::{Compaction, EventKind, Harness, SessionContext, Timestamp};

    fn ev(ms: i64) -> Event {
        let ctx = Arc::new(SessionContext::new(Harness::Codex));
        Event::new(
            Timestamp::from_unix_millis(ms),
            ctx,
            EventKind::Compaction(Compaction::default()),
        )
    }

    #[test]
    fn a_deferred_event_is_built_once_for_every_sink_and_a_panic_loses_only_it() {
        let (a, b) = (MemorySink::new(), MemorySink::new());
        let p = Pipeline::builder()
            .sink("a", a.clone())
            .sink("b", b.clone())
            .build();
        let builds = Arc::new(AtomicU64::new(0));
        let n = builds.clone();
        p.emit_deferred(move || {
            n.fetch_add(1, Ordering::Relaxed);
            Some(ev(1))
        });
        p.emit_deferred(|| panic!("a decoder bug"));
        p.emit_deferred(|| None);
        p.emit(ev(2));
        assert!(p.shutdown(Duration::from_secs(5)).complete());
        assert_eq!(builds.load(Ordering::Relaxed), 1);
        for sink in [a, b] {
            let at: Vec<i64> = sink.events().iter().map(|e| e.at.unix_millis()).collect();
            assert_eq!(at, [1, 2]);
        }
        assert_eq!(p.stats().sinks[0].accepted, 4);
    }

    /// Blocks on every event until the gate opens.
    struct Gated {
        gate: Arc<(Mutex<bool>, std::sync::Condvar)>,
        seen: Arc<AtomicU64>,
    }

    impl EventSink for Gated {
        fn event(&mut self, _: &Event) -> ControlFlow<()> {
            let (m, cv) = &*self.gate;
            let mut open = m.lock().unwrap();
            while !*open {
                open = cv.wait(open).unwrap();
            }
            self.seen.fetch_add(1, Ordering::Relaxed);
            ControlFlow::Continue(())
        }
    }
    impl Sink for Gated {}

    #[test]
    fn a_stuck_sink_drops_and_counts_and_never_blocks_the_emitter() {
        let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let seen = Arc::new(AtomicU64::new(0));
        let memory = MemorySink::new();
        let p = Pipeline::builder()
            .queue_capacity(4)
            .sink(
                "stuck",
                Gated {
                    gate: gate.clone(),
                    seen: seen.clone(),
                },
            )
            .sink("memory", memory.clone())
            .build();
        let t = Instant::now();
        for i in 0..1000 {
            p.emit(ev(i));
        }
        // 1000 sends never wait for the stuck sink.
        assert!(t.elapsed() < Duration::from_secs(5));
        let st = p.stats();
        let stuck = &st.sinks[0];
        assert_eq!(stuck.accepted + stuck.dropped, 1000);
        // At most the queue plus the one event the sink holds.
        assert!(stuck.accepted <= 5, "{stuck:?}");
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        let report = p.shutdown(Duration::from_secs(10));
        assert!(!report.complete());
        assert_eq!(seen.load(Ordering::Relaxed), stuck.accepted);
        // The memory sink, with room to spare... got what its own queue accepted.
        let mem = &report.stats.sinks[1];
        assert_eq!(memory.events().len() as u64, mem.accepted);
        assert_eq!(mem.accepted + mem.dropped, 1000);
    }

    #[test]
    fn shutdown_delivers_everything_queued_in_order() {
        let memory = MemorySink::new();
        let p = Pipeline::builder()
            .queue_capacity(10_000)
            .sink("memory", memory.clone())
            .build();
        for i in 0..5000 {
            p.emit(ev(i));
        }
        let report = p.shutdown(Duration::from_secs(10));
        assert!(report.complete(), "{report:?}");
        let got = memory.events();
        assert_eq!(got.len(), 5000);
        assert!(got.windows(2).all(|w| w[0].at < w[1].at));
        assert_eq!(report.summaries[0].1.as_ref().unwrap().delivered, 5000);
    }

    #[test]
    fn a_sink_past_the_deadline_is_reported_and_the_rest_counted_as_dropped() {
        let gate = Arc::new((Mutex::new(false), std::sync::Condvar::new()));
        let seen = Arc::new(AtomicU64::new(0));
        let p = Pipeline::builder()
            .queue_capacity(100)
            .sink(
                "stuck",
                Gated {
                    gate: gate.clone(),
                    seen,
                },
            )
            .build();
        for i in 0..50 {
            p.emit(ev(i));
        }
        let t = Instant::now();
        let report = p.shutdown(Duration::from_millis(200));
        assert!(t.elapsed() < Duration::from_secs(2));
        assert_eq!(report.timed_out().collect::<Vec<_>>(), ["stuck"]);
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
    }

    struct Panicky(u32);
    impl EventSink for Panicky {
        fn event(&mut self, _: &Event) -> ControlFlow<()> {
            self.0 += 1;
            assert!(self.0 < 3, "boom");
            ControlFlow::Continue(())
        }
    }
    impl Sink for Panicky {}

    #[test]
    fn a_panicking_sink_costs_only_itself() {
        let memory = MemorySink::new();
        let p = Pipeline::builder()
            .sink("panicky", Panicky(0))
            .sink("memory", memory.clone())
            .build();
        for i in 0..100 {
            p.emit(ev(i));
        }
        let report = p.shutdown(Duration::from_secs(10));
        assert_eq!(memory.events().len(), 100);
        assert!(report.summaries[0].1.is_some());
    }

    #[test]
    fn flush_waits_for_the_sinks() {
        let memory = MemorySink::new();
        let p = Pipeline::builder()
            .flush_interval(Duration::from_secs(3600))
            .sink("memory", memory.clone())
            .build();
        for i in 0..10 {
            p.emit(ev(i));
        }
        assert!(p.flush(Duration::from_secs(10)));
        assert_eq!(memory.events().len(), 10);
        assert_eq!(p.stats().sinks[0].queued(), 0);
    }
}
