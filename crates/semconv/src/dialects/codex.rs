//! The Codex dialect: Codex CLI's own log events and metrics, for any harness.

use agentobs_schema::{
    DecisionSource, Event, EventKind, SessionContext, StreamTransport, Timestamp,
};

use crate::keys::codex as k;
use crate::keys::resource as res;
use crate::record::{AttrList, InstrumentationScope, Resource, Severity, Temporality};
use crate::{Dialect, MapContext, TurnState};

/// Codex CLI's own names (`codex-rs/otel`): the `codex.*` log events with Codex's attribute
/// keys (values as strings, as Codex writes them) and the `codex.*` metrics with its default
/// tags (`auth_mode`, `session_source`, `originator`, `model`, `app.version`), delta
/// temporality. One metric of ours besides: `agentobs.cost.usd` (USD, each priced request's
/// cost, on the same default tags), which Codex has no counterpart for.
///
/// Dashboards built for Codex then work for any harness — and for `codex exec` runs, whose
/// per-turn token metric Codex itself does not emit. No spans: Codex's own spans are its
/// `tracing` internals, which no dashboard reads.
///
/// One deliberate difference: `success` on `codex.tool_result` and `codex.tool.call` is the
/// truth when the source knows it (a command that exited non-zero failed), where Codex
/// reports `true`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Codex;

impl Codex {
    /// The dialect.
    pub fn new() -> Self {
        Codex
    }
}

fn bool_str(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// The attributes Codex puts on every log event.
fn log_attrs(ctx: &SessionContext, name: &'static str, at: Timestamp) -> AttrList {
    let mut a = AttrList::with_capacity(12);
    a.push(k::EVENT_NAME, name);
    a.push(k::EVENT_TIMESTAMP, at.to_string());
    if let Some(c) = ctx.thread_or_session_id() {
        a.push(k::CONVERSATION_ID, c.to_owned());
    }
    if let Some(v) = &ctx.app_version {
        a.push(k::APP_VERSION, v.clone());
    }
    if let Some(m) = &ctx.auth_mode {
        a.push(k::AUTH_MODE, m.clone());
    }
    if let Some(o) = &ctx.originator {
        a.push(k::ORIGINATOR, o.clone());
    }
    if let Some(id) = ctx.account.as_ref().and_then(|a| a.id.clone()) {
        a.push(k::USER_ACCOUNT_ID, id);
    }
    if let Some(m) = &ctx.model {
        a.push(k::MODEL, m.clone());
        a.push(k::SLUG, m.clone());
    }
    a
}

/// Codex's default metric tags, in its order, each skipped when absent.
fn metric_tags(ctx: &SessionContext) -> AttrList {
    let mut a = AttrList::with_capacity(8);
    if let Some(m) = &ctx.auth_mode {
        a.push(k::AUTH_MODE, sanitize(m));
    }
    if let Some(s) = &ctx.source {
        a.push(k::SESSION_SOURCE, sanitize(s));
    }
    if let Some(o) = &ctx.originator {
        a.push(k::ORIGINATOR, sanitize(o));
    }
    if let Some(m) = &ctx.model {
        a.push(k::MODEL, sanitize(m));
    }
    if let Some(v) = &ctx.app_version {
        a.push(k::APP_VERSION, sanitize(v));
    }
    a
}

/// Codex allows `[A-Za-z0-9._-/]` in tag values and rejects empty ones; it sanitizes the
/// rest to `_`.
fn sanitize(v: &str) -> String {
    let s: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "unknown".to_owned()
    } else {
        s
    }
}

fn ms(v: u64) -> f64 {
    v as f64
}

impl Dialect for Codex {
    fn name(&self) -> &str {
        "codex"
    }

    fn scope(&self) -> InstrumentationScope {
        InstrumentationScope {
            name: "codex".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            schema_url: None,
        }
    }

