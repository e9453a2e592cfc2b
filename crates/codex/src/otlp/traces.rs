//! Spans: turns (`session_task.*`), the token usage Codex puts on `handle_responses` spans,
//! and the trace-safe copies of `codex.*` events that ride on spans as span events.

use std::borrow::Cow;

use agentobs_schema::{Event, EventKind, Timestamp, TokenUsageEvent, TurnCompleted, TurnStarted};
use opentelemetry_proto::tonic::trace::v1::Span;

use super::attrs::{Attrs, hex_id, nanos_to_millis};
use super::out::{Loc, Out};
use super::sessions::ResourceInfo;
use super::{ExportTraceServiceRequest, Primary, State};
use crate::accounting::to_usage;
use crate::log_event::{self, CODEX_PREFIX, EVENT_NAME, FieldSource, SessionMeta};
use crate::raw::RawUsage;

/// The span Codex puts each response's usage on (when it completes).
const HANDLE_RESPONSES: &str = "handle_responses";
/// The prefix of the turn spans (`session_task.turn`, `.compact`, `.review`, …).
const TURN_PREFIX: &str = "session_task.";

/// The usage attributes of a `handle_responses` span.
mod key {
    pub(super) const PREFIX: &str = "gen_ai.usage.";
    pub(super) const INPUT: &str = "gen_ai.usage.input_tokens";
    pub(super) const CACHE_READ: &str = "gen_ai.usage.cache_read.input_tokens";
    pub(super) const CACHE_WRITE: &str = "gen_ai.usage.cache_write.input_tokens";
    pub(super) const OUTPUT: &str = "gen_ai.usage.output_tokens";
    pub(super) const REASONING: &str = "codex.usage.reasoning_output_tokens";
    pub(super) const TOTAL: &str = "codex.usage.total_tokens";
    pub(super) const TURN_ID: &str = "turn.id";
    pub(super) const MODEL: &str = "model";
}

pub(super) fn decode(state: &mut State, request: &ExportTraceServiceRequest, out: &mut Out<'_>) {
    // First learn which conversation each trace belongs to: the span that says so can come
    // after the spans that need it.
    for rs in &request.resource_spans {
        for ss in &rs.scope_spans {
            for span in &ss.spans {
                if let Some(id) = conversation_of(span) {
                    state.sessions.link_trace(&span.trace_id, id);
                }
            }
        }
    }
    for (ri, rs) in request.resource_spans.iter().enumerate() {
        let res_attrs = rs.resource.as_ref().map_or(&[][..], |r| &r.attributes);
        let res = ResourceInfo::of(Attrs(res_attrs));
        for (si, ss) in rs.scope_spans.iter().enumerate() {
            let scope_name = ss.scope.as_ref().map_or("", |s| s.name.as_str());
            for (pi, span) in ss.spans.iter().enumerate() {
                if out.stopped() {
                    return;
                }
                out.record();
                let at = Loc {
                    what: "span",
                    resource: ri,
                    scope: si,
                    scope_name,
                    record: pi,
                    name: Some(&span.name),
                    event: None,
                    part: "event",
                };
                let before = out.summary;
                one_span(state, span, &res, &at, out);
                if out.summary.events == before.events && out.summary.bad == before.bad {
                    out.skip();
                }
            }
        }
    }
}

/// True for a Codex thread id (a UUID), as opposed to the OS thread number `tracing` also
/// calls `thread.id`.
fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.bytes().filter(|b| *b == b'-').count() == 4
}

/// The conversation a span names, if it names one.
fn conversation_of(span: &Span) -> Option<&str> {
    let a = Attrs(&span.attributes);
    a.str("conversation.id")
        .or_else(|| a.str("thread_id"))
        .or_else(|| a.str("thread.id").filter(|s| is_uuid(s)))
        .or_else(|| {
            span.events
                .iter()
                .find_map(|e| Attrs(&e.attributes).str("conversation.id"))
        })
}

fn millis(ns: u64) -> Option<Timestamp> {
    nanos_to_millis(ns).map(Timestamp::from_unix_millis)
}

fn one_span(
    state: &mut State,
    span: &Span,
    res: &ResourceInfo<'_>,
    at: &Loc<'_>,
    out: &mut Out<'_>,
) {
    let attrs = Attrs(&span.attributes);
    let conversation = conversation_of(span)
        .or_else(|| state.sessions.trace_conversation(&span.trace_id))
        .unwrap_or("")
        .to_owned();
    let end = millis(span.end_time_unix_nano)
        .or_else(|| millis(span.start_time_unix_nano))
        .unwrap_or_default();
    if span.name == HANDLE_RESPONSES && attrs.any_prefixed(key::PREFIX) {
        usage_span(state, attrs, &conversation, res, end, at, out);
    } else if span.name.starts_with(TURN_PREFIX) && attrs.str(key::TURN_ID).is_some() {
        turn_span(state, span, &conversation, res, at, out);
    }
    for (ei, ev) in span.events.iter().enumerate() {
        let at = Loc {
            event: Some(ei),
            ..*at
        };
        let when = millis(ev.time_unix_nano).unwrap_or(end);
        span_event(
            state,
            Attrs(&ev.attributes),
            &ev.name,
            &conversation,
            res,
            when,
            &at,
            out,
        );
    }
}

