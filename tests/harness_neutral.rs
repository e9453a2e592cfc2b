//! What Claude Code and Gemini CLI report fits the event model without a schema change.
//!
//! The events below are built by hand from captures of Claude Code 2.1.197 and Gemini CLI
//! 0.61.0: their usage semantics differ from Codex's and are converted at the edge.

use std::sync::Arc;

use agentobs::schema::*;

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn round_trip(e: &Event) {
    let json = serde_json::to_string(e).unwrap();
    let back: Event = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, e);
}

#[test]
fn claude_code_session() {
    let mut ctx = SessionContext::new(Harness::ClaudeCode);
    ctx.session_id = Some("f5657968-4da9-41c9-a674-14905c7e06da".into());
    ctx.app_version = Some("2.1.197".into());
    ctx.originator = Some("sdk-cli".into());
    ctx.model = Some("claude-opus-4-8".into());
    ctx.git = Some(GitInfo {
        branch: Some("main".into()),
        ..GitInfo::default()
    });
    let ctx = Arc::new(ctx);
    // Anthropic usage: input_tokens EXCLUDES cache reads and writes. Converted to Codex
    // semantics, input = input + cache_read + cache_creation.
    let (anthropic_input, cache_read, cache_creation, output) = (6u64, 15_140u64, 4_211u64, 27u64);
    let usage = TokenUsage {
        input_tokens: anthropic_input + cache_read + cache_creation,
        cached_input_tokens: cache_read,
        cache_write_input_tokens: cache_creation,
        output_tokens: output,
        reasoning_output_tokens: 0,
        cache_write_1h_input_tokens: 0,
    };
    assert_eq!(usage.uncached_input_tokens(), anthropic_input);
    // A 500 retried: Claude shows the retry only in stream-json (`system/api_retry`).
    let mut retried = ApiRequest::default();
    retried.status_code = Some(500);
    retried.error = Some("server_error".into());
    retried.endpoint = Some("/v1/messages".into());
    // One message written as several transcript lines, each repeating the same usage:
    // the reader keys the usage by message id and emits it once.
    let mut billed = TokenUsageEvent::new(usage);
    billed.prompt_tokens = Some(usage.input_tokens);
    billed.context_window = Some(1_000_000);
    billed.response_id = Some("msg_01ABC".into());
    let mut denied = ToolDecision::new("Bash", Decision::Denied);
    denied.call_id = Some("toolu_01".into());
    denied.source = Some(DecisionSource::Config);
    let mut result = ToolResult::new("Bash");
    result.call_id = Some("toolu_02".into());
    result.duration_ms = Some(31);
    result.success = Some(false);
    result.reported_success = Some(false);
    result.exit_code = Some(2);
    result.arguments = Redacted::withheld(40);
    result.output = Redacted::withheld(57);
    result.origin = Some(ToolOrigin::Builtin);
    // The fatal 400 is an assistant line with model "<synthetic>" and zero usage.
    let mut fatal = ErrorEvent::new("API Error: 400");
    fatal.kind = Some(ErrorKind::BadRequest);
    fatal.status_code = Some(400);
    let events = vec![
        Event::new(
            at("2026-11-25T09:00:00.100Z"),
            ctx.clone(),
            EventKind::ApiRequest(retried),
        ),
        Event::new(
            at("2026-11-25T09:00:02.000Z"),
            ctx.clone(),
            EventKind::TokenUsage(billed),
        ),
        Event::new(
            at("2026-11-25T09:00:02.500Z"),
            ctx.clone(),
            EventKind::ToolDecision(denied),
        ),
        Event::new(
            at("2026-11-25T09:00:03.000Z"),
            ctx.clone(),
            EventKind::ToolResult(result),
        ),
        Event::new(
            at("2026-11-25T09:00:04.000Z"),
            ctx.clone(),
            EventKind::Error(fatal),
        ),
    ];
    for e in &events {
        round_trip(e);
    }
}

#[test]
fn gemini_cli_session() {
    let mut ctx = SessionContext::new(Harness::GeminiCli);
    ctx.session_id = Some("3b1f0c2d-9a8e-4f7b-8c6d-5e4f3a2b1c0d".into());
    ctx.model = Some("gemini-3.8-flash".into());
    ctx.auth_mode = Some("gemini-api-key".into());
    let ctx = Arc::new(ctx);
    // Gemini's promptTokenCount already includes cached tokens, like Codex; thoughts are
    // reported apart from candidates, so output = candidates + thoughts.
    let (prompt, cached, candidates, thoughts) = (9_812u64, 8_100u64, 45u64, 120u64);
    let usage = TokenUsage {
        input_tokens: prompt,
        cached_input_tokens: cached,
        cache_write_input_tokens: 0,
        output_tokens: candidates + thoughts,
        reasoning_output_tokens: thoughts,
        cache_write_1h_input_tokens: 0,
    };
    // Gemini logs each retried failure (`gemini_cli.api_error`).
    let mut failed = ApiRequest::default();
    failed.status_code = Some(429);
    failed.duration_ms = Some(210);
    failed.error = Some("RESOURCE_EXHAUSTED".into());
    failed.endpoint = Some(":streamGenerateContent".into());
    let mut billed = TokenUsageEvent::new(usage);
    billed.response_id = Some("gemini-record-7".into());
    // A record written twice with the same id (upsert) still yields one tool result.
    let mut result = ToolResult::new("run_shell_command");
    result.call_id = Some("run_shell_command-1764061803000".into());
    result.duration_ms = Some(48);
    result.success = Some(false);
    result.reported_success = Some(false);
    result.exit_code = Some(2);
    result.arguments = Redacted::shown("{\"command\":\"ls /nope\"}".into());
    result.output = Redacted::withheld(61);
    result.origin = Some(ToolOrigin::Builtin);
    let routing = OtherEvent::new(
        "gemini_cli.model_routing",
        [
            ("decision_model".to_owned(), Value::from("gemini-3.8-flash")),
            ("routing_latency_ms".to_owned(), Value::from(212i64)),
        ]
        .into_iter()
        .collect(),
    );
    let events = vec![
        Event::new(
            at("2026-11-25T09:10:00.000Z"),
            ctx.clone(),
            EventKind::ApiRequest(failed),
        ),
        Event::new(
            at("2026-11-25T09:10:02.000Z"),
            ctx.clone(),
            EventKind::TokenUsage(billed),
        ),
        Event::new(
            at("2026-11-25T09:10:03.000Z"),
            ctx.clone(),
            EventKind::ToolResult(result),
        ),
        Event::new(
            at("2026-11-25T09:10:04.000Z"),
            ctx.clone(),
            EventKind::Other(routing),
        ),
    ];
    for e in &events {
        round_trip(e);
    }
    assert_eq!(usage.total_tokens(), 9_977);
}
