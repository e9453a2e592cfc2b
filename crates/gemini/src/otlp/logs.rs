//! `gemini_cli.*` log records as events.

use agentobs_codex::otlp::AttrLookup as Attrs;
use agentobs_codex::otlp::harness::user_prompt;
use agentobs_schema::{
    Decision, DecisionSource, ErrorEvent, ErrorKind, EventKind, Redacted, TokenUsage,
    TokenUsageEvent, ToolDecision, ToolOrigin, ToolResult,
};

use super::proto::logs::v1::LogRecord;

/// The events a record is, if any (see the module's table), appended to `out`.
pub(super) fn events(
    rec: &LogRecord,
    a: &Attrs<'_>,
    show: bool,
    out: &mut Vec<EventKind>,
) -> Result<(), String> {
    let name = a.str("event.name").unwrap_or(rec.event_name.as_str());
    let kind = match name {
        "gemini_cli.user_prompt" => {
            let mut p = user_prompt(*a, show)?;
            p.turn_id = a.str("prompt_id").map(str::to_owned);
            EventKind::UserPrompt(p)
        }
        "gemini_cli.api_response" => EventKind::TokenUsage(usage(a)?),
        "gemini_cli.api_error" => EventKind::Error(error(a)),
        "gemini_cli.tool_call" => {
            let result = tool_call(a, show)?;
            if let Some(d) = decision(a, &result.tool) {
                out.push(EventKind::ToolDecision(d));
            }
            EventKind::ToolResult(result)
        }
        _ => return Ok(()),
    };
    out.push(kind);
    Ok(())
}

/// One response's tokens in Codex semantics (input includes cached and tool-use prompt
/// tokens; output includes thoughts).
fn usage(a: &Attrs<'_>) -> Result<TokenUsageEvent, String> {
    let input = a
        .count("input_token_count")?
        .saturating_add(a.count("tool_token_count")?);
    let thoughts = a.count("thoughts_token_count")?;
    let u = TokenUsage {
        input_tokens: input,
        cached_input_tokens: a.count("cached_content_token_count")?.min(input),
        output_tokens: a.count("output_token_count")?.saturating_add(thoughts),
        reasoning_output_tokens: thoughts,
        ..TokenUsage::default()
    };
    let mut ev = TokenUsageEvent::new(u);
    ev.prompt_tokens = Some(u.input_tokens);
    ev.turn_id = a.str("prompt_id").map(str::to_owned);
    // `main` is the conversation's own request; any other role (`utility_router`) is a call
    // the CLI makes for itself.
    ev.purpose = a
        .str("role")
        .filter(|r| !r.is_empty() && *r != "main")
        .map(str::to_owned);
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
    // Gemini CLI leaves the arguments out unless it logs prompts: then they are unknown.
    if let Some(args) = a.str("function_args") {
        t.arguments = Redacted::from_text(args, show);
    }
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

/// The approval a `tool_call` record's `decision` says the call had (the mapping is the
/// module's table); none without one.
fn decision(a: &Attrs<'_>, tool: &str) -> Option<ToolDecision> {
    let (verdict, source) = match a.str("decision")? {
        "accept" => (Decision::Approved, None),
        "auto_accept" => (Decision::ApprovedForSession, None),
        "modify" => (Decision::Approved, Some(DecisionSource::User)),
        "reject" => (Decision::Denied, Some(DecisionSource::User)),
        other => (Decision::Other(other.to_owned()), None),
    };
    let mut d = ToolDecision::new(tool, verdict);
    d.source = source;
    Some(d)
}
