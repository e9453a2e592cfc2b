//! `codex.*` log records: each one decoded by [`log_event`](crate::log_event) from its
//! attributes, in the session context of its conversation.

use std::borrow::Cow;

use agentobs_schema::{ErrorEvent, ErrorKind, Event, EventKind, Timestamp};
use opentelemetry_proto::tonic::logs::v1::LogRecord;

use super::attrs::{Attrs, nanos_to_millis};
use super::out::{Loc, Out};
use super::sessions::ResourceInfo;
use super::{ExportLogsServiceRequest, Primary, State};
use crate::log_event::{self, CODEX_PREFIX, EVENT_NAME, FieldSource};

/// The SSE kind whose error is Codex's verdict on a whole response.
const RESPONSE_COMPLETED: &str = "response.completed";

pub(super) fn decode(state: &mut State, request: &ExportLogsServiceRequest, out: &mut Out<'_>) {
    for (ri, rl) in request.resource_logs.iter().enumerate() {
        let res_attrs = rl.resource.as_ref().map_or(&[][..], |r| &r.attributes);
        let res = ResourceInfo::of(Attrs(res_attrs));
        for (si, sl) in rl.scope_logs.iter().enumerate() {
            let scope_name = sl.scope.as_ref().map_or("", |s| s.name.as_str());
            for (li, rec) in sl.log_records.iter().enumerate() {
                if out.stopped() {
                    return;
                }
                out.record();
                let at = Loc {
                    what: "log record",
                    resource: ri,
                    scope: si,
                    scope_name,
                    record: li,
                    name: None,
                    event: None,
                    part: "event",
                };
                record(state, rec, &res, &at, out);
            }
        }
    }
}

/// The record's own time: `time_unix_nano`, else `observed_time_unix_nano`.
fn record_time(rec: &LogRecord) -> Timestamp {
    nanos_to_millis(rec.time_unix_nano)
        .or_else(|| nanos_to_millis(rec.observed_time_unix_nano))
        .map(Timestamp::from_unix_millis)
        .unwrap_or_default()
}

fn record(
    state: &mut State,
    rec: &LogRecord,
    res: &ResourceInfo<'_>,
    at: &Loc<'_>,
    out: &mut Out<'_>,
) {
    let attrs = Attrs(&rec.attributes);
    // The stable name is the `event.name` attribute; the record's own `event_name` is
    // tracing's `event file:line`, unless an exporter put the name there.
    let name = match attrs.field(EVENT_NAME) {
        Some(v) => v.as_text(),
        None if rec.event_name.starts_with(CODEX_PREFIX) => Cow::Borrowed(rec.event_name.as_str()),
        None => return out.skip(),
    };
    let decoded = match log_event::decode_event(&name, &attrs, &state.options) {
        Ok(Some(d)) => d,
        Ok(None) => return out.skip(),
        Err(e) => return out.bad(at, e),
    };
    let conversation = decoded.meta.conversation_id.as_deref().unwrap_or("");
    state.sessions.link_trace(&rec.trace_id, conversation);
    let session = state
        .sessions
        .session(conversation, Some(&decoded.meta), res);
    let tally = &mut session.tally.logs;
    match &decoded.kind {
        EventKind::TokenUsage(t) => {
            tally.requests = tally.requests.saturating_add(1);
            tally.tokens = tally.tokens.saturating_add(&t.usage);
        }
        EventKind::ToolResult(_) => tally.tool_results = tally.tool_results.saturating_add(1),
        _ => {}
    }
    if state.primary != Primary::Logs {
        return out.skip();
    }
    let ctx = session.ctx.clone();
    let error = turn_error(&decoded.kind);
    let event = decoded.into_event(ctx.clone(), record_time(rec));
    let when = event.at;
    out.event(event);
    if let Some(e) = error {
        out.event(Event::new(when, ctx, EventKind::Error(e)));
    }
}

/// Codex's verdict on a failed response (`codex.sse_event` of kind `response.completed` with
/// an error) is the turn's error: an [`ErrorEvent`] as the rollout has it, classified when
/// the message says the context window overflowed.
fn turn_error(kind: &EventKind) -> Option<ErrorEvent> {
    let EventKind::StreamEvent(s) = kind else {
        return None;
    };
    let message = s.error.as_deref()?;
    if s.event_kind.as_deref() != Some(RESPONSE_COMPLETED) {
        return None;
    }
    let mut e = ErrorEvent::new(message);
    e.kind = classify(message);
    Some(e)
}

/// The kind of a Codex error message, when it names one.
pub(super) fn classify(message: &str) -> Option<ErrorKind> {
    let m = message.to_ascii_lowercase();
    (m.contains("context_length_exceeded") || m.contains("context window"))
        .then_some(ErrorKind::ContextWindowExceeded)
}
