use super::*;
use agentobs_schema::Harness;
use proptest::prelude::*;

use FieldValue as V;

/// Real metadata of a Codex 0.169 log record (`http500_retry` capture).
const META: [(&str, &str); 6] = [
    ("event.timestamp", "2026-11-25T08:21:22.319Z"),
    ("conversation.id", "01a211cb-8c65-7ca2-a1fb-177f909983e4"),
    ("app.version", "0.169.0"),
    ("originator", "codex_exec"),
    ("terminal.type", "xterm"),
    ("model", "gpt-5.1-codex"),
];

/// An event named `name` with string fields `fields` and the real metadata.
fn strs<'a>(name: &'a str, fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, V<'a>)> {
    let mut v = vec![(EVENT_NAME, V::Str(name))];
    v.extend(META.iter().map(|(k, s)| (*k, V::Str(s))));
    v.extend(fields.iter().map(|(k, s)| (*k, V::Str(s))));
    v
}

/// The same with typed values.
fn typed<'a>(name: &'a str, fields: &[(&'a str, V<'a>)]) -> Vec<(&'a str, V<'a>)> {
    let mut v = vec![(EVENT_NAME, V::Str(name))];
    v.extend(META.iter().map(|(k, s)| (*k, V::Str(s))));
    v.extend_from_slice(fields);
    v
}

fn dec<'s>(fields: &'s [(&'s str, V<'s>)]) -> Decoded<'s> {
    decode(fields, &DecodeOptions::default())
        .unwrap()
        .expect("a codex event")
}

