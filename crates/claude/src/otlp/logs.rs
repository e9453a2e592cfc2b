//! `claude_code.*` log records as events.

use agentobs_codex::otlp::AttrLookup as Attrs;
use agentobs_codex::otlp::harness::user_prompt;
use agentobs_schema::{
    Decision, DecisionSource, ErrorEvent, EventKind, Redacted, TokenUsage, TokenUsageEvent,
    ToolDecision, ToolResult,
};

use super::NAME_PREFIX;
use super::proto::logs::v1::LogRecord;
use crate::reader::error_kind;

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

/// The event a record is, if it is one (see the module's table).
pub(super) fn event(
    rec: &LogRecord,
    a: &Attrs<'_>,
    show: bool,
) -> Result<Option<EventKind>, String> {
    let Some(name) = event_name(rec, a) else {
        return Ok(None);
    };
    Ok(Some(match name {
        "user_prompt" => EventKind::UserPrompt(user_prompt(*a, show)?),
        "api_request" => EventKind::TokenUsage(usage(a)?),
        "api_error" => EventKind::Error(error(a)?),
        "tool_decision" => EventKind::ToolDecision(decision(a)),
        "tool_result" => EventKind::ToolResult(tool_result(a, show)?),
        _ => return Ok(None),
    }))
}

/// The tokens of an `api_request` record or `claude_code.llm_request` span in Codex
/// semantics (input includes cache reads and writes).
pub(super) fn tokens(a: &Attrs<'_>) -> Result<TokenUsage, String> {
    let input = a.count("input_tokens")?;
    let read = a.count("cache_read_tokens")?;
    let write = a.count("cache_creation_tokens")?;
    Ok(TokenUsage {
        input_tokens: input.saturating_add(read).saturating_add(write),
        cached_input_tokens: read,
        cache_write_input_tokens: write,
        output_tokens: a.count("output_tokens")?,
        ..TokenUsage::default()
    })
}

/// One API response's tokens.
fn usage(a: &Attrs<'_>) -> Result<TokenUsageEvent, String> {
    let u = tokens(a)?;
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