    /// Codex's resource: `service.name` = the originator (`codex_exec`, …), `service.version`,
    /// `env`; plus `service.instance.id` (the thread), so each session's delta points are a
    /// series of their own.
    fn resource(&self, ctx: &SessionContext) -> Resource {
        let mut attributes = AttrList::with_capacity(4);
        let service = ctx
            .originator
            .clone()
            .unwrap_or_else(|| ctx.harness.as_str().to_owned());
        attributes.push(res::SERVICE_NAME, service);
        if let Some(id) = ctx.thread_or_session_id() {
            attributes.push(res::SERVICE_INSTANCE_ID, id.to_owned());
        }
        if let Some(v) = &ctx.app_version {
            attributes.push(res::SERVICE_VERSION, v.clone());
        }
        if let Some(e) = &ctx.environment {
            attributes.push(k::ENV, e.clone());
        }
        attributes.push(
            crate::keys::agentobs::HARNESS,
            ctx.harness.as_str().to_owned(),
        );
        Resource {
            attributes,
            schema_url: None,
        }
    }

    fn temporality(&self) -> Temporality {
        Temporality::Delta
    }

    fn map(&self, event: &Event, cx: &mut MapContext<'_>) {
        let ctx = &event.ctx;
        let at = event.at;
        match &event.kind {
            EventKind::SessionStarted(s) => {
                let mut a = log_attrs(ctx, k::CONVERSATION_STARTS, at);
                a.set_opt(
                    k::PROVIDER_NAME,
                    s.provider.clone().or_else(|| ctx.model_provider.clone()),
                );
                a.set_opt(k::REASONING_EFFORT, s.reasoning_effort.clone());
                a.set_opt(k::REASONING_SUMMARY, s.reasoning_summary.clone());
                a.set_opt(k::CONTEXT_WINDOW, s.context_window.map(|v| v.to_string()));
                a.set_opt(
                    k::AUTO_COMPACT_TOKEN_LIMIT,
                    s.auto_compact_token_limit.map(|v| v.to_string()),
                );
                a.set_opt(k::APPROVAL_POLICY, s.approval_policy.clone());
                a.set_opt(k::SANDBOX_POLICY, s.sandbox_policy.clone());
                a.set(k::MCP_SERVERS, s.mcp_servers.join(","));
                a.set_opt(k::ACTIVE_PROFILE, s.profile.clone());
                cx.log_detached(k::CONVERSATION_STARTS, at, Severity::Info, a);
                let mut t = metric_tags(ctx);
                t.push("is_git", bool_str(ctx.git.is_some()));
                cx.counter(k::METRIC_THREAD_STARTED, "", &t, 1.0, at);
            }
            EventKind::ApiRequest(r) => {
                let mut a = log_attrs(ctx, k::API_REQUEST, at);
                a.set_opt(k::DURATION_MS, r.duration_ms.map(|d| d.to_string()));
                a.set_opt(
                    k::HTTP_RESPONSE_STATUS_CODE,
                    r.status_code.map(|s| s.to_string()),
                );
                a.set_opt(k::ERROR_MESSAGE, r.error.clone());
                a.set(k::ATTEMPT, r.attempt.to_string());
                a.set_opt(k::ENDPOINT, r.endpoint.clone());
                let failed = r.error.is_some() || r.status_code.is_some_and(|s| s >= 400);
                let sev = if failed {
                    Severity::Warn
                } else {
                    Severity::Info
                };
                cx.log_detached(k::API_REQUEST, at, sev, a);
                let mut t = metric_tags(ctx);
                t.push(
                    k::TAG_STATUS,
                    r.status_code.map_or("none".to_owned(), |s| s.to_string()),
                );
                t.push(k::SUCCESS, bool_str(!failed));
                cx.counter(k::METRIC_API_REQUEST, "", &t, 1.0, at);
                if let Some(d) = r.duration_ms {
                    cx.histogram(
                        k::METRIC_API_REQUEST_DURATION,
                        "ms",
                        &k::DEFAULT_BUCKETS,
                        &t,
                        ms(d),
                        at,
                    );
                }
            }
            EventKind::StreamEvent(s) => {
                let ws = s.transport == StreamTransport::WebSocket;
                let name = if ws { k::WEBSOCKET_EVENT } else { k::SSE_EVENT };
                let mut a = log_attrs(ctx, name, at);
                a.set_opt(k::EVENT_KIND, s.event_kind.clone());
                a.set_opt(k::DURATION_MS, s.duration_ms.map(|d| d.to_string()));
                a.set_opt(k::ERROR_MESSAGE, s.error.clone());
                if ws {
                    a.set(k::SUCCESS, bool_str(s.error.is_none()));
                }
                a.set_opt(k::TTFT_MS, s.ttft_ms.map(|d| d.to_string()));
                let sev = if s.error.is_some() {
                    Severity::Warn
                } else {
                    Severity::Info
                };
                cx.log_detached(name, at, sev, a);
                let mut t = metric_tags(ctx);
                t.push(
                    k::TAG_KIND,
                    s.event_kind
                        .as_deref()
                        .map_or("unknown".to_owned(), sanitize),
                );
                t.push(k::SUCCESS, bool_str(s.error.is_none()));
                let (count, duration) = if ws {
                    (
                        k::METRIC_WEBSOCKET_EVENT,
                        k::METRIC_WEBSOCKET_EVENT_DURATION,
                    )
                } else {
                    (k::METRIC_SSE_EVENT, k::METRIC_SSE_EVENT_DURATION)
                };
                cx.counter(count, "", &t, 1.0, at);
                if let Some(d) = s.duration_ms {
                    cx.histogram(duration, "ms", &k::DEFAULT_BUCKETS, &t, ms(d), at);
                }
            }
            EventKind::WebSocketConnect(w) => {
                let mut a = log_attrs(ctx, k::WEBSOCKET_CONNECT, at);
                a.set_opt(k::DURATION_MS, w.duration_ms.map(|d| d.to_string()));
                a.set_opt(
                    k::HTTP_RESPONSE_STATUS_CODE,
                    w.status_code.map(|s| s.to_string()),
                );
                a.set_opt(k::SUCCESS, w.success.map(bool_str));
                a.set_opt(k::ERROR_MESSAGE, w.error.clone());
                a.set_opt(k::AUTH_CONNECTION_REUSED, w.connection_reused.map(bool_str));
                cx.log_detached(k::WEBSOCKET_CONNECT, at, Severity::Info, a);
            }
            EventKind::WebSocketRequest(w) => {
                let mut a = log_attrs(ctx, k::WEBSOCKET_REQUEST, at);
                a.set_opt(k::DURATION_MS, w.duration_ms.map(|d| d.to_string()));
                a.set_opt(k::SUCCESS, w.success.map(bool_str));
                a.set_opt(k::ERROR_MESSAGE, w.error.clone());
                a.set_opt(k::AUTH_CONNECTION_REUSED, w.connection_reused.map(bool_str));
                cx.log_detached(k::WEBSOCKET_REQUEST, at, Severity::Info, a);
                let mut t = metric_tags(ctx);
                t.push(k::SUCCESS, bool_str(w.success.unwrap_or(w.error.is_none())));
                cx.counter(k::METRIC_WEBSOCKET_REQUEST, "", &t, 1.0, at);
                if let Some(d) = w.duration_ms {
                    cx.histogram(
                        k::METRIC_WEBSOCKET_REQUEST_DURATION,
                        "ms",
                        &k::DEFAULT_BUCKETS,
                        &t,
                        ms(d),
                        at,
                    );
                }
            }
            EventKind::UserPrompt(p) => {
                let mut a = log_attrs(ctx, k::USER_PROMPT, at);
                a.set(k::PROMPT_LENGTH, p.text.len().to_string());
                let text = cx.content().text(&p.text);
                a.set(
                    k::PROMPT,
                    text.map_or_else(|| k::REDACTED.to_owned(), |t| t.into_owned()),
                );
                cx.log_detached(k::USER_PROMPT, at, Severity::Info, a);
            }
            EventKind::ToolDecision(d) => {
                let mut a = log_attrs(ctx, k::TOOL_DECISION, at);
                a.set(k::TOOL_NAME, d.tool.clone());
                a.set_opt(k::CALL_ID, d.call_id.clone());
                // Codex writes the lower-cased Display of its enum: no underscores.
                a.set(k::DECISION, d.decision.as_str().replace('_', ""));
                a.set_opt(
                    k::SOURCE,
                    d.source.as_ref().map(|s| match s {
                        DecisionSource::Config => "Config".to_owned(),
                        DecisionSource::User => "User".to_owned(),
                        DecisionSource::AutomatedReviewer => "AutomatedReviewer".to_owned(),
                        other => other.as_str().to_owned(),
                    }),
                );
                cx.log_detached(k::TOOL_DECISION, at, Severity::Info, a);
            }
            EventKind::ToolResult(r) => {
                let success = r.success.or(r.reported_success).unwrap_or(true);
                let mut a = log_attrs(ctx, k::TOOL_RESULT, at);
                a.set(k::TOOL_NAME, r.tool.clone());
                a.set_opt(k::CALL_ID, r.call_id.clone());
                let policy = *cx.content();
                if let Some(args) = policy.text(&r.arguments) {
                    a.set(k::ARGUMENTS, args.into_owned());
                }
                a.set_opt(k::DURATION_MS, r.duration_ms.map(|d| d.to_string()));
                a.set(k::SUCCESS, bool_str(success));
                if let Some(out) = policy.text(&r.output) {
                    a.set(k::OUTPUT, out.into_owned());
                }
                a.set(k::MCP_SERVER, r.mcp_server.clone().unwrap_or_default());
                cx.log_detached(
                    k::TOOL_RESULT,
                    at,
                    if success {
                        Severity::Info
                    } else {
                        Severity::Warn
                    },
                    a,
                );
                let mut t = metric_tags(ctx);
                t.push(k::TAG_TOOL, sanitize(&r.tool));
                t.push(k::SUCCESS, bool_str(success));
                if let Some(p) = cx
                    .session()
                    .started
                    .as_ref()
                    .and_then(|s| s.sandbox_policy.as_deref())
                {
                    t.push(k::TAG_SANDBOX_POLICY, sanitize(p));
                }
                cx.counter(k::METRIC_TOOL_CALL, "", &t, 1.0, at);
                if let Some(d) = r.duration_ms {
                    cx.histogram(
                        k::METRIC_TOOL_CALL_DURATION,
                        "ms",
                        &k::DEFAULT_BUCKETS,
                        &t,
                        ms(d),
                        at,
                    );
                }
            }
            EventKind::TokenUsage(u) => {
                // Codex's per-response record: `codex.sse_event` of kind `response.completed`.
                let t = &u.usage;
                let mut a = log_attrs(ctx, k::SSE_EVENT, at);
                a.set(k::EVENT_KIND, "response.completed");
                a.set(k::INPUT_TOKEN_COUNT, t.input_tokens.to_string());
                a.set(k::OUTPUT_TOKEN_COUNT, t.output_tokens.to_string());
                a.set(k::CACHED_TOKEN_COUNT, t.cached_input_tokens.to_string());
                a.set(
                    k::CACHE_WRITE_TOKEN_COUNT,
                    t.cache_write_input_tokens.to_string(),
                );
                a.set(
                    k::REASONING_TOKEN_COUNT,
                    t.reasoning_output_tokens.to_string(),
                );
                a.set(k::TOOL_TOKEN_COUNT, t.total_tokens().to_string());
                cx.log_detached(k::SSE_EVENT, at, Severity::Info, a);
                // Not a Codex metric: `agentobs.cost.usd` on Codex's default tags.
                cx.record_cost(&metric_tags(ctx), at);
            }
            EventKind::TurnCompleted(c) => {
                if let Some(ttft) = c.time_to_first_token_ms {
                    let mut a = log_attrs(ctx, k::TURN_TTFT, at);
                    a.set(k::DURATION_MS, ttft.to_string());
                    cx.log_detached(k::TURN_TTFT, at, Severity::Info, a);
                    cx.histogram(
                        k::METRIC_TURN_TTFT_DURATION,
                        "ms",
                        &k::DEFAULT_BUCKETS,
                        &metric_tags(ctx),
                        ms(ttft),
                        at,
                    );
                }
            }
            EventKind::Alert(a) => crate::dialect::map_alert(event, a, cx),
            EventKind::Compaction(_) => {
                cx.counter(k::METRIC_TASK_COMPACT, "", &metric_tags(ctx), 1.0, at);
            }
            EventKind::GuardianReview(r) => {
                let mut t = metric_tags(ctx);
                t.push(k::TAG_DECISION, sanitize(r.decision.as_str()));
                if let Some(l) = &r.risk_level {
                    t.push(k::TAG_RISK_LEVEL, sanitize(l));
                }
                cx.counter(k::METRIC_GUARDIAN_REVIEW, "", &t, 1.0, at);
            }
            EventKind::Other(o) if o.name.starts_with("codex.") => {
                // A Codex event the schema does not model (from Codex's own OTLP): passed
                // through under its own name.
                let mut a = log_attrs(ctx, "codex.other", at);
                a.set(k::EVENT_NAME, o.name.clone());
                for (key, v) in &o.attributes {
                    if let Some(v) = other_value(v) {
                        a.set(key.clone(), v);
                    }
                }
                cx.log_detached(o.name.clone(), at, Severity::Info, a);
            }
            _ => {}
        }
    }

