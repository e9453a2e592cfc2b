//! The OpenInference dialect (Arize Phoenix and Arize AX).

use std::borrow::Cow;

use agentobs_schema::{Event, EventKind, SessionContext, Timestamp};

use super::common::{agent_name, json_object, openinference_provider};
use super::genai::{span_events, tool_agentobs_attrs, tool_error_type};
use crate::keys::agentobs as ao;
use crate::keys::openinference as oi;
use crate::record::{AttrList, InstrumentationScope, SpanEvent, SpanKind, SpanStatus};
use crate::{Dialect, MapContext, TurnState};

/// OpenInference semantic conventions.
///
/// - each turn is an `AGENT` span (`GUARDRAIL` for an automated reviewer's turn);
/// - **one `LLM` span per model response** (never one per turn, which undercounts turns with
///   several calls), with every `llm.token_count.*` written, zeros included, and
///   `llm.cost.*` when the request is priced;
/// - each tool call is a `TOOL` span;
/// - `session.id` is the thread id, so Phoenix groups a session's traces;
/// - no log records, and no metrics the conventions define (they define none): only ours,
///   `agentobs.cost.usd` (USD, each priced request's cost, by `llm.model_name` and
///   `llm.provider`) and `agentobs.alerts`.
///
/// Token counts sit on `LLM` spans only: Phoenix sums them over a trace, so repeating them on
/// the `AGENT` span would count them twice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenInference;

impl OpenInference {
    /// The dialect.
    pub fn new() -> Self {
        OpenInference
    }
}

fn common(a: &mut AttrList, cx: &MapContext<'_>, kind: &'static str) {
    let ctx = cx.ctx();
    a.push(oi::SPAN_KIND, kind);
    if let Some(c) = cx.conversation_id() {
        a.push(oi::SESSION_ID, c);
    }
    if let Some(u) = ctx
        .account
        .as_ref()
        .and_then(|a| a.email.clone().or_else(|| a.id.clone()))
    {
        a.push(oi::USER_ID, u);
    }
}

fn start_before(at: Timestamp, duration_ms: Option<u64>) -> Timestamp {
    let d = duration_ms.map_or(0, |d| i64::try_from(d).unwrap_or(0));
    Timestamp::from_unix_millis(at.unix_millis().saturating_sub(d))
}

fn mime(text: &str) -> &'static str {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        "application/json"
    } else {
        "text/plain"
    }
}

impl Dialect for OpenInference {
    fn name(&self) -> &str {
        "openinference"
    }

    fn scope(&self) -> InstrumentationScope {
        InstrumentationScope {
            name: "agentobs.openinference".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            schema_url: None,
        }
    }

    fn open_turn(&self, cx: &mut MapContext<'_>) {
        let ctx = cx.ctx();
        let agent = agent_name(ctx).to_owned();
        let guardian = ctx.subagent.as_ref().is_some_and(|s| s.kind == "guardian");
        let kind = if guardian {
            oi::KIND_GUARDRAIL
        } else {
            oi::KIND_AGENT
        };
        let Some(mut span) = cx.new_turn_span(format!("{agent} turn"), SpanKind::Internal) else {
            return;
        };
        let a = &mut span.attributes;
        common(a, cx, kind);
        a.push(oi::AGENT_NAME, agent);
        cx.open_span(span);
    }

