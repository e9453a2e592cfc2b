//! [`EventSink`]: the one interface through which every consumer takes the event stream.
//!
//! Sources (the rollout reader, OTLP decoders, the emit API) *feed* a sink; consumers (the
//! cost ledger, anomaly rules, dialect mappers, exporters, test captures) *are* sinks. Each
//! method has a default no-op, so a sink implements only what it needs.
//!
//! ```
//! use std::ops::ControlFlow;
//! use std::sync::Arc;
//! use agentobs_schema::*;
//!
//! /// Counts events and warnings.
//! #[derive(Debug, Default)]
//! struct Counter {
//!     events: u64,
//!     warnings: u64,
//! }
//!
//! impl EventSink for Counter {
//!     fn event(&mut self, _event: &Event) -> ControlFlow<()> {
//!         self.events += 1;
//!         ControlFlow::Continue(())
//!     }
//!     fn warning(&mut self, _warning: &Warning) {
//!         self.warnings += 1;
//!     }
//! }
//!
//! // Two sinks fed as one: each sees everything, in order.
//! let (mut a, mut b) = (Counter::default(), Counter::default());
//! let mut both = (&mut a).and(&mut b);
//! let ctx = Arc::new(SessionContext::new(Harness::Codex));
//! let event = Event::new(Timestamp::default(), ctx, EventKind::Compaction(Compaction::default()));
//! let _ = both.event(&event);
//! both.end(&SourceEnd::new("mem.jsonl"));
//! assert_eq!((a.events, b.events), (1, 1));
//! ```

use std::ops::ControlFlow;
use std::sync::Arc;

use crate::{Event, SessionContext, Warning};

/// The end of one source (a file, a stream): nothing more will come from it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceEnd {
    /// What ended: a path, or a label for streams.
    pub source: Arc<str>,
    /// The session context as known at the end (model, lineage, …), when the source has one.
    pub context: Option<Arc<SessionContext>>,
    /// Lines (or records) read.
    pub lines: u64,
    /// Lines that could not be used (each had a warning).
    pub bad_lines: u64,
    /// False when the source ended early: an incomplete last line, a read error, a panic
    /// caught while reading, or a sink that asked to stop.
    pub complete: bool,
}

impl SourceEnd {
    /// The end of `source`, complete, with no counts.
    pub fn new(source: impl Into<Arc<str>>) -> Self {
        SourceEnd {
            source: source.into(),
            complete: true,
            ..SourceEnd::default()
        }
    }
}

/// A consumer of the event stream.
///
/// - [`event`](Self::event) gets every event in source order; returning
///   [`ControlFlow::Break`] asks the feeder to stop (a closed pipe, a capture that has seen
///   enough). Feeders still call [`end`](Self::end) afterwards.
/// - [`warning`](Self::warning) gets every problem found while reading (file and line).
/// - [`end`](Self::end) is called once per source, after its last event.
///
/// Implemented for `&mut S`, `Box<S>` and `Option<S>` (where `None` takes nothing), and for
/// pairs: `(a, b)` or `a.and(b)` feed both, in that order.
pub trait EventSink {
    /// One event.
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let _ = event;
        ControlFlow::Continue(())
    }

    /// A problem with the input; reading goes on.
    fn warning(&mut self, warning: &Warning) {
        let _ = warning;
    }

    /// The end of a source.
    fn end(&mut self, end: &SourceEnd) {
        let _ = end;
    }

    /// Feeds `self` and then `other` with everything.
    fn and<S: EventSink>(self, other: S) -> And<Self, S>
    where
        Self: Sized,
    {
        And(self, other)
    }
}

/// Two sinks fed as one: see [`EventSink::and`]. The feed stops when either asks to stop.
#[derive(Clone, Debug, Default)]
pub struct And<A, B>(pub A, pub B);

/// Feeds `a` then `b`; breaks when either does.
fn both<A: EventSink, B: EventSink>(a: &mut A, b: &mut B, event: &Event) -> ControlFlow<()> {
    let first = a.event(event);
    let second = b.event(event);
    if first.is_break() || second.is_break() {
        ControlFlow::Break(())
    } else {
        ControlFlow::Continue(())
    }
}

