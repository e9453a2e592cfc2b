//! OTLP-JSON lines: the OpenTelemetry Collector file exporter's format.

use std::io::{self, Write};

use agentobs_semconv::{LogRecord, MetricPoint, SignalSink, SpanRecord};

use crate::otlp;

/// Records per signal buffered before a line is written. Default 512.
pub const DEFAULT_BATCH: usize = 512;

/// Writes records as OTLP-JSON, one `ExportTraceServiceRequest`, `ExportLogsServiceRequest`
/// or `ExportMetricsServiceRequest` per line, each grouped by resource (the Collector's
/// `file` exporter format, readable by its `otlpjsonfile` receiver).
///
/// A [`SignalSink`]: records are buffered per signal and written when a batch fills, and at
/// [`finish`](Self::finish). Write errors are kept; the first one is returned by `finish`
/// (a sink cannot fail mid-stream).
///
/// ```
/// use agentobs_export::OtlpJsonWriter;
/// let mut out = Vec::new();
/// let writer = OtlpJsonWriter::new(&mut out);
/// let stats = writer.finish().unwrap();
/// assert_eq!(stats.lines, 0);
/// ```
#[derive(Debug)]
pub struct OtlpJsonWriter<W: Write> {
    out: W,
    batch: usize,
    spans: Vec<SpanRecord>,
    logs: Vec<LogRecord>,
    metrics: Vec<MetricPoint>,
    error: Option<io::Error>,
    stats: WriteStats,
    line: Vec<u8>,
}

/// What an [`OtlpJsonWriter`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteStats {
    /// Lines written.
    pub lines: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Spans written.
    pub spans: u64,
    /// Log records written.
    pub logs: u64,
    /// Metric points written.
    pub metric_points: u64,
}

impl<W: Write> OtlpJsonWriter<W> {
    /// A writer to `out` with batches of [`DEFAULT_BATCH`].
    pub fn new(out: W) -> Self {
        OtlpJsonWriter {
            out,
            batch: DEFAULT_BATCH,
            spans: Vec::new(),
            logs: Vec::new(),
            metrics: Vec::new(),
            error: None,
            stats: WriteStats::default(),
            line: Vec::new(),
        }
    }

    /// Sets the records per line (at least 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Writes everything buffered.
    pub fn flush(&mut self) {
        self.flush_spans();
        self.flush_logs();
        self.flush_metrics();
        if self.error.is_none()
            && let Err(e) = self.out.flush()
        {
            self.error = Some(e);
        }
    }

    /// Writes everything buffered and returns what was written, or the first write error.
    pub fn finish(mut self) -> io::Result<WriteStats> {
        self.flush();
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(self.stats),
        }
    }

    fn write_line<T: serde::Serialize>(&mut self, request: &T) {
        if self.error.is_some() {
            return;
        }
        self.line.clear();
        if let Err(e) = serde_json::to_writer(&mut self.line, request) {
            self.error = Some(io::Error::other(e));
            return;
        }
        self.line.push(b'\n');
        match self.out.write_all(&self.line) {
            Ok(()) => {
                self.stats.lines += 1;
                self.stats.bytes += self.line.len() as u64;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn flush_spans(&mut self) {
        if self.spans.is_empty() {
            return;
        }
        let request = otlp::trace_request(&self.spans);
        self.stats.spans += self.spans.len() as u64;
        self.spans.clear();
        self.write_line(&request);
    }

    fn flush_logs(&mut self) {
        if self.logs.is_empty() {
            return;
        }
        let request = otlp::logs_request(&self.logs);
        self.stats.logs += self.logs.len() as u64;
        self.logs.clear();
        self.write_line(&request);
    }

    fn flush_metrics(&mut self) {
        if self.metrics.is_empty() {
            return;
        }
        let request = otlp::metrics_request(&self.metrics);
        self.stats.metric_points += self.metrics.len() as u64;
        self.metrics.clear();
        self.write_line(&request);
    }
}

impl<W: Write> SignalSink for OtlpJsonWriter<W> {
    fn span(&mut self, span: SpanRecord) {
        self.spans.push(span);
        if self.spans.len() >= self.batch {
            self.flush_spans();
        }
    }

    fn log(&mut self, log: LogRecord) {
        self.logs.push(log);
        if self.logs.len() >= self.batch {
            self.flush_logs();
        }
    }

    fn metric(&mut self, point: MetricPoint) {
        self.metrics.push(point);
        if self.metrics.len() >= self.batch {
            self.flush_metrics();
        }
    }
}