    fn map(&self, event: &Event, cx: &mut MapContext<'_>) {
        let ctx = &event.ctx;
        match &event.kind {
            EventKind::TokenUsage(u) => {
                let id = match &u.response_id {
                    Some(r) => crate::ids::span_id(&["chat", &cx.session().thread_key, r]),
                    None => cx.next_span_id("chat"),
                };
                let name: Cow<'static, str> = match &ctx.model {
                    Some(m) => format!("chat {m}").into(),
                    None => "chat".into(),
                };
                let mut span = cx.new_span(id, name, SpanKind::Client, cx.step_start(), event.at);
                let a = &mut span.attributes;
                common(a, cx, oi::KIND_LLM);
                if let Some(m) = cx.model() {
                    a.push(oi::LLM_MODEL_NAME, m);
                }
                let (provider, system) = openinference_provider(ctx);
                a.push(oi::LLM_PROVIDER, provider.clone());
                a.push(oi::LLM_SYSTEM, system);
                let params = json_object(&[
                    ("model", ctx.model.as_deref()),
                    ("reasoning_effort", ctx.reasoning_effort.as_deref()),
                    ("service_tier", ctx.service_tier.as_deref()),
                ]);
                a.push(oi::LLM_INVOCATION_PARAMETERS, params);
                let t = &u.usage;
                a.push(oi::LLM_TOKEN_COUNT_PROMPT, t.input_tokens);
                a.push(oi::LLM_TOKEN_COUNT_COMPLETION, t.output_tokens);
                a.push(oi::LLM_TOKEN_COUNT_TOTAL, t.total_tokens());
                a.push(oi::LLM_TOKEN_COUNT_PROMPT_CACHE_READ, t.cached_input_tokens);
                a.push(
                    oi::LLM_TOKEN_COUNT_PROMPT_CACHE_WRITE,
                    t.cache_write_input_tokens,
                );
                a.push(
                    oi::LLM_TOKEN_COUNT_COMPLETION_REASONING,
                    t.reasoning_output_tokens,
                );
                match cx.cost() {
                    Some(c) => {
                        a.push(oi::LLM_COST_PROMPT, c.prompt_usd());
                        a.push(oi::LLM_COST_COMPLETION, c.output_usd);
                        a.push(oi::LLM_COST_TOTAL, c.total_usd());
                        a.push(oi::LLM_COST_PROMPT_INPUT, c.input_usd);
                        a.push(oi::LLM_COST_PROMPT_CACHE_READ, c.cached_input_usd);
                        a.push(oi::LLM_COST_PROMPT_CACHE_WRITE, c.cache_write_usd);
                        a.push(oi::LLM_COST_COMPLETION_OUTPUT, c.output_usd);
                    }
                    None => a.push(ao::COST_UNPRICED, true),
                }
                if let Some(p) = &u.purpose {
                    a.push(ao::REQUEST_PURPOSE, p.clone());
                }
                if let Some(c) = u.reported_cost_usd.filter(|c| c.is_finite()) {
                    a.push(ao::COST_REPORTED_USD, c);
                }
                cx.emit_span(span);
                let mut series = AttrList::with_capacity(2);
                if let Some(m) = cx.model() {
                    series.push(oi::LLM_MODEL_NAME, m);
                }
                series.push(oi::LLM_PROVIDER, provider);
                cx.record_cost(&series, event.at);
            }
            EventKind::ApiRequest(r)
                if r.error.is_some() || r.status_code.is_some_and(|s| s >= 400) =>
            {
                let id = cx.next_span_id("attempt");
                let name: Cow<'static, str> = match &ctx.model {
                    Some(m) => format!("chat {m}").into(),
                    None => "chat".into(),
                };
                let start = start_before(event.at, r.duration_ms);
                let mut span = cx.new_span(id, name, SpanKind::Client, start, event.at);
                let a = &mut span.attributes;
                common(a, cx, oi::KIND_LLM);
                if let Some(m) = cx.model() {
                    a.push(oi::LLM_MODEL_NAME, m);
                }
                let (provider, system) = openinference_provider(ctx);
                a.push(oi::LLM_PROVIDER, provider);
                a.push(oi::LLM_SYSTEM, system);
                a.push(ao::REQUEST_ATTEMPT, r.attempt);
                let message = r
                    .error
                    .clone()
                    .or_else(|| r.status_code.map(|s| format!("http {s}")))
                    .unwrap_or_default();
                let mut ev = AttrList::with_capacity(2);
                ev.push(
                    oi::EXCEPTION_TYPE,
                    r.status_code.map_or("_OTHER".to_owned(), |s| s.to_string()),
                );
                ev.push(oi::EXCEPTION_MESSAGE, message.clone());
                span.events.push(SpanEvent {
                    name: "exception".into(),
                    time: event.at,
                    attributes: ev,
                });
                span.status = SpanStatus::Error(message);
                cx.emit_span(span);
            }
            EventKind::ToolResult(r) => {
                let id = cx.tool_span_id(r.call_id.as_deref());
                let start = start_before(event.at, r.duration_ms);
                let mut span = cx.new_span(id, r.tool.clone(), SpanKind::Internal, start, event.at);
                let policy = *cx.content();
                let a = &mut span.attributes;
                common(a, cx, oi::KIND_TOOL);
                a.push(oi::TOOL_NAME, r.tool.clone());
                a.push(oi::TOOL_CALL_FUNCTION_NAME, r.tool.clone());
                if let Some(c) = &r.call_id {
                    a.push(oi::TOOL_ID, c.clone());
                    a.push(oi::TOOL_CALL_ID, c.clone());
                }
                if let Some(args) = policy.text(&r.arguments) {
                    a.push(oi::INPUT_MIME_TYPE, mime(&args));
                    a.push(oi::TOOL_CALL_FUNCTION_ARGUMENTS, args.clone().into_owned());
                    a.push(oi::INPUT_VALUE, args.into_owned());
                }
                if let Some(out) = policy.text(&r.output) {
                    a.push(oi::OUTPUT_MIME_TYPE, mime(&out));
                    a.push(oi::OUTPUT_VALUE, out.into_owned());
                }
                tool_agentobs_attrs(a, r);
                if r.success == Some(false) {
                    span.status = SpanStatus::Error(tool_error_type(r).to_owned());
                }
                cx.emit_span(span);
            }
            EventKind::Alert(a) => crate::dialect::map_alert(event, a, cx),
            EventKind::UserPrompt(p) => {
                let policy = *cx.content();
                if let (Some(text), Some(id)) = (policy.text(&p.text), cx.turn_span_id()) {
                    let text = text.into_owned();
                    if let Some(span) = cx.open_span_mut(id) {
                        span.attributes.set(oi::INPUT_MIME_TYPE, "text/plain");
                        span.attributes.set(oi::INPUT_VALUE, text);
                    }
                }
            }
            _ => {
                span_events(event, cx, oi::TOOL_NAME);
            }
        }
    }

    fn close_turn(&self, turn: &TurnState, cx: &mut MapContext<'_>) {
        // Built at the close: the model may be named only after the turn began.
        let meta = metadata(&cx.session().ctx, turn, cx.session().started.as_ref());
        let marks_turns = cx.session().marks_turns();
        if let Some(span) = cx.open_span_mut(turn.span_id) {
            span.attributes.set(oi::METADATA, meta);
            if let Some(e) = &turn.error {
                span.status = SpanStatus::Error(e.clone());
            }
            if turn.completed.is_none() && marks_turns {
                span.attributes.set(ao::TURN_INCOMPLETE, true);
            }
        }
        cx.close_span(turn.span_id, turn.end());
    }
}

/// The `metadata` JSON of a turn's span.
fn metadata(
    ctx: &SessionContext,
    turn: &TurnState,
    started: Option<&agentobs_schema::SessionStarted>,
) -> String {
    json_object(&[
        ("harness", Some(ctx.harness.as_str())),
        ("turn_id", turn.turn_id.as_deref()),
        (
            "trigger",
            turn.started.as_ref().and_then(|s| s.trigger.as_deref()),
        ),
        ("model", turn.model.as_deref().or(ctx.model.as_deref())),
        (
            "approval_policy",
            started.and_then(|s| s.approval_policy.as_deref()),
        ),
        (
            "sandbox_policy",
            started.and_then(|s| s.sandbox_policy.as_deref()),
        ),
        ("subagent", ctx.subagent.as_ref().map(|s| s.kind.as_str())),
        ("parent_thread_id", ctx.parent_thread_id.as_deref()),
        ("branch", ctx.git.as_ref().and_then(|g| g.branch.as_deref())),
    ])
}