fn kind(fields: &[(&str, V<'_>)]) -> EventKind {
    dec(fields).kind
}

fn with_content<'s>(fields: &'s [(&'s str, V<'s>)]) -> EventKind {
    decode(fields, &DecodeOptions::default().with_content(true))
        .unwrap()
        .unwrap()
        .kind
}

fn err(fields: &[(&str, V<'_>)]) -> DecodeError {
    decode(fields, &DecodeOptions::default()).unwrap_err()
}

#[test]
fn metadata_and_time() {
    let f = strs(
        "codex.turn_ttft",
        &[("user.email", "a@b.c"), ("slug", "gpt-5.1-codex")],
    );
    let d = dec(&f);
    assert_eq!(d.at.unwrap().to_string(), "2026-11-25T08:21:22.319Z");
    let m = &d.meta;
    assert_eq!(
        m.conversation_id.as_deref(),
        Some("01a211cb-8c65-7ca2-a1fb-177f909983e4")
    );
    assert_eq!(m.model_name(), Some("gpt-5.1-codex"));
    assert_eq!(m.slug.as_deref(), Some("gpt-5.1-codex"));
    assert_eq!(m.app_version.as_deref(), Some("0.169.0"));
    assert_eq!(m.originator.as_deref(), Some("codex_exec"));
    assert_eq!(m.terminal_type.as_deref(), Some("xterm"));
    assert_eq!(m.user_email.as_deref(), Some("a@b.c"));
    assert_eq!(m.auth_mode, None);
    assert!(!m.is_empty());

    // No time, or a bad one: `None`, and the event still decodes.
    let f = [(EVENT_NAME, V::Str("codex.turn_ttft"))];
    let d = dec(&f);
    assert_eq!(d.at, None);
    assert!(d.meta.is_empty());
    let f = [
        (EVENT_NAME, V::Str("codex.turn_ttft")),
        (EVENT_TIMESTAMP, V::Str("yesterday")),
    ];
    assert_eq!(dec(&f).at, None);
    let f = [
        (EVENT_NAME, V::Str("codex.turn_ttft")),
        (EVENT_TIMESTAMP, V::I64(1_795_594_882_319)),
    ];
    assert_eq!(dec(&f).at, None);
}

#[test]
fn metadata_applies_to_a_context() {
    let f = strs(
        "codex.api_request",
        &[
            ("auth_mode", "Chatgpt"),
            ("user.account_id", "acct-1"),
            ("user.email", "dev@example.com"),
        ],
    );
    let d = dec(&f);
    let mut ctx = SessionContext::new(Harness::Codex);
    ctx.model = Some("gpt-5".into());
    ctx.model_inferred = true;
    ctx.cwd = Some("/work".into());
    assert!(d.meta.changes(&ctx));
    assert!(d.meta.apply_to(&mut ctx));
    assert_eq!(
        ctx.thread_id.as_deref(),
        Some("01a211cb-8c65-7ca2-a1fb-177f909983e4")
    );
    assert_eq!(ctx.session_id, None, "the root session is not on the event");
    assert_eq!(ctx.model.as_deref(), Some("gpt-5.1-codex"));
    assert!(!ctx.model_inferred);
    assert_eq!(ctx.app_version.as_deref(), Some("0.169.0"));
    assert_eq!(ctx.originator.as_deref(), Some("codex_exec"));
    assert_eq!(ctx.auth_mode.as_deref(), Some("Chatgpt"));
    let account = ctx.account.as_ref().unwrap();
    assert_eq!(account.id.as_deref(), Some("acct-1"));
    assert_eq!(account.email.as_deref(), Some("dev@example.com"));
    assert_eq!(ctx.cwd.as_deref(), Some("/work"), "the rest is left alone");
    // Applying it again changes nothing.
    assert!(!d.meta.changes(&ctx));
    assert!(!d.meta.apply_to(&mut ctx));

    // A trace-variant event (no `user.*`) keeps the account; a shared context is copied only
    // when something changes.
    let mut shared = Arc::new(ctx);
    let before = shared.clone();
    let f = strs("codex.sse_event", &[]);
    let trace = dec(&f);
    assert!(!trace.meta.apply_to_shared(&mut shared));
    assert!(Arc::ptr_eq(&shared, &before));
    let f = [
        (EVENT_NAME, V::Str("codex.sse_event")),
        ("model", V::Str("gpt-5.2")),
    ];
    let other_model = dec(&f);
    assert!(other_model.meta.apply_to_shared(&mut shared));
    assert!(!Arc::ptr_eq(&shared, &before));
    assert_eq!(shared.model.as_deref(), Some("gpt-5.2"));
    assert_eq!(shared.account, before.account);

    let fresh = d.meta.clone().into_owned().to_context();
    assert_eq!(fresh.harness, Harness::Codex);
    assert_eq!(fresh.auth_mode.as_deref(), Some("Chatgpt"));
}

#[test]
fn conversation_starts() {
    // Real attributes (0.169, `tool_approved_by_reviewer`), values as OTLP gives them.
    let f = typed(
        "codex.conversation_starts",
        &[
            ("config.legacy_multi_agent_disabled_sources", V::Str("none")),
            ("provider_name", V::Str("Fake loopback")),
            ("auth.env_openai_api_key_present", V::Bool(false)),
            ("auth.env_codex_api_key_present", V::Bool(false)),
            ("auth.env_codex_api_key_enabled", V::Bool(true)),
            ("auth.env_provider_key_name", V::Str("configured")),
            ("auth.env_provider_key_present", V::Bool(true)),
            (
                "auth.env_refresh_token_url_override_present",
                V::Bool(false),
            ),
            ("reasoning_summary", V::Str("auto")),
            ("approval_policy", V::Str("on-request")),
            ("sandbox_policy", V::Str("workspace-write")),
            ("mcp_servers", V::Str("")),
        ],
    );
    let EventKind::SessionStarted(s) = kind(&f) else {
        panic!()
    };
    assert_eq!(s.provider.as_deref(), Some("Fake loopback"));
    assert_eq!(s.approval_policy.as_deref(), Some("on-request"));
    assert_eq!(s.sandbox_policy.as_deref(), Some("workspace-write"));
    assert_eq!(s.reasoning_summary.as_deref(), Some("auto"));
    assert_eq!(s.reasoning_effort, None);
    assert!(s.mcp_servers.is_empty());
    assert_eq!(s.context_window, None);

    let f = strs(
        "codex.conversation_starts",
        &[
            ("reasoning_effort", "high"),
            ("context_window", "272000"),
            ("auto_compact_token_limit", "244800"),
            ("mcp_servers", "github, linear,"),
            ("active_profile", "work"),
        ],
    );
    let EventKind::SessionStarted(s) = kind(&f) else {
        panic!()
    };
    assert_eq!(s.reasoning_effort.as_deref(), Some("high"));
    assert_eq!(s.context_window, Some(272_000));
    assert_eq!(s.auto_compact_token_limit, Some(244_800));
    assert_eq!(s.mcp_servers, ["github", "linear"]);
    assert_eq!(s.profile.as_deref(), Some("work"));
    let t = typed(
        "codex.conversation_starts",
        &[
            ("reasoning_effort", V::Str("high")),
            ("context_window", V::I64(272_000)),
            ("auto_compact_token_limit", V::U64(244_800)),
            ("mcp_servers", V::Str("github, linear,")),
            ("active_profile", V::Str("work")),
        ],
    );
    assert_eq!(dec(&t), dec(&f));
}

#[test]
fn api_request() {
    // Real attributes (0.169, `http500_retry`): the failed first attempt.
    let f = typed(
        "codex.api_request",
        &[
            ("duration_ms", V::Str("36")),
            ("http.response.status_code", V::I64(500)),
            ("error.message", V::Str("http 500")),
            ("attempt", V::I64(0)),
            ("auth.header_attached", V::Bool(true)),
            ("auth.header_name", V::Str("authorization")),
            ("auth.retry_after_unauthorized", V::Bool(false)),
            ("endpoint", V::Str("/responses")),
        ],
    );
    let EventKind::ApiRequest(r) = kind(&f) else {
        panic!()
    };
    assert_eq!(r.attempt, 0);
    assert_eq!(r.status_code, Some(500));
    assert_eq!(r.duration_ms, Some(36));
    assert_eq!(r.error.as_deref(), Some("http 500"));
    assert_eq!(r.endpoint.as_deref(), Some("/responses"));
    // The same, every value a string.
    let s = strs(
        "codex.api_request",
        &[
            ("duration_ms", "36"),
            ("http.response.status_code", "500"),
            ("error.message", "http 500"),
            ("attempt", "0"),
            ("auth.header_attached", "true"),
            ("auth.header_name", "authorization"),
            ("auth.retry_after_unauthorized", "false"),
            ("endpoint", "/responses"),
        ],
    );
    assert_eq!(dec(&s), dec(&f));
    // The retry.
    let s = strs(
        "codex.api_request",
        &[("attempt", "1"), ("http.response.status_code", "200")],
    );
    let EventKind::ApiRequest(r) = kind(&s) else {
        panic!()
    };
    assert_eq!((r.attempt, r.status_code, r.error), (1, Some(200), None));
}

#[test]
fn sse_events() {
    let s = strs(
        "codex.sse_event",
        &[
            ("event.kind", "response.output_text.delta"),
            ("duration_ms", "0"),
        ],
    );
    let EventKind::StreamEvent(e) = kind(&s) else {
        panic!()
    };
    assert_eq!(e.transport, StreamTransport::Sse);
    assert_eq!(e.event_kind.as_deref(), Some("response.output_text.delta"));
    assert_eq!(e.duration_ms, Some(0));
    assert_eq!((e.error, e.usage), (None, None));

    // The plain `response.completed` (no counts) is a stream event too.
    let s = strs(
        "codex.sse_event",
        &[("event.kind", "response.completed"), ("duration_ms", "0")],
    );
    assert!(
        matches!(kind(&s), EventKind::StreamEvent(e) if e.event_kind.as_deref() == Some("response.completed"))
    );

    // A failure.
    let s = strs(
        "codex.sse_event",
        &[
            ("event.kind", "response.failed"),
            ("duration_ms", "12"),
            ("error.message", "idle timeout waiting for SSE"),
        ],
    );
    let EventKind::StreamEvent(e) = kind(&s) else {
        panic!()
    };
    assert_eq!(e.error.as_deref(), Some("idle timeout waiting for SSE"));
    assert_eq!(e.duration_ms, Some(12));
}

#[test]
fn completed_response_is_token_usage() {
    // Real attributes (0.169, `http500_retry`), mixed string and int values as captured.
    let f = typed(
        "codex.sse_event",
        &[
            ("event.kind", V::Str("response.completed")),
            ("input_token_count", V::Str("4210")),
            ("output_token_count", V::Str("57")),
            ("cached_token_count", V::I64(3968)),
            ("cache_write_token_count", V::I64(0)),
            ("reasoning_token_count", V::I64(32)),
            ("tool_token_count", V::Str("4267")),
            ("ttft_ms", V::I64(0)),
        ],
    );
    let EventKind::TokenUsage(u) = kind(&f) else {
        panic!()
    };
    let want = TokenUsage {
        input_tokens: 4210,
        cached_input_tokens: 3968,
        cache_write_input_tokens: 0,
        output_tokens: 57,
        reasoning_output_tokens: 32,
        cache_write_1h_input_tokens: 0,
    };
    assert_eq!(u.usage, want, "input includes the cached tokens");
    assert_eq!(u.usage.total_tokens(), 4267, "= tool_token_count");
    assert_eq!(u.prompt_tokens, Some(4210));
    assert_eq!(u.cumulative, None);
    let s = strs(
        "codex.sse_event",
        &[
            ("event.kind", "response.completed"),
            ("input_token_count", "4210"),
            ("output_token_count", "57"),
            ("cached_token_count", "3968"),
            ("cache_write_token_count", "0"),
            ("reasoning_token_count", "32"),
            ("tool_token_count", "4267"),
            ("ttft_ms", "0"),
        ],
    );
    assert_eq!(dec(&s), dec(&f));

    // The older form without cache writes; subsets clamped as the rollout reader does.
    let s = strs(
        "codex.sse_event",
        &[
            ("event.kind", "response.completed"),
            ("input_token_count", "100"),
            ("output_token_count", "10"),
            ("cached_token_count", "150"),
            ("reasoning_token_count", "20"),
            ("tool_token_count", "110"),
        ],
    );
    let EventKind::TokenUsage(u) = kind(&s) else {
        panic!()
    };
    assert_eq!(
        (u.usage.cached_input_tokens, u.usage.reasoning_output_tokens),
        (100, 10)
    );

    // A missing output count comes from the total (`tool_token_count`).
    let s = strs(
        "codex.sse_event",
        &[
            ("event.kind", "response.completed"),
            ("input_token_count", "100"),
            ("tool_token_count", "130"),
        ],
    );
    let EventKind::TokenUsage(u) = kind(&s) else {
        panic!()
    };
    assert_eq!((u.usage.input_tokens, u.usage.output_tokens), (100, 30));

    // `see_event_completed_failed`: the completed kind with only an error.
    let s = strs(
        "codex.sse_event",
        &[
            ("event.kind", "response.completed"),
            ("error.message", "boom"),
        ],
    );
    assert!(matches!(kind(&s), EventKind::StreamEvent(e) if e.error.as_deref() == Some("boom")));
}

#[test]
fn websocket_events() {
    let s = strs(
        "codex.websocket_connect",
        &[
            ("duration_ms", "80"),
            ("http.response.status_code", "101"),
            ("success", "true"),
            ("auth.connection_reused", "false"),
            ("endpoint", "/responses"),
        ],
    );
    let EventKind::WebSocketConnect(w) = kind(&s) else {
        panic!()
    };
    assert_eq!(w.duration_ms, Some(80));
    assert_eq!(w.status_code, Some(101));
    assert_eq!(w.success, Some(true));
    assert_eq!(w.connection_reused, Some(false));
    assert_eq!(w.error, None);
    let t = typed(
        "codex.websocket_connect",
        &[
            ("duration_ms", V::U64(80)),
            ("http.response.status_code", V::U64(101)),
            ("success", V::Bool(true)),
            ("auth.connection_reused", V::Bool(false)),
            ("endpoint", V::Str("/responses")),
        ],
    );
    assert_eq!(dec(&t), dec(&s));

    let s = strs(
        "codex.websocket_request",
        &[
            ("duration_ms", "5"),
            ("success", "false"),
            ("error.message", "connection reset"),
            ("auth.connection_reused", "true"),
        ],
    );
    let EventKind::WebSocketRequest(w) = kind(&s) else {
        panic!()
    };
    assert_eq!(w.duration_ms, Some(5));
    assert_eq!(w.success, Some(false));
    assert_eq!(w.error.as_deref(), Some("connection reset"));
    assert_eq!(w.connection_reused, Some(true));

    let s = strs(
        "codex.websocket_event",
        &[
            ("event.kind", "response.created"),
            ("duration_ms", "3"),
            ("success", "true"),
        ],
    );
    let EventKind::StreamEvent(e) = kind(&s) else {
        panic!()
    };
    assert_eq!(e.transport, StreamTransport::WebSocket);
    assert_eq!(e.event_kind.as_deref(), Some("response.created"));
    assert_eq!((e.duration_ms, e.error), (Some(3), None));
    // Unsuccessful without a message: still an error.
    let s = strs(
        "codex.websocket_event",
        &[("event.kind", "parse_error"), ("success", "false")],
    );
    assert!(
        matches!(kind(&s), EventKind::StreamEvent(e) if e.error.as_deref() == Some(UNSUCCESSFUL))
    );
}

#[test]
fn user_prompt() {
    // Real attributes (0.169, `http500_retry`, `log_user_prompt = true`).
    let s = strs(
        "codex.user_prompt",
        &[
            ("prompt_length", "28"),
            ("prompt", "scenario=http500 run echo hi"),
        ],
    );
    let EventKind::UserPrompt(p) = kind(&s) else {
        panic!()
    };
    assert_eq!(p.length, 28);
    assert_eq!(
        (p.text_inputs, p.image_inputs, p.local_image_inputs),
        (1, 0, 0)
    );
    assert_eq!(p.text, Redacted::withheld(28), "content is off by default");
    let EventKind::UserPrompt(p) = with_content(&s) else {
        panic!()
    };
    assert_eq!(
        p.text,
        Redacted::shown("scenario=http500 run echo hi".to_owned())
    );

    // Withheld by Codex: withheld here too, whatever the options.
    let s = strs(
        "codex.user_prompt",
        &[("prompt_length", "1811"), ("prompt", REDACTED_PROMPT)],
    );
    let EventKind::UserPrompt(p) = with_content(&s) else {
        panic!()
    };
    assert_eq!(p.length, 1811);
    assert_eq!(p.text, Redacted::withheld(1811));

    // The trace variant: counts, no text.
    let t = typed(
        "codex.user_prompt",
        &[
            ("prompt_length", V::Str("12")),
            ("text_input_count", V::I64(1)),
            ("image_input_count", V::I64(2)),
            ("local_image_input_count", V::I64(1)),
        ],
    );
    let EventKind::UserPrompt(p) = with_content(&t) else {
        panic!()
    };
    assert_eq!(
        (
            p.length,
            p.text_inputs,
            p.image_inputs,
            p.local_image_inputs
        ),
        (12, 1, 2, 1)
    );
    assert_eq!(p.text, Redacted::withheld(12));
    let s = strs(
        "codex.user_prompt",
        &[
            ("prompt_length", "12"),
            ("text_input_count", "1"),
            ("image_input_count", "2"),
            ("local_image_input_count", "1"),
        ],
    );
    assert_eq!(dec(&s), dec(&t));

    // No length given: the text's, in characters.
    let s = strs("codex.user_prompt", &[("prompt", "héllo")]);
    assert!(matches!(kind(&s), EventKind::UserPrompt(p) if p.length == 5));
}

#[test]
fn tool_decision() {
    // Real attributes (0.169, `tool_approved_by_reviewer`).
    let s = strs(
        "codex.tool_decision",
        &[
            ("tool_name", "exec_command"),
            ("tool_namespace", "functions"),
            ("call_id", "call_3e16793a48284f11914dbfa5"),
            ("decision", "approved"),
            ("source", "AutomatedReviewer"),
        ],
    );
    let EventKind::ToolDecision(d) = kind(&s) else {
        panic!()
    };
    assert_eq!(d.tool, "exec_command");
    assert_eq!(d.call_id.as_deref(), Some("call_3e16793a48284f11914dbfa5"));
    assert_eq!(d.decision, Decision::Approved);
    assert_eq!(d.source, Some(DecisionSource::AutomatedReviewer));

    for (text, want) in [
        ("approvedforsession", Decision::ApprovedForSession),
        (
            "approvedexecpolicyamendment",
            Decision::ApprovedExecPolicyAmendment,
        ),
        ("networkpolicyamendment", Decision::NetworkPolicyAmendment),
        ("denied", Decision::Denied),
        ("timedout", Decision::TimedOut),
        ("abort", Decision::Abort),
        ("Approved", Decision::Approved),
    ] {
        let s = strs(
            "codex.tool_decision",
            &[
                ("tool_name", "mcp__github__create_issue"),
                ("decision", text),
                ("source", "User"),
            ],
        );
        let EventKind::ToolDecision(d) = kind(&s) else {
            panic!()
        };
        assert_eq!(d.decision, want, "{text}");
        assert_eq!(d.source, Some(DecisionSource::User));
        assert_eq!(d.tool, "create_issue", "named as the tool result names it");
    }

    // No decision: an error, not a made-up denial.
    let s = strs("codex.tool_decision", &[("tool_name", "exec_command")]);
    let e = err(&s);
    assert_eq!(
        e,
        DecodeError::MissingField {
            event: "codex.tool_decision".into(),
            field: "decision"
        }
    );
    assert_eq!((e.event(), e.field()), ("codex.tool_decision", "decision"));
}

/// Real attributes of the `tool_fail` capture (0.169): the command exited with code 2 while
/// Codex reports `success = "true"`.
fn tool_fail_fields() -> Vec<(&'static str, V<'static>)> {
    typed(
        "codex.tool_result",
        &[
            ("tool_result_seq", V::I64(1)),
            ("tool_name", V::Str("exec_command")),
            ("tool_namespace", V::Str("functions")),
            ("call_id", V::Str("call_ed66502694f24deba2434a87")),
            ("duration_ms", V::Str("221")),
            ("success", V::Str("true")),
            ("output_truncated", V::Bool(false)),
            ("agent_name", V::Str("/home/dev")),
            (
                "arguments",
                V::Str(
                    "{\"cmd\": \"ls /definitely/not/here && echo unreachable\", \"yield_time_ms\": 2000}",
                ),
            ),
            (
                "output",
                V::Str(
                    "Chunk ID: 08645e\nWall time: 0.0431 seconds\nProcess exited with code 2\nOriginal token count: 31\nOutput:\nls: cannot access '/definitely/not/here': No such file or directory\n",
                ),
            ),
            ("mcp_server", V::Str("")),
            ("mcp_server_origin", V::Str("")),
        ],
    )
}

#[test]
fn tool_result_log_variant() {
    let f = tool_fail_fields();
    let EventKind::ToolResult(r) = kind(&f) else {
        panic!()
    };
    assert_eq!(r.tool, "exec_command");
    assert_eq!(r.call_id.as_deref(), Some("call_ed66502694f24deba2434a87"));
    assert_eq!(r.duration_ms, Some(221));
    assert_eq!(r.process_duration_ms, Some(43), "the output's wall time");
    assert_eq!(r.exit_code, Some(2));
    assert_eq!(r.success, Some(false), "exit code 2 is a failure");
    assert_eq!(r.reported_success, Some(true));
    assert_eq!(r.origin, Some(ToolOrigin::Builtin));
    assert_eq!(r.mcp_server, None);
    assert!(r.arguments.is_withheld() && r.output.is_withheld());
    let args =
        "{\"cmd\": \"ls /definitely/not/here && echo unreachable\", \"yield_time_ms\": 2000}";
    assert_eq!(r.arguments.len(), args.chars().count() as u64);
    let EventKind::ToolResult(shown) = with_content(&f) else {
        panic!()
    };
    assert_eq!(
        shown.arguments.value().map(String::as_str),
        Some("{\"cmd\": \"ls /definitely/not/here && echo unreachable\", \"yield_time_ms\": 2000}")
    );
    assert!(
        shown
            .output
            .value()
            .unwrap()
            .contains("Process exited with code 2")
    );
    assert_eq!(shown.output.len(), r.output.len());

    // An MCP tool.
    let s = strs(
        "codex.tool_result",
        &[
            ("tool_name", "create_issue"),
            ("call_id", "c1"),
            ("duration_ms", "900"),
            ("success", "false"),
            ("output", "rate limited"),
            ("mcp_server", "github"),
        ],
    );
    let EventKind::ToolResult(r) = kind(&s) else {
        panic!()
    };
    assert_eq!(r.origin, Some(ToolOrigin::Mcp));
    assert_eq!(r.mcp_server.as_deref(), Some("github"));
    assert_eq!(
        (r.success, r.reported_success, r.exit_code),
        (Some(false), Some(false), None)
    );
    assert_eq!(r.process_duration_ms, None);
    let s = strs(
        "codex.tool_result",
        &[("tool_name", "mcp__github__create_issue")],
    );
    let EventKind::ToolResult(r) = kind(&s) else {
        panic!()
    };
    assert_eq!(r.tool, "create_issue");
    assert_eq!(r.mcp_server.as_deref(), Some("github"));
    assert_eq!(r.origin, Some(ToolOrigin::Mcp));
}

#[test]
fn tool_result_trace_variant() {
    let t = typed(
        "codex.tool_result",
        &[
            ("tool_name", V::Str("exec_command")),
            ("call_id", V::Str("c2")),
            ("duration_ms", V::Str("15")),
            ("success", V::Str("true")),
            ("arguments_length", V::I64(40)),
            ("output_length", V::I64(120)),
            ("output_line_count", V::I64(3)),
            ("tool_origin", V::Str("builtin")),
            ("mcp_tool", V::Bool(false)),
        ],
    );
    let EventKind::ToolResult(r) = with_content(&t) else {
        panic!()
    };
    assert_eq!(r.arguments, Redacted::withheld(40));
    assert_eq!(r.output, Redacted::withheld(120));
    assert_eq!(r.origin, Some(ToolOrigin::Builtin));
    assert_eq!(
        (r.success, r.reported_success, r.duration_ms),
        (Some(true), Some(true), Some(15))
    );
    let s = strs(
        "codex.tool_result",
        &[
            ("tool_name", "exec_command"),
            ("call_id", "c2"),
            ("duration_ms", "15"),
            ("success", "true"),
            ("arguments_length", "40"),
            ("output_length", "120"),
            ("output_line_count", "3"),
            ("tool_origin", "builtin"),
            ("mcp_tool", "false"),
        ],
    );
    assert_eq!(dec(&s), dec(&t));

    // `log_tool_failed`: the error stands for the output.
    let s = strs(
        "codex.tool_result",
        &[
            ("tool_name", "shell"),
            ("success", "false"),
            ("error.message", "sandbox denied"),
            ("tool_origin", "mcp"),
        ],
    );
    let EventKind::ToolResult(r) = kind(&s) else {
        panic!()
    };
    assert_eq!(r.output, Redacted::withheld(14));
    assert_eq!(r.success, Some(false));
    assert_eq!(r.origin, Some(ToolOrigin::Mcp));
    // No name at all.
    let s = strs("codex.tool_result", &[]);
    assert!(matches!(kind(&s), EventKind::ToolResult(r) if r.tool == "unknown"));
}

#[test]
fn known_events_kept_as_other() {
    // Real attributes (0.169): `codex.turn_ttft` and `codex.startup_phase`.
    let s = strs("codex.turn_ttft", &[("duration_ms", "337")]);
    let EventKind::Other(o) = kind(&s) else {
        panic!()
    };
    assert_eq!(o.name, "codex.turn_ttft");
    assert_eq!(
        o.attributes,
        Attributes::from([("duration_ms".to_owned(), Value::Int(337))]),
        "typed, and without the metadata"
    );
    let t = typed("codex.turn_ttft", &[("duration_ms", V::U64(337))]);
    assert_eq!(dec(&t), dec(&s));

    let s = strs(
        "codex.startup_phase",
        &[
            ("startup.phase", "thread_start_create_thread"),
            ("startup.status", "ready"),
            ("duration_ms", "14"),
        ],
    );
    let EventKind::Other(o) = kind(&s) else {
        panic!()
    };
    assert_eq!(
        o.attributes["startup.phase"],
        Value::from("thread_start_create_thread")
    );
    assert_eq!(o.attributes["duration_ms"], Value::Int(14));

    let s = strs(
        "codex.sandbox_outcome",
        &[
            ("tool_name", "exec_command"),
            ("call_id", "c3"),
            ("outcome", "escalated"),
            ("initial_duration_ms", "120"),
            ("escalated_duration_ms", ""),
        ],
    );
    let EventKind::Other(o) = kind(&s) else {
        panic!()
    };
    assert_eq!(o.attributes["initial_duration_ms"], Value::Int(120));
    assert!(
        !o.attributes.contains_key("escalated_duration_ms"),
        "empty is absent"
    );
    assert_eq!(o.attributes["outcome"], Value::from("escalated"));

    let s = strs(
        "codex.auth_recovery",
        &[
            ("auth.mode", "Chatgpt"),
            ("auth.step", "refresh_token"),
            ("auth.outcome", "recovered"),
            ("auth.state_changed", "true"),
        ],
    );
    let EventKind::Other(o) = kind(&s) else {
        panic!()
    };
    assert_eq!(o.attributes["auth.state_changed"], Value::Bool(true));
    assert_eq!(o.attributes["auth.step"], Value::from("refresh_token"));
    let s = strs("codex.auth_recovery", &[("auth.state_changed", "perhaps")]);
    assert_eq!(err(&s).field(), "auth.state_changed");
}

#[test]
fn unknown_codex_event_is_other() {
    let f = typed(
        "codex.plugin_install_suggestion",
        &[
            ("plugin_install.tool_type", V::Str("connector")),
            ("plugin_install.user_confirmed", V::Bool(true)),
            ("count", V::I64(-3)),
            ("big", V::U64(u64::MAX)),
            ("ratio", V::F64(0.5)),
            ("nan", V::F64(f64::NAN)),
            ("count", V::I64(4)),
        ],
    );
    let EventKind::Other(o) = kind(&f) else {
        panic!()
    };
    assert_eq!(o.name, "codex.plugin_install_suggestion");
    let want = Attributes::from([
        (
            "plugin_install.tool_type".to_owned(),
            Value::from("connector"),
        ),
        (
            "plugin_install.user_confirmed".to_owned(),
            Value::Bool(true),
        ),
        ("count".to_owned(), Value::Int(4)),
        ("big".to_owned(), Value::from(u64::MAX.to_string())),
        ("ratio".to_owned(), Value::Float(0.5)),
        ("nan".to_owned(), Value::from("NaN")),
    ]);
    assert_eq!(o.attributes, want);
    // A name alone.
    let f = [(EVENT_NAME, V::Str("codex."))];
    assert!(
        matches!(kind(&f), EventKind::Other(o) if o.name == "codex." && o.attributes.is_empty())
    );
}

#[test]
fn not_codex_is_not_decoded() {
    let opts = DecodeOptions::default();
    let f = [
        (EVENT_NAME, V::Str("claude_code.api_request")),
        ("attempt", V::Str("abc")),
    ];
    assert_eq!(decode(&f, &opts), Ok(None));
    let f = [("message", V::Str("a DEBUG line"))];
    assert_eq!(decode(&f, &opts), Ok(None));
    let f: [(&str, V<'_>); 0] = [];
    assert_eq!(decode(&f, &opts), Ok(None));
    assert_eq!(decode_event("Codex.api_request", &f, &opts), Ok(None));
    // `decode_event` takes the name apart.
    let f = [("attempt", V::I64(2))];
    let d = decode_event("codex.api_request", &f, &opts)
        .unwrap()
        .unwrap();
    assert!(matches!(d.kind, EventKind::ApiRequest(r) if r.attempt == 2));
}

#[test]
fn bad_values_name_the_event_and_field() {
    let s = strs("codex.api_request", &[("attempt", "abc")]);
    let e = err(&s);
    assert_eq!(
        e,
        DecodeError::BadField {
            event: "codex.api_request".into(),
            field: "attempt".into(),
            value: "abc".into(),
            expected: "an integer from 0 to 4294967295",
        }
    );
    let msg = e.to_string();
    assert!(
        msg.contains("codex.api_request") && msg.contains("`attempt`") && msg.contains("\"abc\""),
        "{msg}"
    );

    for (name, field, value) in [
        (
            "codex.api_request",
            "http.response.status_code",
            V::I64(70_000),
        ),
        ("codex.api_request", "duration_ms", V::Str("-4")),
        ("codex.api_request", "duration_ms", V::F64(1.5)),
        ("codex.api_request", "duration_ms", V::Bool(true)),
        ("codex.websocket_connect", "success", V::Str("maybe")),
        (
            "codex.websocket_request",
            "auth.connection_reused",
            V::I64(2),
        ),
        ("codex.sse_event", "input_token_count", V::Str("lots")),
        ("codex.sse_event", "duration_ms", V::F64(f64::NAN)),
        ("codex.user_prompt", "prompt_length", V::I64(-1)),
        ("codex.user_prompt", "image_input_count", V::U64(1 << 40)),
        ("codex.tool_result", "success", V::Str("yes")),
        ("codex.tool_result", "output_length", V::Str("12 chars")),
        (
            "codex.conversation_starts",
            "context_window",
            V::Str("272k"),
        ),
        ("codex.turn_ttft", "duration_ms", V::Str("soon")),
    ] {
        let f = typed(
            name,
            &[("event.kind", V::Str("response.completed")), (field, value)],
        );
        let e = err(&f);
        assert_eq!((e.event(), e.field()), (name, field), "{e}");
    }
    // A long value is cut in the error.
    let long = "x".repeat(1000);
    let f = typed("codex.api_request", &[("attempt", V::Str(&long))]);
    let DecodeError::BadField { value, .. } = err(&f) else {
        panic!()
    };
    assert_eq!(value.len(), 64);
}

#[test]
fn lenient_forms_of_numbers_and_booleans() {
    // Blank is absent; floats with no fraction, spaced numbers, 0/1 and any-case booleans
    // are read.
    let s = strs(
        "codex.websocket_connect",
        &[
            ("duration_ms", " 12 "),
            ("http.response.status_code", ""),
            ("success", "TRUE"),
            ("auth.connection_reused", "0"),
        ],
    );
    let EventKind::WebSocketConnect(w) = kind(&s) else {
        panic!()
    };
    assert_eq!(
        (w.duration_ms, w.status_code, w.success, w.connection_reused),
        (Some(12), None, Some(true), Some(false))
    );
    let t = typed(
        "codex.websocket_connect",
        &[("duration_ms", V::F64(12.0)), ("success", V::I64(1))],
    );
    let EventKind::WebSocketConnect(w) = kind(&t) else {
        panic!()
    };
    assert_eq!((w.duration_ms, w.success), (Some(12), Some(true)));
}

#[test]
fn fields_collector_decodes_like_a_slice() {
    let slice = tool_fail_fields();
    let mut fields = Fields::new();
    // Filled twice: the second time from a cleared collector.
    for _ in 0..2 {
        fields.clear();
        for (k, v) in &slice {
            match v {
                // What a tracing visitor does with `%x` and `str` fields.
                V::Str(s) if *k == "duration_ms" => fields.push_debug(k, &format_args!("{s}")),
                V::Str(s) if *k == "success" => fields.push_display(k, s),
                V::Str(s) => fields.push_str(k, s),
                other => fields.push(k, *other),
            }
        }
        assert_eq!(fields.len(), slice.len());
        assert_eq!(
            dec(&slice),
            decode(&fields, &DecodeOptions::default()).unwrap().unwrap()
        );
        assert_eq!(fields.iter().count(), slice.len());
    }
    // Typed values in a collector read like strings in a slice.
    let mut fields = Fields::new();
    fields.push_str(EVENT_NAME, "codex.api_request");
    fields.push_display("duration_ms", &36u64);
    fields.push("attempt", V::U64(0));
    fields.push("attempt", V::U64(1));
    let s = [
        (EVENT_NAME, V::Str("codex.api_request")),
        ("duration_ms", V::Str("36")),
        ("attempt", V::Str("1")),
    ];
    let a = decode(&fields, &DecodeOptions::default()).unwrap().unwrap();
    assert_eq!(a, dec(&s));
    assert!(
        matches!(a.kind, EventKind::ApiRequest(r) if r.attempt == 1),
        "the last value wins"
    );
    // Owned keys work too.
    let owned: Vec<(String, V<'_>)> = s.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
    assert_eq!(
        decode(&owned, &DecodeOptions::default()).unwrap().unwrap(),
        dec(&s)
    );
}

#[test]
fn into_event() {
    let s = strs("codex.turn_ttft", &[("duration_ms", "337")]);
    let d = dec(&s);
    let ctx = Arc::new(d.meta.to_context());
    let at = d.at.unwrap();
    let ev = d.into_event(ctx.clone(), Timestamp::default());
    assert_eq!(ev.at, at);
    assert_eq!(ev.kind.type_name(), "other");
    let f = [(EVENT_NAME, V::Str("codex.turn_ttft"))];
    let fallback = Timestamp::from_unix_millis(5);
    assert_eq!(dec(&f).into_event(ctx, fallback).at, fallback);
}

/// The same facts, read from the rollout of the capture and from its OTLP logs, give the same
/// events: the responses' token usage (`http500_retry`) and the failed command (`tool_fail`).
#[test]
fn same_facts_as_the_rollout_reader() {
    use crate::{ReadOptions, RolloutReader};
    fn rollout_events(scenario: &str) -> Vec<EventKind> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/codex-0.169")
            .join(scenario);
        let file = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
            .unwrap();
        RolloutReader::open(&file, ReadOptions::default())
            .unwrap()
            .map(|e| e.unwrap().kind)
            .collect()
    }

    let from_rollout: Vec<TokenUsage> = rollout_events("http500_retry")
        .into_iter()
        .filter_map(|k| match k {
            EventKind::TokenUsage(u) => Some(u.usage),
            _ => None,
        })
        .collect();
    // The two `response.completed` records of the capture's OTLP logs.
    let otlp = [
        [
            ("input_token_count", "4210"),
            ("output_token_count", "57"),
            ("cached_token_count", "3968"),
            ("cache_write_token_count", "0"),
            ("reasoning_token_count", "32"),
            ("tool_token_count", "4267"),
        ],
        [
            ("input_token_count", "4570"),
            ("output_token_count", "38"),
            ("cached_token_count", "4096"),
            ("cache_write_token_count", "0"),
            ("reasoning_token_count", "0"),
            ("tool_token_count", "4608"),
        ],
    ];
    let from_otlp: Vec<TokenUsage> = otlp
        .iter()
        .map(|counts| {
            let mut f = counts.to_vec();
            f.push(("event.kind", "response.completed"));
            match kind(&strs("codex.sse_event", &f)) {
                EventKind::TokenUsage(u) => u.usage,
                other => panic!("{other:?}"),
            }
        })
        .collect();
    assert_eq!(from_otlp, from_rollout);

    let rollout_tool = rollout_events("tool_fail")
        .into_iter()
        .find_map(|k| match k {
            EventKind::ToolResult(r) => Some(r),
            _ => None,
        })
        .unwrap();
    let EventKind::ToolResult(otlp_tool) = kind(&tool_fail_fields()) else {
        panic!()
    };
    assert_eq!(otlp_tool.tool, rollout_tool.tool);
    assert_eq!(otlp_tool.call_id, rollout_tool.call_id);
    assert_eq!(otlp_tool.exit_code, rollout_tool.exit_code);
    assert_eq!(otlp_tool.success, rollout_tool.success);
    assert_eq!(otlp_tool.origin, rollout_tool.origin);
    assert_eq!(otlp_tool.mcp_server, rollout_tool.mcp_server);
    assert_eq!(otlp_tool.arguments, rollout_tool.arguments);
}

/// Event names the property tests pick from: every modeled one, some kept as `Other`, and
/// names that are not Codex's.
const NAMES: &[&str] = &[
    "codex.conversation_starts",
    "codex.api_request",
    "codex.sse_event",
    "codex.websocket_connect",
    "codex.websocket_request",
    "codex.websocket_event",
    "codex.user_prompt",
    "codex.tool_decision",
    "codex.tool_result",
    "codex.turn_ttft",
    "codex.sandbox_outcome",
    "codex.auth_recovery",
    "codex.something_new",
    "codex.",
    "gen_ai.client.inference",
    "",
];

/// Every field the decoder reads, and a few it does not.
const KEYS: &[&str] = &[
    "event.name",
    "event.timestamp",
    "conversation.id",
    "model",
    "slug",
    "app.version",
    "originator",
    "auth_mode",
    "terminal.type",
    "user.account_id",
    "user.email",
    "provider_name",
    "reasoning_effort",
    "reasoning_summary",
    "context_window",
    "auto_compact_token_limit",
    "approval_policy",
    "sandbox_policy",
    "mcp_servers",
    "active_profile",
    "duration_ms",
    "http.response.status_code",
    "error.message",
    "attempt",
    "endpoint",
    "success",
    "auth.connection_reused",
    "event.kind",
    "input_token_count",
    "output_token_count",
    "cached_token_count",
    "cache_write_token_count",
    "reasoning_token_count",
    "tool_token_count",
    "ttft_ms",
    "prompt",
    "prompt_length",
    "text_input_count",
    "image_input_count",
    "local_image_input_count",
    "tool_name",
    "call_id",
    "decision",
    "source",
    "arguments",
    "arguments_length",
    "output",
    "output_length",
    "mcp_server",
    "tool_origin",
    "mcp_tool",
    "initial_duration_ms",
    "escalated_duration_ms",
    "auth.state_changed",
    "unrelated",
];

/// A typed value (never a string).
#[derive(Clone, Debug)]
enum Num {
    I(i64),
    U(u64),
    F(f64),
    B(bool),
}

impl Num {
    fn value(&self) -> V<'static> {
        match *self {
            Num::I(v) => V::I64(v),
            Num::U(v) => V::U64(v),
            Num::F(v) => V::F64(v),
            Num::B(v) => V::Bool(v),
        }
    }
}

fn typed_value() -> impl Strategy<Value = Num> {
    prop_oneof![
        (-3i64..300).prop_map(Num::I),
        any::<i64>().prop_map(Num::I),
        (0u64..70_000).prop_map(Num::U),
        any::<u64>().prop_map(Num::U),
        (0u32..5000).prop_map(|v| Num::F(f64::from(v))),
        any::<f64>().prop_map(Num::F),
        Just(Num::F(f64::NAN)),
        Just(Num::F(-0.0)),
        any::<bool>().prop_map(Num::B),
    ]
}

/// A string value: numbers and booleans as text, timestamps, decisions, arbitrary text.
fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,22}",
        "[0-9]{1,3}\\.[0-9]{0,3}",
        Just("true".to_owned()),
        Just("False".to_owned()),
        Just(String::new()),
        Just(" ".to_owned()),
        Just(REDACTED_PROMPT.to_owned()),
        Just("response.completed".to_owned()),
        Just("2026-11-25T08:21:22.319Z".to_owned()),
        Just("mcp__srv__tool".to_owned()),
        Just("Process exited with code 3\nWall time: 1.5 seconds\n".to_owned()),
        Just(
            "{\"output\":\"x\",\"metadata\":{\"exit_code\":1,\"duration_seconds\":0.2}}".to_owned()
        ),
        "\\PC{0,24}",
    ]
}

#[derive(Clone, Debug)]
enum AnyValue {
    Typed(Num),
    Text(String),
}

fn any_value() -> impl Strategy<Value = AnyValue> {
    prop_oneof![
        typed_value().prop_map(AnyValue::Typed),
        text_value().prop_map(AnyValue::Text),
    ]
}

fn any_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(KEYS).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

fn any_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(NAMES).prop_map(str::to_owned),
        1 => "(codex\\.)?\\PC{0,16}",
    ]
}

