//! `claude_code.*` log records as events.

use std::sync::Arc;

use agentobs_schema::{
    Decision, DecisionSource, ErrorEvent, ErrorKind, Event, EventKind, Redacted, Timestamp,
    TokenUsage, TokenUsageEvent, ToolDecision, ToolResult, UserPrompt,
};

use super::attrs::{Attrs, nanos_to_millis};
use super::proto::logs::v1::LogRecord;
use super::{ExportLogsServiceRequest, Loc, NAME_PREFIX, OtlpDecoder, Out, resource_info};

pub(super) fn decode(d: &mut OtlpDecoder, request: &ExportLogsServiceRequest, out: &mut Out<'_>) {
    for (ri, rl) in request.resource_logs.iter().enumerate() {
        let (_, version) = resource_info(rl.resource.as_ref());
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
                match record(d, rec, version) {
                    Ok(Some(event)) => out.event(event),
                    Ok(None) => out.skip(),
                    Err(why) => out.bad(&at, why),
                }
            }
        }
    }
}

/// The event name of a record: the `event.name` attribute (`api_request`), else the body
/// (`claude_code.api_request`), without the prefix.
fn event_name<'a>(rec: &'a LogRecord, attrs: &Attrs<'a>) -> Option<&'a str> {
    use super::proto::common::v1::any_value::Value;
    let name = attrs
        .str("event.name")
        .or_else(|| match rec.body.as_ref()?.value.as_ref()? {
            Value::StringValue(s) if s.starts_with(NAME_PREFIX) => Some(s.as_str()),
            _ => None,
        })?;
    Some(name.strip_prefix(NAME_PREFIX).unwrap_or(name))
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
    version: Option<&str>,
) -> Result<Option<Event>, String> {
    let a = Attrs(&rec.attributes);
    let Some(name) = event_name(rec, &a) else {
        return Ok(None);
    };
    let show = d.include_content;
    let kind = match name {
        "user_prompt" => EventKind::UserPrompt(prompt(&a, show)?),
        "api_request" => EventKind::TokenUsage(usage(&a)?),
        "api_error" => EventKind::Error(error(&a)?),
        "tool_decision" => EventKind::ToolDecision(decision(&a)),
        "tool_result" => EventKind::ToolResult(tool_result(&a, show)?),
        _ => return Ok(None),
    };
    let session = d.session(a.str("session.id").unwrap_or(""), version);
    if let EventKind::TokenUsage(t) = &kind {
        let logs = &mut session.tally.logs;
        logs.requests = logs.requests.saturating_add(1);
        logs.tokens = logs.tokens.saturating_add(&t.usage);
        if let Some(c) = a.f64("cost_usd").filter(|c| c.is_finite() && *c >= 0.0) {
            logs.reported_cost_usd += c;
        }
    }
    if let Some(model) = a.str("model").filter(|m| *m != "<synthetic>")
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
    p.text = match text {
        Some(t) => Redacted::from_text(t, show),
        None => Redacted::withheld(p.length),
    };
    Ok(p)
}

/// One API response's tokens in Codex semantics (input includes cache reads and writes).
fn usage(a: &Attrs<'_>) -> Result<TokenUsageEvent, String> {
    let input = count(a, "input_tokens")?;
    let read = count(a, "cache_read_tokens")?;
    let write = count(a, "cache_creation_tokens")?;
    let u = TokenUsage {
        input_tokens: input.saturating_add(read).saturating_add(write),
        cached_input_tokens: read,
        cache_write_input_tokens: write,
        output_tokens: count(a, "output_tokens")?,
        ..TokenUsage::default()
    };
    let mut ev = TokenUsageEvent::new(u);
    ev.prompt_tokens = Some(u.input_tokens);
    ev.response_id = a.str("request_id").map(str::to_owned);
    ev.turn_id = a.str("prompt.id").map(str::to_owned);
    Ok(ev)
}

fn error(a: &Attrs<'_>) -> Result<ErrorEvent, String> {
    let status = match a.u64("status_code") {
        Ok(s) => s.and_then(|s| u16::try_from(s).ok()),
        // `status_code` is text such as "undefined" when no response arrived.
        Err(_) => None,
    };
    let mut e = ErrorEvent::new(a.str("error").unwrap_or("API error"));
    e.status_code = status;
    e.kind = status.and_then(error_kind);
    e.turn_id = a.str("prompt.id").map(str::to_owned);
    Ok(e)
}

/// The kind of an Anthropic API failure, by HTTP status.
fn error_kind(status: u16) -> Option<ErrorKind> {
    Some(match status {
        400 => ErrorKind::BadRequest,
        401 | 403 => ErrorKind::Unauthorized,
        429 => ErrorKind::RateLimited,
        529 => ErrorKind::ServerOverloaded,
        500..=599 => ErrorKind::InternalServerError,
        _ => return None,
    })
}

fn decision(a: &Attrs<'_>) -> ToolDecision {
    let verdict = match a.str("decision") {
        Some("accept") => Decision::Approved,
        _ => Decision::Denied,
    };
    let mut t = ToolDecision::new(a.str("tool_name").unwrap_or("unknown"), verdict);
    t.call_id = a.str("tool_use_id").map(str::to_owned);
    // `config` and `hook` decide without asking; `user_*` is a person's answer.
    t.source = a.str("source").map(|s| {
        if s.starts_with("user") {
            DecisionSource::User
        } else {
            DecisionSource::Config
        }
    });
    t
}

fn tool_result(a: &Attrs<'_>, show: bool) -> Result<ToolResult, String> {
    let mut t = ToolResult::new(a.str("tool_name").unwrap_or("unknown"));
    t.call_id = a.str("tool_use_id").map(str::to_owned);
    t.duration_ms = a.u64("duration_ms")?;
    t.success = a.bool("success");
    t.reported_success = t.success;
    let input = a.str("tool_input").or_else(|| a.str("tool_parameters"));
    t.arguments = match input {
        Some(i) => Redacted::from_text(i, show),
        None => Redacted::withheld(a.u64("tool_input_size_bytes")?.unwrap_or(0)),
    };
    // The result itself is never exported, only its size.
    t.output = Redacted::withheld(a.u64("tool_result_size_bytes")?.unwrap_or(0));
    if let Some(e) = a.str("error").filter(|_| t.success == Some(false)) {
        t.output = Redacted::from_text(e, show);
    }
    Ok(t)
}
