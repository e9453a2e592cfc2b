//! OTLP-JSON lines: the OpenTelemetry Collector file exporter's format.

use std::io::{self, Write};

use agentobs_semconv::{LogRecord, MetricPoint, SignalSink, SpanRecord};

use crate::batch::{Batches, Deliver};
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
    batches: Batches,
    out: Lines<W>,
}

#[derive(Debug)]
struct Lines<W: Write> {
    out: W,
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
            batches: Batches::new(DEFAULT_BATCH),
            out: Lines {
                out,
                error: None,
                stats: WriteStats::default(),
                line: Vec::new(),
            },
        }
    }

    /// Sets the records per line (at least 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batches.size = batch.max(1);
        self
    }

    /// Writes everything buffered.
    pub fn flush(&mut self) {
        self.batches.flush(&mut self.out);
        if self.out.error.is_none()
            && let Err(e) = self.out.out.flush()
        {
            self.out.error = Some(e);
        }
    }

    /// Writes everything buffered and returns what was written, or the first write error.
    pub fn finish(mut self) -> io::Result<WriteStats> {
        self.flush();
        match self.out.error.take() {
            Some(e) => Err(e),
            None => Ok(self.out.stats),
        }
    }
}

impl<W: Write> Lines<W> {
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
}

impl<W: Write> Deliver for Lines<W> {
    fn spans(&mut self, spans: &[SpanRecord]) {
        self.stats.spans += spans.len() as u64;
        self.write_line(&otlp::trace_request(spans));
    }
    fn logs(&mut self, logs: &[LogRecord]) {
        self.stats.logs += logs.len() as u64;
        self.write_line(&otlp::logs_request(logs));
    }
    fn metrics(&mut self, points: &[MetricPoint]) {
        self.stats.metric_points += points.len() as u64;
        self.write_line(&otlp::metrics_request(points));
    }
}

impl<W: Write> SignalSink for OtlpJsonWriter<W> {
    fn span(&mut self, span: SpanRecord) {
        self.batches.span(span, &mut self.out);
    }
    fn log(&mut self, log: LogRecord) {
        self.batches.log(log, &mut self.out);
    }
    fn metric(&mut self, point: MetricPoint) {
        self.batches.metric(point, &mut self.out);
    }
}
