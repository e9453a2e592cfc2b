//! The [`Sink`]s a [`Pipeline`](crate::pipeline::Pipeline) runs: OTLP through a dialect,
//! JSONL files of events (rotating by size), any writer (stdout), and mapped signals in
//! memory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use agentobs_schema::{Event, EventSink, SourceEnd, Timestamp, Warning};
use agentobs_semconv::dialects::{self, WithResource};
use agentobs_semconv::{
    AttrList, ContentPolicy, Dialect, Instrument, InstrumentationScope, LogRecord, Mapper,
    MetricPoint, PointValue, Pricer, Resource, SignalSink, Signals, SpanRecord, Temporality,
};

use crate::config::ExportConfig;
use crate::http::ExportError;
use crate::pipeline::{Sink, SinkSummary};
use crate::route::Destinations;

/// Name of the counter an [`OtlpSink`] exports with its queue's drops (delta, `{event}`).
pub const DROPPED_METRIC: &str = "agentobs.pipeline.dropped";

/// Events mapped by a dialect and exported as OTLP to the destinations of an
/// [`ExportConfig`]. Buffered records are sent at each flush (the pipeline flushes an idle
/// queue every second by default); open sessions are closed, and their spans sent, at close.
pub struct OtlpSink<D: Dialect> {
    mapper: Option<Mapper<D, Destinations>>,
    dropped_reported: u64,
    name: String,
}

impl<D: Dialect> std::fmt::Debug for OtlpSink<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpSink")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl<D: Dialect> OtlpSink<D> {
    /// Events mapped by `dialect`, sent where `config` says. Content is kept out unless
    /// `content` says otherwise.
    pub fn new(dialect: D, config: &ExportConfig) -> Result<Self, ExportError> {
        let destinations = Destinations::new(config)?;
        Ok(Self::with_destinations(dialect, destinations))
    }

    /// Events mapped by `dialect` into `destinations`.
    pub fn with_destinations(dialect: D, destinations: Destinations) -> Self {
        let name = dialect.name().to_owned();
        OtlpSink {
            mapper: Some(Mapper::new(dialect, destinations)),
            dropped_reported: 0,
            name,
        }
    }

    /// What the mapper may copy of prompts, arguments and outputs (default: nothing).
    pub fn with_content(mut self, content: ContentPolicy) -> Self {
        self.mapper = self.mapper.take().map(|m| m.with_content(content));
        self
    }

    /// Prices each request (`agentobs.cost.*` attributes).
    pub fn with_pricer(mut self, pricer: impl Pricer + 'static) -> Self {
        self.mapper = self.mapper.take().map(|m| m.with_pricer(pricer));
        self
    }
}

/// The dialect an [`ExportConfig`] asks for: one chosen by name, with the configured
/// resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`).
pub type ConfiguredDialect = WithResource<Box<dyn Dialect + Send>>;

impl OtlpSink<ConfiguredDialect> {
    /// The OTLP sink `config` describes, mapping with the dialect named `dialect` (see
    /// [`dialects::by_name`]; `OTEL_SEMCONV_STABILITY_OPT_IN` picks the latest GenAI names),
    /// with the configured resource, and prompts kept when `[otel].log_user_prompt` is on.
    /// `Ok(None)` when no signal has a destination (nothing configured, or
    /// `OTEL_SDK_DISABLED=true`).
    pub fn from_config(config: &ExportConfig, dialect: &str) -> Result<Option<Self>, ExportError> {
        Self::configured(config, dialect, false)
    }

    /// [`from_config`](Self::from_config) with [`Destinations::batched`]: OTLP/HTTP protobuf
    /// spans and log records through this crate's client, all of a flush's resources in one
    /// request — for many sessions at once (a gateway), each its own resource.
    pub fn from_config_batched(
        config: &ExportConfig,
        dialect: &str,
    ) -> Result<Option<Self>, ExportError> {
        Self::configured(config, dialect, true)
    }

