//! [`Alert`]: what a rule raises, with the evidence a person follows to the line.

use std::fmt;
use std::sync::Arc;

use agentobs_schema::{AlertRaised, Event, EventKind, SessionContext, Timestamp};
use serde::{Serialize, Serializer};

pub use agentobs_schema::AlertSeverity as Severity;

/// Schema id of the JSON alert report: `{"schema":"agentobs.alerts/v1","alerts":[…]}`.
pub const ALERTS_SCHEMA: &str = "agentobs.alerts/v1";

/// Where an alert's evidence is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Evidence {
    /// A line of a file (a rollout): `path:line`.
    Line {
        /// The file.
        path: Arc<str>,
        /// 1-based line number.
        line: u64,
    },
    /// A span of a trace: `trace=<id> span=<id>`.
    Span {
        /// Trace id (hex).
        trace_id: String,
        /// Span id (hex), when one span is meant.
        span_id: Option<String>,
    },
    /// An event with no position: its time and type, `<time> <type>`.
    At {
        /// When it happened.
        at: Timestamp,
        /// Its type (`tool_result`, …).
        kind: &'static str,
    },
}

impl Evidence {
    /// The best reference to `event`: its file and line where it has one, else its time and
    /// type.
    pub fn of(event: &Event) -> Evidence {
        match &event.src {
            Some(src) => Evidence::Line {
                path: src.path.clone(),
                line: src.line,
            },
            None => Evidence::At {
                at: event.at,
                kind: event.kind.type_name(),
            },
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Line { path, line } => write!(f, "{path}:{line}"),
            Evidence::Span {
                trace_id,
                span_id: Some(span),
            } => write!(f, "trace={trace_id} span={span}"),
            Evidence::Span {
                trace_id,
                span_id: None,
            } => write!(f, "trace={trace_id}"),
            Evidence::At { at, kind } => write!(f, "{at} {kind}"),
        }
    }
}

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An alert: a rule found something wrong in a session.
///
/// Its JSON form (in [`AlertReport`]) is
/// `{"rule","severity","session_id","at","message","value","threshold","evidence":["path:line",…]}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Alert {
    /// The rule's id.
    #[serde(serialize_with = "as_str")]
    pub rule: Arc<str>,
    /// How bad it is.
    pub severity: Severity,
    /// The session (thread id, else session id), when the events carry one.
    pub session_id: Option<String>,
    /// When it fired: the time of the event that made it fire.
    pub at: Timestamp,
    /// One sentence a person can act on.
    pub message: String,
    /// The measured value.
    pub value: f64,
    /// The threshold the value crossed.
    pub threshold: f64,
    /// The events that raised it, in order.
    pub evidence: Vec<Evidence>,
    /// The session's context, so that the alert can travel as an [`Event`].
    #[serde(skip)]
    pub ctx: Arc<SessionContext>,
}

fn as_str<S: Serializer>(v: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v)
}

impl Alert {
    /// The alert as an event of its session ([`EventKind::Alert`]), for sinks and dialects.
    pub fn to_event(&self) -> Event {
        let mut raised = AlertRaised::new(&*self.rule, self.severity, self.message.clone());
        raised.value = self.value;
        raised.threshold = self.threshold;
        raised.evidence = self.evidence.iter().map(ToString::to_string).collect();
        Event::new(self.at, self.ctx.clone(), EventKind::Alert(raised))
    }

    /// The order alerts are reported in: time, then session, rule and message, so that the
    /// same input always gives the same output.
    pub fn report_order(a: &Alert, b: &Alert) -> std::cmp::Ordering {
        a.at.cmp(&b.at)
            .then_with(|| a.session_id.cmp(&b.session_id))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.message.cmp(&b.message))
    }
}

/// The JSON alert report, `agentobs.alerts/v1`.
#[derive(Clone, Debug, Serialize)]
pub struct AlertReport<'a> {
    /// Always [`ALERTS_SCHEMA`].
    pub schema: &'static str,
    /// The alerts, in report order.
    pub alerts: &'a [Alert],
}

impl<'a> AlertReport<'a> {
    /// A report of `alerts` (already in report order).
    pub fn new(alerts: &'a [Alert]) -> Self {
        AlertReport {
            schema: ALERTS_SCHEMA,
            alerts,
        }
    }
}