impl<A: EventSink, B: EventSink> EventSink for And<A, B> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        both(&mut self.0, &mut self.1, event)
    }

    fn warning(&mut self, warning: &Warning) {
        self.0.warning(warning);
        self.1.warning(warning);
    }

    fn end(&mut self, end: &SourceEnd) {
        self.0.end(end);
        self.1.end(end);
    }
}

/// A pair is its [`And`].
impl<A: EventSink, B: EventSink> EventSink for (A, B) {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        both(&mut self.0, &mut self.1, event)
    }

    fn warning(&mut self, warning: &Warning) {
        let (a, b) = self;
        And(a, b).warning(warning);
    }

    fn end(&mut self, end: &SourceEnd) {
        let (a, b) = self;
        And(a, b).end(end);
    }
}

/// Sinks behind a pointer forward everything to the sink they point to.
macro_rules! forward_through_pointer {
    ($($ptr:ty),*) => {$(
        impl<S: EventSink + ?Sized> EventSink for $ptr {
            fn event(&mut self, event: &Event) -> ControlFlow<()> {
                (**self).event(event)
            }

            fn warning(&mut self, warning: &Warning) {
                (**self).warning(warning);
            }

            fn end(&mut self, end: &SourceEnd) {
                (**self).end(end);
            }
        }
    )*};
}

forward_through_pointer!(&mut S, Box<S>);

impl<S: EventSink> EventSink for Option<S> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        match self {
            Some(s) => s.event(event),
            None => ControlFlow::Continue(()),
        }
    }

    fn warning(&mut self, warning: &Warning) {
        if let Some(s) = self {
            s.warning(warning);
        }
    }

    fn end(&mut self, end: &SourceEnd) {
        if let Some(s) = self {
            s.end(end);
        }
    }
}

/// A sink that keeps everything in memory: events, warnings and ends, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collect {
    /// The events.
    pub events: Vec<Event>,
    /// The warnings.
    pub warnings: Vec<Warning>,
    /// The sources that ended.
    pub ends: Vec<SourceEnd>,
}

impl EventSink for Collect {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.events.push(event.clone());
        ControlFlow::Continue(())
    }

    fn warning(&mut self, warning: &Warning) {
        self.warnings.push(warning.clone());
    }

    fn end(&mut self, end: &SourceEnd) {
        self.ends.push(end.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Compaction, EventKind, Harness, Timestamp, WarningKind};

    fn ev() -> Event {
        let ctx = Arc::new(SessionContext::new(Harness::Codex));
        Event::new(
            Timestamp::default(),
            ctx,
            EventKind::Compaction(Compaction::default()),
        )
    }

    #[derive(Default)]
    struct Stopper {
        seen: u32,
        stop_after: u32,
    }

    impl EventSink for Stopper {
        fn event(&mut self, _: &Event) -> ControlFlow<()> {
            self.seen += 1;
            if self.seen >= self.stop_after {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        }
    }

    fn warning() -> Warning {
        Warning {
            path: "f".into(),
            line: 3,
            kind: WarningKind::InvalidJson,
            message: "bad".into(),
        }
    }

    #[test]
    fn fan_out_feeds_both_in_order_and_breaks_when_either_does() {
        let mut c = Collect::default();
        let mut s = Stopper {
            stop_after: 2,
            ..Stopper::default()
        };
        {
            let mut both = (&mut c).and(&mut s);
            assert!(both.event(&ev()).is_continue());
            assert!(both.event(&ev()).is_break());
            both.warning(&warning());
            both.end(&SourceEnd::new("f"));
        }
        assert_eq!(c.events.len(), 2);
        assert_eq!(c.warnings, [warning()]);
        assert_eq!(c.ends.len(), 1);
        assert_eq!(s.seen, 2);
    }

    #[test]
    fn option_box_and_tuples_forward() {
        let mut none: Option<Collect> = None;
        assert!(none.event(&ev()).is_continue());
        let mut some = Some(Collect::default());
        some.warning(&warning());
        assert_eq!(some.as_ref().map(|c| c.warnings.len()), Some(1));
        let mut boxed: Box<dyn EventSink> = Box::new(Collect::default());
        assert!(boxed.event(&ev()).is_continue());
        let mut pair = (Collect::default(), Collect::default());
        pair.end(&SourceEnd::new("x"));
        assert_eq!((pair.0.ends.len(), pair.1.ends.len()), (1, 1));
    }
}