    fn configured(
        config: &ExportConfig,
        dialect: &str,
        batched: bool,
    ) -> Result<Option<Self>, ExportError> {
        let opt_in = config.genai_latest.then_some("gen_ai_latest_experimental");
        let inner =
            dialects::by_name(dialect, opt_in).ok_or_else(|| ExportError::UnknownDialect {
                name: dialect.to_owned(),
                known: dialects::NAMES.join(", "),
            })?;
        let destinations = if batched {
            Destinations::batched(config)?
        } else {
            Destinations::new(config)?
        };
        if destinations.is_empty() {
            return Ok(None);
        }
        let dialect = WithResource::new(
            inner,
            config.service_name.clone(),
            config.resource_attributes.clone(),
        );
        let content = ContentPolicy::none().with_prompts(config.log_user_prompt);
        Ok(Some(
            Self::with_destinations(dialect, destinations).with_content(content),
        ))
    }
}

impl<D: Dialect> EventSink for OtlpSink<D> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if let Some(m) = &mut self.mapper {
            let _ = EventSink::event(m, event);
        }
        ControlFlow::Continue(())
    }
    fn end(&mut self, end: &SourceEnd) {
        if let Some(m) = &mut self.mapper {
            EventSink::end(m, end);
        }
    }
}

impl<D: Dialect + Send + 'static> Sink for OtlpSink<D> {
    fn flush(&mut self) -> Result<(), String> {
        match &mut self.mapper {
            Some(m) => m.sink_mut().flush(),
            None => Ok(()),
        }
    }

    fn dropped(&mut self, total: u64) {
        if total <= self.dropped_reported {
            return;
        }
        let delta = total - self.dropped_reported;
        self.dropped_reported = total;
        if let Some(m) = &mut self.mapper {
            let now = Timestamp::now();
            let mut attributes = AttrList::new();
            attributes.set("agentobs.sink", self.name.clone());
            m.sink_mut().metric(MetricPoint {
                resource: Arc::new(Resource::default()),
                scope: Arc::new(InstrumentationScope {
                    name: "agentobs.pipeline".into(),
                    version: Some(env!("CARGO_PKG_VERSION").into()),
                    schema_url: None,
                }),
                name: DROPPED_METRIC.into(),
                unit: "{event}".into(),
                instrument: Instrument::Counter,
                temporality: Temporality::Delta,
                attributes,
                start: now,
                time: now,
                value: PointValue::Sum(delta as f64),
            });
        }
    }

    fn close(&mut self) -> SinkSummary {
        let Some(m) = self.mapper.take() else {
            return SinkSummary::default();
        };
        let (destinations, _) = m.finish();
        let (d, error) = destinations.finish();
        SinkSummary::new(
            d.spans + d.logs + d.metric_points,
            d.failed_spans + d.failed_logs + d.failed_requests,
            error,
        )
    }
}

/// Writes each event as one `agentobs.event/v1` JSON line to a writer (stdout, a pipe, a
/// buffer). Warnings are not written: the stream stays replayable.
#[derive(Debug)]
pub struct JsonlSink<W: Write> {
    out: W,
    lines: u64,
    error: Option<io::Error>,
}

impl<W: Write> JsonlSink<W> {
    /// Lines to `out`.
    pub fn new(out: W) -> Self {
        JsonlSink {
            out,
            lines: 0,
            error: None,
        }
    }

    /// Lines written.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The writer back, flushed.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `event` as one JSON line, newline included.
fn line(event: &Event, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    serde_json::to_writer(&mut *buf, event).map_err(io::Error::other)?;
    buf.push(b'\n');
    Ok(())
}

impl<W: Write> EventSink for JsonlSink<W> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let r = serde_json::to_writer(&mut self.out, event)
            .map_err(io::Error::other)
            .and_then(|()| self.out.write_all(b"\n"));
        match r {
            Ok(()) => {
                self.lines += 1;
                ControlFlow::Continue(())
            }
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

impl<W: Write + Send + 'static> Sink for JsonlSink<W> {
    fn flush(&mut self) -> Result<(), String> {
        self.out.flush().map_err(|e| e.to_string())
    }
    fn close(&mut self) -> SinkSummary {
        let flushed = self.out.flush().err();
        let error = self.error.take().or(flushed).map(|e| e.to_string());
        SinkSummary::new(self.lines, u64::from(error.is_some()), error)
    }
}

/// Events to stdout, one JSON line each.
pub fn stdout() -> JsonlSink<io::Stdout> {
    JsonlSink::new(io::stdout())
}

/// Default size at which a [`JsonlFile`] rotates: 64 MiB.
pub const DEFAULT_ROTATE_BYTES: u64 = 64 << 20;
/// Default number of rotated files a [`JsonlFile`] keeps besides the current one.
pub const DEFAULT_KEEP: usize = 5;

/// A JSONL file of `agentobs.event/v1` events that rotates by size: when the next line would
/// take the file past the limit, `events.jsonl` becomes `events.jsonl.1` (`.1` becomes `.2`,
/// and so on; the oldest beyond `keep` is removed) and a new file starts. A line is never
/// split across files. Appends to an existing file.
#[derive(Debug)]
pub struct JsonlFile {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    file: BufWriter<File>,
    size: u64,
    lines: u64,
    rotations: u64,
    buf: Vec<u8>,
    error: Option<String>,
}

impl JsonlFile {
    /// Opens (or creates) `path` for appending; rotates at [`DEFAULT_ROTATE_BYTES`], keeps
    /// [`DEFAULT_KEEP`] old files.
    pub fn create(path: impl Into<PathBuf>) -> io::Result<Self> {
        let path = path.into();
        let file = open_append(&path)?;
        let size = file.metadata()?.len();
        Ok(JsonlFile {
            path,
            max_bytes: DEFAULT_ROTATE_BYTES,
            keep: DEFAULT_KEEP,
            file: BufWriter::new(file),
            size,
            lines: 0,
            rotations: 0,
            buf: Vec::new(),
            error: None,
        })
    }