/// A `handle_responses` span with `gen_ai.usage.*`: one response's tokens.
fn usage_span(
    state: &mut State,
    attrs: Attrs<'_>,
    conversation: &str,
    res: &ResourceInfo<'_>,
    end: Timestamp,
    at: &Loc<'_>,
    out: &mut Out<'_>,
) {
    let get = |k: &'static str| -> Result<Option<u64>, String> {
        match attrs.field(k) {
            None => Ok(None),
            Some(v) => attrs.u64(k).map(Some).ok_or_else(|| {
                format!(
                    "`{k}` is {:?}, expected a non-negative integer",
                    v.as_text()
                )
            }),
        }
    };
    let read = || -> Result<TokenUsageEvent, String> {
        let input = get(key::INPUT)?;
        let output = get(key::OUTPUT)?;
        let total = get(key::TOTAL)?;
        let usage = to_usage(RawUsage {
            input_tokens: input.unwrap_or(0),
            cached_input_tokens: get(key::CACHE_READ)?.unwrap_or(0),
            cache_write_input_tokens: get(key::CACHE_WRITE)?.unwrap_or(0),
            output_tokens: output.unwrap_or(0),
            reasoning_output_tokens: get(key::REASONING)?.unwrap_or(0),
            total_tokens: total,
        });
        let mut ev = TokenUsageEvent::new(usage);
        ev.prompt_tokens = Some(usage.input_tokens);
        Ok(ev)
    };
    let ev = match read() {
        Ok(ev) => ev,
        Err(why) => return out.bad(at, why),
    };
    let session = state.sessions.session(conversation, None, res);
    let tally = &mut session.tally.traces;
    tally.requests = tally.requests.saturating_add(1);
    tally.tokens = tally.tokens.saturating_add(&ev.usage);
    if state.primary == Primary::Traces {
        let ctx = session.ctx.clone();
        out.event(Event::new(end, ctx, EventKind::TokenUsage(ev)));
    }
}

/// A turn span: the turn's start and end.
fn turn_span(
    state: &mut State,
    span: &Span,
    conversation: &str,
    res: &ResourceInfo<'_>,
    at: &Loc<'_>,
    out: &mut Out<'_>,
) {
    let attrs = Attrs(&span.attributes);
    let (Some(start), Some(end)) = (
        millis(span.start_time_unix_nano),
        millis(span.end_time_unix_nano),
    ) else {
        return out.bad(at, "a turn span without start and end times");
    };
    let meta = SessionMeta {
        model: attrs.str(key::MODEL).map(Cow::Borrowed),
        ..SessionMeta::default()
    };
    let ctx = state
        .sessions
        .session(conversation, Some(&meta), res)
        .ctx
        .clone();
    let turn_id = attrs.str(key::TURN_ID).map(str::to_owned);
    let mut started = TurnStarted::default();
    started.turn_id = turn_id.clone();
    started.trace_id = Some(hex_id(&span.trace_id)).filter(|s| !s.is_empty());
    let mut completed = TurnCompleted::default();
    completed.turn_id = turn_id;
    completed.duration_ms = u64::try_from(end.millis_since(start)).ok();
    out.event(Event::new(
        start,
        ctx.clone(),
        EventKind::TurnStarted(started),
    ));
    out.event(Event::new(end, ctx, EventKind::TurnCompleted(completed)));
}

/// A span event that is the trace-safe copy of a `codex.*` event.
#[allow(clippy::too_many_arguments)]
fn span_event(
    state: &mut State,
    attrs: Attrs<'_>,
    event_name: &str,
    conversation: &str,
    res: &ResourceInfo<'_>,
    when: Timestamp,
    at: &Loc<'_>,
    out: &mut Out<'_>,
) {
    let name = match attrs.field(EVENT_NAME) {
        Some(v) => v.as_text(),
        None if event_name.starts_with(CODEX_PREFIX) => Cow::Borrowed(event_name),
        None => return,
    };
    let decoded = match log_event::decode_event(&name, &attrs, &state.options) {
        Ok(Some(d)) => d,
        Ok(None) => return,
        Err(e) => return out.bad(at, e),
    };
    // The `handle_responses` spans are the traces' one source of tokens.
    if matches!(decoded.kind, EventKind::TokenUsage(_)) {
        return;
    }
    let conversation = decoded
        .meta
        .conversation_id
        .as_deref()
        .unwrap_or(conversation);
    let session = state
        .sessions
        .session(conversation, Some(&decoded.meta), res);
    if matches!(decoded.kind, EventKind::ToolResult(_)) {
        let t = &mut session.tally.traces;
        t.tool_results = t.tool_results.saturating_add(1);
    }
    if state.primary == Primary::Traces {
        let ctx = session.ctx.clone();
        out.event(decoded.into_event(ctx, when));
    }
}