    /// `codex.turn.e2e_duration_ms`, `codex.turn.token_usage` (one point per `token_type`,
    /// the turn's billed tokens) and `codex.turn.tool.call`.
    fn close_turn(&self, turn: &TurnState, cx: &mut MapContext<'_>) {
        let ctx = cx.session().ctx.clone();
        let end = turn.end();
        let tags = metric_tags(&ctx);
        let e2e = turn
            .completed
            .as_ref()
            .and_then(|c| c.duration_ms)
            .map_or_else(|| end.millis_since(turn.start).max(0) as f64, ms);
        cx.histogram(
            k::METRIC_TURN_E2E_DURATION,
            "ms",
            &k::DEFAULT_BUCKETS,
            &tags,
            e2e,
            end,
        );
        let u = &turn.usage;
        for (ty, v) in [
            ("total", u.total_tokens()),
            ("input", u.input_tokens),
            ("cached_input", u.cached_input_tokens),
            ("cache_write_input", u.cache_write_input_tokens),
            ("output", u.output_tokens),
            ("reasoning_output", u.reasoning_output_tokens),
        ] {
            let mut t = tags.clone();
            t.push(k::TAG_TOKEN_TYPE, ty);
            cx.histogram(
                k::METRIC_TURN_TOKEN_USAGE,
                "",
                &k::DEFAULT_BUCKETS,
                &t,
                v as f64,
                end,
            );
        }
        cx.histogram(
            k::METRIC_TURN_TOOL_CALL,
            "",
            &k::DEFAULT_BUCKETS,
            &tags,
            f64::from(turn.tool_calls),
            end,
        );
    }

    /// `codex.conversation.turn.count`: the session's turns.
    fn close_session(&self, cx: &mut MapContext<'_>) {
        let s = cx.session();
        // Codex counts user turns; sources without turn events count the implicit ones.
        let turns = if s.marks_turns() {
            s.started_turns
        } else {
            s.turns
        };
        let (ctx, last) = (s.ctx.clone(), s.last);
        if turns > 0 {
            cx.counter(
                k::METRIC_CONVERSATION_TURN_COUNT,
                "",
                &metric_tags(&ctx),
                f64::from(turns),
                last,
            );
        }
    }
}

fn other_value(v: &agentobs_schema::Value) -> Option<crate::AttrValue> {
    use agentobs_schema::Value;
    Some(match v {
        Value::String(s) => crate::AttrValue::from(s.clone()),
        Value::Int(i) => crate::AttrValue::Str(i.to_string().into()),
        Value::Float(f) => crate::AttrValue::Str(f.to_string().into()),
        Value::Bool(b) => crate::AttrValue::from(bool_str(*b)),
        Value::Null | Value::Array(_) | Value::Map(_) => return None,
    })
}