    /// Rotate when a file would pass `bytes` (at least one line is always written per file).
    pub fn rotate_at(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes.max(1);
        self
    }

    /// Old files kept besides the current one (0: rotation truncates).
    pub fn keep(mut self, files: usize) -> Self {
        self.keep = files;
        self
    }

    /// Lines written so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Rotations so far.
    pub fn rotations(&self) -> u64 {
        self.rotations
    }

    fn rotated(&self, n: usize) -> PathBuf {
        let mut s = self.path.clone().into_os_string();
        s.push(format!(".{n}"));
        PathBuf::from(s)
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file.flush()?;
        if self.keep == 0 {
            fs::remove_file(&self.path).or_else(ignore_missing)?;
        } else {
            fs::remove_file(self.rotated(self.keep)).or_else(ignore_missing)?;
            for n in (1..self.keep).rev() {
                fs::rename(self.rotated(n), self.rotated(n + 1)).or_else(ignore_missing)?;
            }
            fs::rename(&self.path, self.rotated(1))?;
        }
        self.file = BufWriter::new(open_append(&self.path)?);
        self.size = 0;
        self.rotations += 1;
        Ok(())
    }

    fn write(&mut self, event: &Event) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        let r = line(event, &mut buf).and_then(|()| {
            if self.size > 0 && self.size + buf.len() as u64 > self.max_bytes {
                self.rotate()?;
            }
            self.file.write_all(&buf)?;
            self.size += buf.len() as u64;
            Ok(())
        });
        self.buf = buf;
        r
    }
}

fn ignore_missing(e: io::Error) -> io::Result<()> {
    if e.kind() == io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    OpenOptions::new().create(true).append(true).open(path)
}

impl EventSink for JsonlFile {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        match self.write(event) {
            Ok(()) => self.lines += 1,
            // A failed write (disk full) loses this line; later lines are tried again.
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("{}: {e}", self.path.display()));
            }
        }
        ControlFlow::Continue(())
    }
}

impl Sink for JsonlFile {
    fn flush(&mut self) -> Result<(), String> {
        self.file
            .flush()
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
    fn close(&mut self) -> SinkSummary {
        let flushed = Sink::flush(self).err();
        let error = self.error.take().or(flushed);
        SinkSummary::new(self.lines, 0, error)
    }
}

/// Mapped signals kept in memory, readable while the pipeline runs. Clones share the store.
#[derive(Clone, Debug, Default)]
pub struct SharedSignals(Arc<Mutex<Signals>>);

impl SharedSignals {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of what was captured so far.
    pub fn snapshot(&self) -> Signals {
        self.lock().clone()
    }

