//! Where decoded events and warnings go, with the counts of a [`DecodeSummary`] and the place
//! of each record in its request.

use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;

use agentobs_schema::{Event, EventSink, Warning, WarningKind};

use super::DecodeSummary;

/// The sink of one call, and what was counted.
pub(super) struct Out<'s> {
    sink: &'s mut dyn EventSink,
    pub(super) summary: DecodeSummary,
    stopped: bool,
    signal: &'static str,
}

impl<'s> Out<'s> {
    pub(super) fn new(sink: &'s mut dyn EventSink, signal: &'static str) -> Self {
        Out {
            sink,
            summary: DecodeSummary::default(),
            stopped: false,
            signal,
        }
    }

    /// True once the sink asked to stop.
    pub(super) fn stopped(&self) -> bool {
        self.stopped
    }

    pub(super) fn record(&mut self) {
        self.summary.records = self.summary.records.saturating_add(1);
    }

    pub(super) fn skip(&mut self) {
        self.summary.skipped = self.summary.skipped.saturating_add(1);
    }

    pub(super) fn event(&mut self, event: Event) {
        if self.stopped {
            return;
        }
        self.summary.events = self.summary.events.saturating_add(1);
        if let ControlFlow::Break(()) = self.sink.event(&event) {
            self.stopped = true;
        }
    }

    /// A record that could not be decoded: a warning naming where it is and why.
    pub(super) fn bad(&mut self, at: &impl fmt::Display, why: impl fmt::Display) {
        self.summary.bad = self.summary.bad.saturating_add(1);
        self.sink.warning(&Warning {
            path: Arc::from(format!("otlp/{}", self.signal)),
            line: 0,
            kind: WarningKind::BadValue,
            message: format!("{at}: {why}"),
        });
    }
}

/// Where a record is in its request.
#[derive(Clone, Copy, Debug)]
pub(super) struct Loc<'a> {
    /// What a record is (`log record`, `span`, `data point`).
    pub(super) what: &'static str,
    pub(super) resource: usize,
    pub(super) scope: usize,
    pub(super) scope_name: &'a str,
    pub(super) record: usize,
    /// The metric or span name, when there is one.
    pub(super) name: Option<&'a str>,
    /// The index of a part of the record (a span's event, a metric's data point).
    pub(super) event: Option<usize>,
    /// What that part is (`event`, `data point`).
    pub(super) part: &'static str,
}

impl fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resource {}, scope {}", self.resource, self.scope)?;
        if !self.scope_name.is_empty() {
            write!(f, " ({})", self.scope_name)?;
        }
        write!(f, ", {} {}", self.what, self.record)?;
        if let Some(n) = self.name {
            write!(f, " ({n})")?;
        }
        if let Some(e) = self.event {
            write!(f, ", {} {e}", self.part)?;
        }
        Ok(())
    }
}
