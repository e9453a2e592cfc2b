//! `gemini_cli.*` log records as events.

use std::sync::Arc;

use agentobs_schema::{
    ErrorEvent, ErrorKind, Event, EventKind, Redacted, Timestamp, TokenUsage, TokenUsageEvent,
    ToolOrigin, ToolResult, UserPrompt,
};

use super::attrs::{Attrs, nanos_to_millis};
use super::proto::logs::v1::LogRecord;
use super::{ExportLogsServiceRequest, Loc, OtlpDecoder, Out, resource_session};

pub(super) fn decode(d: &mut OtlpDecoder, request: &ExportLogsServiceRequest, out: &mut Out<'_>) {
    for (ri, rl) in request.resource_logs.iter().enumerate() {
        let res_session = resource_session(rl.resource.as_ref());
        for (si, sl) in rl.scope_logs.iter().enumerate() {
            for (li, rec) in sl.log_records.iter().enumerate() {
                if out.stopped {
                    return;
                }
                out.record();
                let at = Loc {
                    resource: ri,
                    scope: si,
                    record: li,
                };
                match record(d, rec, res_session) {
                    Ok(Some(event)) => out.event(event),
                    Ok(None) => out.skip(),
                    Err(why) => out.bad(&at, why),
                }
            }
        }
    }
}

/// The record's time: `event.timestamp`, else its own time, else when it was observed.
fn record_time(rec: &LogRecord, attrs: &Attrs<'_>) -> Timestamp {
    attrs
        .str("event.timestamp")
        .and_then(|t| Timestamp::parse_rfc3339(t).ok())
        .or_else(|| {
            nanos_to_millis(rec.time_unix_nano)
                .or_else(|| nanos_to_millis(rec.observed_time_unix_nano))
                .map(Timestamp::from_unix_millis)
        })
        .unwrap_or_default()
}

fn record(
    d: &mut OtlpDecoder,
    rec: &LogRecord,
    res_session: Option<&str>,
) -> Result<Option<Event>, String> {
    let a = Attrs(&rec.attributes);
    let name = a.str("event.name").unwrap_or(rec.event_name.as_str());
    let show = d.include_content;
    let kind = match name {
        "gemini_cli.user_prompt" => EventKind::UserPrompt(prompt(&a, show)?),
        "gemini_cli.api_response" => EventKind::TokenUsage(usage(&a)?),
        "gemini_cli.api_error" => EventKind::Error(error(&a)),
        "gemini_cli.tool_call" => EventKind::ToolResult(tool_call(&a, show)?),
        _ => return Ok(None),
    };
    let id = a.str("session.id").or(res_session).unwrap_or("");
    let session = d.session(id);
    if let EventKind::TokenUsage(t) = &kind {
        let logs = &mut session.tally.logs;
        logs.requests = logs.requests.saturating_add(1);
        logs.tokens = logs.tokens.saturating_add(&t.usage);
    }
    if let Some(model) = a.str("model")
        && session.ctx.model.as_deref() != Some(model)
    {
        let mut ctx = (*session.ctx).clone();
        ctx.model = Some(model.to_owned());
        session.ctx = Arc::new(ctx);
    }
    Ok(Some(Event::new(
        record_time(rec, &a),
        session.ctx.clone(),
        kind,
    )))
}

fn count(a: &Attrs<'_>, key: &str) -> Result<u64, String> {
    Ok(a.u64(key)?.unwrap_or(0))
}

fn prompt(a: &Attrs<'_>, show: bool) -> Result<UserPrompt, String> {
    let mut p = UserPrompt::default();
    let text = a.str("prompt");
    p.length = match a.u64("prompt_length")? {
        Some(n) => n,
        None => text.map_or(0, |t| t.chars().count() as u64),
    };
    p.text_inputs = 1;
    p.turn_id = a.str("prompt_id").map(str::to_owned);
    p.text = match text {
        Some(t) => Redacted::from_text(t, show),
        None => Redacted::withheld(p.length),
    };
    Ok(p)
}

/// One response's tokens in Codex semantics (input includes cached and tool-use prompt
/// tokens; output includes thoughts).
fn usage(a: &Attrs<'_>) -> Result<TokenUsageEvent, String> {
    let input = count(a, "input_token_count")?.saturating_add(count(a, "tool_token_count")?);
    let thoughts = count(a, "thoughts_token_count")?;
    let u = TokenUsage {
        input_tokens: input,
        cached_input_tokens: count(a, "cached_content_token_count")?.min(input),
        output_tokens: count(a, "output_token_count")?.saturating_add(thoughts),
        reasoning_output_tokens: thoughts,
        ..TokenUsage::default()
    };
    let mut ev = TokenUsageEvent::new(u);
    ev.prompt_tokens = Some(u.input_tokens);
    ev.turn_id = a.str("prompt_id").map(str::to_owned);
    Ok(ev)
}

fn error(a: &Attrs<'_>) -> ErrorEvent {
    // `status_code` can be text that is no number when no response arrived.
    let status = a
        .u64("status_code")
        .ok()
        .flatten()
        .and_then(|s| u16::try_from(s).ok());
    let message = a
        .str("error")
        .or_else(|| a.str("error.message"))
        .unwrap_or("API error");
    let mut e = ErrorEvent::new(message);
    e.status_code = status;
    e.kind = status.and_then(error_kind);
    e.turn_id = a.str("prompt_id").map(str::to_owned);
    e
}

/// The kind of a Gemini API failure, by HTTP status.
fn error_kind(status: u16) -> Option<ErrorKind> {
    Some(match status {
        400 => ErrorKind::BadRequest,
        401 | 403 => ErrorKind::Unauthorized,
        429 => ErrorKind::RateLimited,
        503 => ErrorKind::ServerOverloaded,
        500..=599 => ErrorKind::InternalServerError,
        _ => return None,
    })
}

fn tool_call(a: &Attrs<'_>, show: bool) -> Result<ToolResult, String> {
    let mut t = ToolResult::new(a.str("function_name").unwrap_or("unknown"));
    t.duration_ms = a.u64("duration_ms")?;
    t.success = a.bool("success");
    t.reported_success = t.success;
    t.arguments = Redacted::from_text(a.str("function_args").unwrap_or(""), show);
    t.mcp_server = a.str("mcp_server_name").map(str::to_owned);
    t.origin = match a.str("tool_type") {
        Some("mcp") => Some(ToolOrigin::Mcp),
        Some("native") => Some(ToolOrigin::Builtin),
        _ => None,
    };
    if t.success == Some(false) {
        let why = a.str("error").or_else(|| a.str("error_type")).unwrap_or("");
        t.output = Redacted::from_text(why, show);
    }
    if a.str("decision") == Some("reject") {
        t.blocked_by = Some("user".to_owned());
    }
    Ok(t)
}
