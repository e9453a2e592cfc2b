//! Buffering records per signal, for the sinks that send them in batches.

use agentobs_semconv::{LogRecord, MetricPoint, SpanRecord};

/// Where full batches go.
pub(crate) trait Deliver {
    /// A batch of spans.
    fn spans(&mut self, spans: &[SpanRecord]);
    /// A batch of log records.
    fn logs(&mut self, logs: &[LogRecord]);
    /// A batch of metric points.
    fn metrics(&mut self, points: &[MetricPoint]);
}

/// Records per signal, delivered when `size` accumulate and at `flush`.
#[derive(Debug)]
pub(crate) struct Batches {
    pub(crate) size: usize,
    spans: Vec<SpanRecord>,
    logs: Vec<LogRecord>,
    metrics: Vec<MetricPoint>,
}

impl Batches {
    pub(crate) fn new(size: usize) -> Self {
        Batches {
            size: size.max(1),
            spans: Vec::new(),
            logs: Vec::new(),
            metrics: Vec::new(),
        }
    }

    pub(crate) fn span(&mut self, span: SpanRecord, to: &mut impl Deliver) {
        self.spans.push(span);
        if self.spans.len() >= self.size {
            to.spans(&self.spans);
            self.spans.clear();
        }
    }

    pub(crate) fn log(&mut self, log: LogRecord, to: &mut impl Deliver) {
        self.logs.push(log);
        if self.logs.len() >= self.size {
            to.logs(&self.logs);
            self.logs.clear();
        }
    }

    pub(crate) fn metric(&mut self, point: MetricPoint, to: &mut impl Deliver) {
        self.metrics.push(point);
        if self.metrics.len() >= self.size {
            to.metrics(&self.metrics);
            self.metrics.clear();
        }
    }

    /// Delivers every non-empty buffer.
    pub(crate) fn flush(&mut self, to: &mut impl Deliver) {
        if !self.spans.is_empty() {
            to.spans(&self.spans);
            self.spans.clear();
        }
        if !self.logs.is_empty() {
            to.logs(&self.logs);
            self.logs.clear();
        }
        if !self.metrics.is_empty() {
            to.metrics(&self.metrics);
            self.metrics.clear();
        }
    }
}