    /// What was captured, taken out of the store.
    pub fn take(&self) -> Signals {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Signals> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SignalSink for SharedSignals {
    fn span(&mut self, span: SpanRecord) {
        self.lock().span(span);
    }
    fn log(&mut self, log: LogRecord) {
        self.lock().log(log);
    }
    fn metric(&mut self, point: MetricPoint) {
        self.lock().metric(point);
    }
}

/// Events mapped by a dialect into a [`SharedSignals`] store: the in-memory exporter.
pub struct SignalsSink<D: Dialect> {
    mapper: Option<Mapper<D, SharedSignals>>,
}

impl<D: Dialect> std::fmt::Debug for SignalsSink<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalsSink").finish_non_exhaustive()
    }
}

impl<D: Dialect> SignalsSink<D> {
    /// Events mapped by `dialect` into `store`.
    pub fn new(dialect: D, store: SharedSignals) -> Self {
        SignalsSink {
            mapper: Some(Mapper::new(dialect, store)),
        }
    }

    /// What the mapper may copy of prompts, arguments and outputs (default: nothing).
    pub fn with_content(mut self, content: ContentPolicy) -> Self {
        self.mapper = self.mapper.take().map(|m| m.with_content(content));
        self
    }

    /// Prices each request.
    pub fn with_pricer(mut self, pricer: impl Pricer + 'static) -> Self {
        self.mapper = self.mapper.take().map(|m| m.with_pricer(pricer));
        self
    }
}

impl<D: Dialect> EventSink for SignalsSink<D> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        if let Some(m) = &mut self.mapper {
            let _ = EventSink::event(m, event);
        }
        ControlFlow::Continue(())
    }
    fn end(&mut self, end: &SourceEnd) {
        if let Some(m) = &mut self.mapper {
            EventSink::end(m, end);
        }
    }
    fn warning(&mut self, _: &Warning) {}
}

impl<D: Dialect + Send + 'static> Sink for SignalsSink<D> {
    fn close(&mut self) -> SinkSummary {
        match self.mapper.take() {
            Some(m) => {
                let (_, stats) = m.finish();
                SinkSummary::new(stats.spans + stats.logs + stats.metric_points, 0, None)
            }
            None => SinkSummary::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::{Compaction, EventKind, Harness, SessionContext};

    fn ev(ms: i64) -> Event {
        let ctx = Arc::new(SessionContext::new(Harness::Codex));
        Event::new(
            Timestamp::from_unix_millis(ms),
            ctx,
            EventKind::Compaction(Compaction::default()),
        )
    }

    #[test]
    fn jsonl_file_rotates_at_line_boundaries_and_keeps_n() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ev/events.jsonl");
        let mut one = Vec::new();
        line(&ev(0), &mut one).unwrap();
        let per_line = one.len() as u64;
        let mut f = JsonlFile::create(&path)
            .unwrap()
            .rotate_at(per_line * 3)
            .keep(2);
        for i in 0..10 {
            let _ = f.event(&ev(i));
        }
        let s = Sink::close(&mut f);
        assert_eq!(s, SinkSummary::new(10, 0, None));
        // 10 lines, 3 per file: 4 files made, the oldest removed (keep 2 + current).
        assert_eq!(f.rotations(), 3);
        let read = |p: &Path| fs::read_to_string(p).unwrap();
        let cur = read(&path);
        let one = read(&dir.path().join("ev/events.jsonl.1"));
        let two = read(&dir.path().join("ev/events.jsonl.2"));
        assert!(!dir.path().join("ev/events.jsonl.3").exists());
        assert_eq!(cur.lines().count(), 1);
        assert_eq!(one.lines().count(), 3);
        assert_eq!(two.lines().count(), 3);
        // Every line is a whole event, newest last.
        for l in two.lines().chain(one.lines()).chain(cur.lines()) {
            let e: Event = serde_json::from_str(l).unwrap();
            assert!(e.at.unix_millis() >= 3);
        }
        let last: Event = serde_json::from_str(cur.trim()).unwrap();
        assert_eq!(last.at.unix_millis(), 9);
    }

    #[test]
    fn jsonl_file_appends_to_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        for _ in 0..2 {
            let mut f = JsonlFile::create(&path).unwrap();
            let _ = f.event(&ev(1));
            Sink::close(&mut f);
        }
        assert_eq!(fs::read_to_string(&path).unwrap().lines().count(), 2);
    }

    #[test]
    fn writer_sink_round_trips() {
        let mut s = JsonlSink::new(Vec::new());
        let _ = s.event(&ev(5));
        let out = s.into_inner().unwrap();
        let e: Event = serde_json::from_slice(&out).unwrap();
        assert_eq!(e, ev(5));
    }
}