proptest! {
    /// Arbitrary names, keys and values never panic, and a decoded event names its error.
    #[test]
    fn never_panics(
        name in any_name(),
        fields in proptest::collection::vec((any_key(), any_value()), 0..24),
        content in any::<bool>(),
    ) {
        let mut list: Vec<(&str, V<'_>)> = vec![(EVENT_NAME, V::Str(name.as_str()))];
        for (k, v) in &fields {
            list.push((k.as_str(), match v {
                AnyValue::Typed(t) => t.value(),
                AnyValue::Text(s) => V::Str(s.as_str()),
            }));
        }
        let opts = DecodeOptions::default().with_content(content);
        match decode(&list, &opts) {
            Ok(Some(d)) => {
                prop_assert!(d.meta.to_context().harness == Harness::Codex);
            }
            Ok(None) => {}
            Err(e) => {
                prop_assert!(e.event().starts_with(CODEX_PREFIX));
                prop_assert!(e.to_string().contains(e.field()));
            }
        }
        let mut collected = Fields::new();
        for (k, v) in &list {
            collected.push(k, *v);
        }
        prop_assert_eq!(decode(&collected, &opts), decode(&list, &opts));
    }

    /// A modeled event decodes the same whether its values come typed or as their text.
    #[test]
    fn text_reads_as_typed(
        name in proptest::sample::select(&NAMES[..9]),
        fields in proptest::collection::vec(
            (proptest::sample::select(KEYS), typed_value()), 0..16),
    ) {
        let texts: Vec<String> = fields.iter().map(|(_, v)| v.value().to_string()).collect();
        let mut as_typed: Vec<(&str, V<'_>)> = vec![(EVENT_NAME, V::Str(name))];
        let mut as_text = as_typed.clone();
        for ((k, v), t) in fields.iter().zip(&texts) {
            if *k == EVENT_NAME {
                continue;
            }
            as_typed.push((k, v.value()));
            as_text.push((k, V::Str(t)));
        }
        let opts = DecodeOptions::default().with_content(true);
        let a = decode(&as_typed, &opts);
        let b = decode(&as_text, &opts);
        // NaN never equals itself: compare the debug forms.
        prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }
}
