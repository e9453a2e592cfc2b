//! The OpenTelemetry GenAI dialect: v1.41.0, or the genai repository's latest names.

use std::borrow::Cow;

use agentobs_schema::{Event, EventKind, SessionContext, Timestamp, TokenUsage};

use super::common::{agent_name, conversation_id, genai_provider, seconds, user_message_json};
use crate::keys::agentobs as ao;
use crate::keys::genai_latest as latest;
use crate::keys::genai_v1_41 as g;
use crate::keys::resource as res;
use crate::record::{AttrList, InstrumentationScope, Resource, SpanEvent, SpanKind, SpanStatus};
use crate::{Cost, Dialect, MapContext, TurnState, default_resource};

/// Which GenAI names to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenAiVersion {
    /// Semantic conventions v1.41.0, the last GenAI release inside the core repository.
    V1_41,
    /// The `semantic-conventions-genai` main branch as of 2026-12-01. **Unstable**: names
    /// may change with any release of this crate.
    Latest,
}

/// OpenTelemetry GenAI semantic conventions.
///
/// - each turn is an `invoke_agent {gen_ai.agent.name}` INTERNAL span (a sub-agent's nests
///   under the turn of its parent that spawned it);
/// - each model response is a `chat {model}` CLIENT span with its usage and cost; a failed
///   HTTP attempt (a retry) is a `chat` span of its own, with `error.type`;
/// - each tool call is an `execute_tool {tool}` INTERNAL span; approvals and reviewer verdicts
///   are `agentobs.*` span events on it (the conventions have none);
/// - metrics: `gen_ai.client.token.usage` and `gen_ai.client.operation.duration` (v1.41), or
///   the `gen_ai.client.inference.*`, `gen_ai.invoke_agent.duration` and
///   `gen_ai.execute_tool.duration` instruments (latest); and `agentobs.cost.usd` (USD, each
///   priced request's cost, on the chat metrics' operation, provider and model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenAi {
    version: GenAiVersion,
}

impl GenAi {
    /// The v1.41.0 names.
    pub fn v1_41() -> Self {
        GenAi {
            version: GenAiVersion::V1_41,
        }
    }

    /// The latest (unstable) names.
    pub fn latest() -> Self {
        GenAi {
            version: GenAiVersion::Latest,
        }
    }

    /// The version written.
    pub fn version(&self) -> GenAiVersion {
        self.version
    }

    fn schema_url(&self) -> &'static str {
        match self.version {
            GenAiVersion::V1_41 => g::SCHEMA_URL,
            GenAiVersion::Latest => latest::SCHEMA_URL,
        }
    }

    fn is_latest(&self) -> bool {
        self.version == GenAiVersion::Latest
    }

    /// The attributes every operation's metrics carry.
    fn metric_attrs(&self, cx: &MapContext<'_>, op: &'static str) -> AttrList {
        let mut a = AttrList::with_capacity(5);
        a.push(g::OPERATION_NAME, op);
        a.push(g::PROVIDER_NAME, genai_provider(cx.ctx()));
        if let Some(m) = cx.model() {
            a.push(g::REQUEST_MODEL, m);
        }
        a
    }

    fn usage_attrs(&self, a: &mut AttrList, u: &TokenUsage) {
        a.set(g::USAGE_INPUT_TOKENS, u.input_tokens);
        a.set(g::USAGE_OUTPUT_TOKENS, u.output_tokens);
        a.set(g::USAGE_CACHE_READ_INPUT_TOKENS, u.cached_input_tokens);
        let write = if self.is_latest() {
            latest::USAGE_CACHE_WRITE_INPUT_TOKENS
        } else {
            g::USAGE_CACHE_CREATION_INPUT_TOKENS
        };
        a.set(write, u.cache_write_input_tokens);
        a.set(g::USAGE_REASONING_OUTPUT_TOKENS, u.reasoning_output_tokens);
    }

    fn chat(&self, event: &Event, u: &agentobs_schema::TokenUsageEvent, cx: &mut MapContext<'_>) {
        let ctx = &event.ctx;
        let model = ctx.model.as_deref();
        let name: Cow<'static, str> = match model {
            Some(m) => format!("{} {m}", g::OP_CHAT).into(),
            None => g::OP_CHAT.into(),
        };
        let id = match &u.response_id {
            Some(r) => crate::ids::span_id(&["chat", &cx.session().thread_key, r]),
            None => cx.next_span_id("chat"),
        };
        let start = cx.step_start();
        let mut span = cx.new_span(id, name, SpanKind::Client, start, event.at);
        let a = &mut span.attributes;
        a.push(g::OPERATION_NAME, g::OP_CHAT);
        a.push(g::PROVIDER_NAME, genai_provider(ctx));
        if let Some(m) = cx.model() {
            a.push(g::REQUEST_MODEL, m.clone());
            a.push(g::RESPONSE_MODEL, m);
        }
        if let Some(r) = &u.response_id {
            a.push(g::RESPONSE_ID, r.clone());
        }
        if let Some(c) = cx.conversation_id() {
            a.push(g::CONVERSATION_ID, c);
        }
        self.usage_attrs(a, &u.usage);
        if self.is_latest() {
            if let Some(level) = &ctx.reasoning_effort {
                a.push(latest::REQUEST_REASONING_LEVEL, level.clone());
            }
            if cx.session().compacted_since_request {
                a.push(latest::CONVERSATION_COMPACTED, true);
            }
        }
        if let Some(p) = u.prompt_tokens.filter(|p| *p != u.usage.input_tokens) {
            a.push(ao::REQUEST_PROMPT_TOKENS, p);
        }
        if let Some(p) = &u.purpose {
            a.push(ao::REQUEST_PURPOSE, p.clone());
        }
        if let Some(c) = u.reported_cost_usd.filter(|c| c.is_finite()) {
            a.push(ao::COST_REPORTED_USD, c);
        }
        if let Some(w) = u.context_window {
            a.push(ao::CONTEXT_WINDOW, w);
        }
        cost_attrs(a, cx.cost());
        cx.emit_span(span);

        let at = event.at;
        let secs = seconds(at.millis_since(start));
        let base = self.metric_attrs(cx, g::OP_CHAT);
        cx.record_cost(&base, at);
        if self.is_latest() {
            let usage = &u.usage;
            for (name, v) in [
                (
                    latest::METRIC_INFERENCE_USAGE_INPUT_TOKENS,
                    usage.input_tokens,
                ),
                (
                    latest::METRIC_INFERENCE_USAGE_OUTPUT_TOKENS,
                    usage.output_tokens,
                ),
                (
                    latest::METRIC_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
                    usage.cached_input_tokens,
                ),
                (
                    latest::METRIC_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
                    usage.cache_write_input_tokens,
                ),
                (
                    latest::METRIC_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
                    usage.reasoning_output_tokens,
                ),
            ] {
                cx.counter(name, "{token}", &base, v as f64, at);
            }
            for (name, v) in [
                (
                    latest::METRIC_INFERENCE_OPERATION_INPUT_TOKENS,
                    usage.input_tokens,
                ),
                (
                    latest::METRIC_INFERENCE_OPERATION_OUTPUT_TOKENS,
                    usage.output_tokens,
                ),
            ] {
                cx.histogram(
                    name,
                    "{token}",
                    &g::TOKEN_USAGE_BUCKETS,
                    &base,
                    v as f64,
                    at,
                );
            }
            cx.histogram(
                latest::METRIC_INFERENCE_DURATION,
                "s",
                &g::DURATION_BUCKETS,
                &base,
                secs,
                at,
            );
        } else {
            cx.histogram(
                g::METRIC_CLIENT_OPERATION_DURATION,
                "s",
                &g::DURATION_BUCKETS,
                &base,
                secs,
                at,
            );
            // One list for both token types: the series copies it only when new.
            let mut a = base;
            for (ty, v) in [
                ("input", u.usage.input_tokens),
                ("output", u.usage.output_tokens),
            ] {
                a.set(g::TOKEN_TYPE, ty);
                cx.histogram(
                    g::METRIC_CLIENT_TOKEN_USAGE,
                    "{token}",
                    &g::TOKEN_USAGE_BUCKETS,
                    &a,
                    v as f64,
                    at,
                );
            }
        }
    }

    fn failed_attempt(
        &self,
        event: &Event,
        r: &agentobs_schema::ApiRequest,
        cx: &mut MapContext<'_>,
    ) {
        let ctx = &event.ctx;
        let error_type = match r.status_code {
            Some(s) => s.to_string(),
            None => res::ERROR_TYPE_OTHER.to_owned(),
        };
        let name: Cow<'static, str> = match &ctx.model {
            Some(m) => format!("{} {m}", g::OP_CHAT).into(),
            None => g::OP_CHAT.into(),
        };
        let start = Timestamp::from_unix_millis(
            event
                .at
                .unix_millis()
                .saturating_sub(r.duration_ms.map_or(0, |d| i64::try_from(d).unwrap_or(0))),
        );
        let id = cx.next_span_id("attempt");
        let mut span = cx.new_span(id, name, SpanKind::Client, start, event.at);
        let a = &mut span.attributes;
        a.push(g::OPERATION_NAME, g::OP_CHAT);
        a.push(g::PROVIDER_NAME, genai_provider(ctx));
        if let Some(m) = &ctx.model {
            a.push(g::REQUEST_MODEL, m.clone());
        }
        if let Some(c) = conversation_id(ctx) {
            a.push(g::CONVERSATION_ID, c.to_owned());
        }
        a.push(res::ERROR_TYPE, error_type.clone());
        a.set_opt(res::HTTP_RESPONSE_STATUS_CODE, r.status_code.map(u32::from));
        a.push(ao::REQUEST_ATTEMPT, r.attempt);
        span.status = SpanStatus::Error(r.error.clone().unwrap_or_else(|| error_type.clone()));
        cx.emit_span(span);
        let mut a = self.metric_attrs(cx, g::OP_CHAT);
        a.push(res::ERROR_TYPE, error_type);
        let (metric, secs) = if self.is_latest() {
            (
                latest::METRIC_INFERENCE_DURATION,
                seconds(event.at.millis_since(start)),
            )
        } else {
            (
                g::METRIC_CLIENT_OPERATION_DURATION,
                seconds(event.at.millis_since(start)),
            )
        };
        cx.histogram(metric, "s", &g::DURATION_BUCKETS, &a, secs, event.at);
    }

    fn tool(&self, event: &Event, r: &agentobs_schema::ToolResult, cx: &mut MapContext<'_>) {
        let id = cx.tool_span_id(r.call_id.as_deref());
        let start = Timestamp::from_unix_millis(
            event
                .at
                .unix_millis()
                .saturating_sub(r.duration_ms.map_or(0, |d| i64::try_from(d).unwrap_or(0))),
        );
        let name = format!("{} {}", g::OP_EXECUTE_TOOL, r.tool);
        let mut span = cx.new_span(id, name, SpanKind::Internal, start, event.at);
        let policy = *cx.content();
        let a = &mut span.attributes;
        a.push(g::OPERATION_NAME, g::OP_EXECUTE_TOOL);
        a.push(g::TOOL_NAME, r.tool.clone());
        a.push(g::TOOL_TYPE, tool_type(r));
        if let Some(c) = &r.call_id {
            a.push(g::TOOL_CALL_ID, c.clone());
        }
        if let Some(c) = cx.conversation_id() {
            a.push(g::CONVERSATION_ID, c);
        }
        if let Some(args) = policy.text(&r.arguments) {
            a.push(g::TOOL_CALL_ARGUMENTS, args.into_owned());
        }
        if let Some(out) = policy.text(&r.output) {
            a.push(g::TOOL_CALL_RESULT, out.into_owned());
        }
        tool_agentobs_attrs(a, r);
        let failed = r.success == Some(false);
        if failed {
            let ty = tool_error_type(r);
            a.push(res::ERROR_TYPE, ty);
            span.status = SpanStatus::Error(ty.to_owned());
        }
        cx.emit_span(span);
        let mut a = self.metric_attrs(cx, g::OP_EXECUTE_TOOL);
        a.push(g::TOOL_NAME, r.tool.clone());
        if failed {
            a.push(res::ERROR_TYPE, tool_error_type(r));
        }
        let metric = if self.is_latest() {
            latest::METRIC_EXECUTE_TOOL_DURATION
        } else {
            g::METRIC_CLIENT_OPERATION_DURATION
        };
        let secs = seconds(event.at.millis_since(start));
        cx.histogram(metric, "s", &g::DURATION_BUCKETS, &a, secs, event.at);
    }
}

impl Dialect for GenAi {
    fn name(&self) -> &str {
        match self.version {
            GenAiVersion::V1_41 => "genai",
            GenAiVersion::Latest => "genai-latest",
        }
    }

    fn scope(&self) -> InstrumentationScope {
        InstrumentationScope {
            name: "agentobs.genai".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
            schema_url: Some(self.schema_url().into()),
        }
    }

    fn resource(&self, ctx: &SessionContext) -> Resource {
        let mut r = default_resource(ctx);
        r.schema_url = Some(self.schema_url().into());
        r
    }

    fn open_turn(&self, cx: &mut MapContext<'_>) {
        let ctx = cx.ctx();
        let agent = agent_name(ctx).to_owned();
        let Some(mut span) = cx.new_turn_span(
            format!("{} {agent}", g::OP_INVOKE_AGENT),
            SpanKind::Internal,
        ) else {
            return;
        };
        let a = &mut span.attributes;
        a.push(g::OPERATION_NAME, g::OP_INVOKE_AGENT);
        a.push(g::PROVIDER_NAME, genai_provider(ctx));
        a.push(g::AGENT_NAME, agent);
        if let Some(id) = &ctx.agent_id {
            a.push(g::AGENT_ID, id.clone());
        }
        if let Some(c) = conversation_id(ctx) {
            a.push(g::CONVERSATION_ID, c.to_owned());
        }
        if let Some(m) = &ctx.model {
            a.push(g::REQUEST_MODEL, m.clone());
        }
        if self.is_latest()
            && let Some(level) = &ctx.reasoning_effort
        {
            a.push(latest::REQUEST_REASONING_LEVEL, level.clone());
        }
        session_attrs(a, cx);
        cx.open_span(span);
    }

    fn map(&self, event: &Event, cx: &mut MapContext<'_>) {
        match &event.kind {
            EventKind::TokenUsage(u) => self.chat(event, u, cx),
            EventKind::ApiRequest(r)
                if r.error.is_some() || r.status_code.is_some_and(|s| s >= 400) =>
            {
                self.failed_attempt(event, r, cx)
            }
            EventKind::ToolResult(r) => self.tool(event, r, cx),
            EventKind::UserPrompt(p) => {
                let policy = *cx.content();
                if let (Some(text), Some(id)) = (policy.text(&p.text), cx.turn_span_id()) {
                    let json = user_message_json(&text);
                    if let Some(span) = cx.open_span_mut(id) {
                        span.attributes.set(g::INPUT_MESSAGES, json);
                    }
                }
            }
            EventKind::Alert(a) => crate::dialect::map_alert(event, a, cx),
            EventKind::Compaction(_) => {
                span_events(event, cx, g::TOOL_NAME);
                if self.is_latest()
                    && let Some(id) = cx.turn_span_id()
                    && let Some(span) = cx.open_span_mut(id)
                {
                    span.attributes.set(latest::CONVERSATION_COMPACTED, true);
                }
            }
            _ => {
                span_events(event, cx, g::TOOL_NAME);
            }
        }
    }

    fn close_turn(&self, turn: &TurnState, cx: &mut MapContext<'_>) {
        let end = turn.end();
        let ctx = cx.session().ctx.clone();
        let marks_turns = cx.session().marks_turns();
        if let Some(span) = cx.open_span_mut(turn.span_id) {
            let a = &mut span.attributes;
            self.usage_attrs(a, &turn.usage);
            turn_attrs(a, turn, marks_turns);
            // The turn's own requests name its model: a harness's helper call (a model
            // router) may have opened the turn under another one. Without any, the context's,
            // which may be named only after the turn began (a turn context line).
            if let Some(m) = &turn.model {
                a.set(g::REQUEST_MODEL, m.clone());
            } else if !a.contains(g::REQUEST_MODEL)
                && let Some(m) = &ctx.model
            {
                a.set(g::REQUEST_MODEL, m.clone());
            }
            if turn.requests > turn.unpriced_requests {
                cost_attrs(a, Some(turn.cost));
            }
            if let Some(e) = &turn.error {
                a.set(res::ERROR_TYPE, e.clone());
                span.status = SpanStatus::Error(e.clone());
            }
        }
        cx.close_span(turn.span_id, end);
        let mut a = self.metric_attrs(cx, g::OP_INVOKE_AGENT);
        if let Some(e) = &turn.error {
            a.push(res::ERROR_TYPE, e.clone());
        }
        let metric = if self.is_latest() {
            latest::METRIC_INVOKE_AGENT_DURATION
        } else {
            g::METRIC_CLIENT_OPERATION_DURATION
        };
        let secs = seconds(end.millis_since(turn.start));
        cx.histogram(metric, "s", &g::DURATION_BUCKETS, &a, secs, end);
    }
}

/// `gen_ai.tool.type`: `extension` for MCP tools, else `function`.
fn tool_type(r: &agentobs_schema::ToolResult) -> &'static str {
    match r.origin {
        Some(agentobs_schema::ToolOrigin::Mcp) => "extension",
        _ => "function",
    }
}

/// `error.type` of a failed tool call: `nonzero_exit` when a command exited non-zero.
pub(crate) fn tool_error_type(r: &agentobs_schema::ToolResult) -> &'static str {
    match r.exit_code {
        Some(c) if c != 0 => "nonzero_exit",
        _ => res::ERROR_TYPE_OTHER,
    }
}

/// The `agentobs.tool.*` facts of a tool call.
pub(crate) fn tool_agentobs_attrs(a: &mut AttrList, r: &agentobs_schema::ToolResult) {
    a.set_opt(ao::TOOL_EXIT_CODE, r.exit_code);
    a.set_opt(ao::TOOL_REPORTED_SUCCESS, r.reported_success);
    a.set_opt(
        ao::TOOL_ORIGIN,
        r.origin.as_ref().map(|o| o.as_str().to_owned()),
    );
    a.set_opt(ao::TOOL_MCP_SERVER, r.mcp_server.clone());
    // A withheld length of 0 is also what a source leaves when it gives neither the content
    // nor its size (Gemini CLI without prompt logging): no length is claimed then.
    let known = |c: &agentobs_schema::Redacted<String>| !(c.is_withheld() && c.is_empty());
    if known(&r.arguments) {
        a.set(ao::TOOL_ARGUMENTS_LENGTH, r.arguments.len());
    }
    if known(&r.output) {
        a.set(ao::TOOL_OUTPUT_LENGTH, r.output.len());
    }
    a.set_opt(ao::TOOL_BLOCKED_BY, r.blocked_by.clone());
}

/// Cost attributes: the total and its parts, or `agentobs.cost.unpriced`.
pub(crate) fn cost_attrs(a: &mut AttrList, cost: Option<Cost>) {
    match cost {
        Some(c) => {
            a.set(ao::COST_USD, c.total_usd());
            a.set(ao::COST_INPUT_USD, c.input_usd);
            a.set(ao::COST_CACHED_INPUT_USD, c.cached_input_usd);
            a.set(ao::COST_CACHE_WRITE_USD, c.cache_write_usd);
            a.set(ao::COST_OUTPUT_USD, c.output_usd);
        }
        None => {
            a.set(ao::COST_UNPRICED, true);
        }
    }
}

/// The `agentobs.turn.*` facts of a closing turn; `incomplete` only when the session
/// [`marks_turns`](crate::SessionState::marks_turns).
pub(crate) fn turn_attrs(a: &mut AttrList, turn: &TurnState, marks_turns: bool) {
    a.set(ao::TURN_REQUESTS, turn.requests);
    a.set(ao::TURN_TOOL_CALLS, turn.tool_calls);
    a.set(ao::TURN_FAILED_TOOL_CALLS, turn.failed_tool_calls);
    if turn.unpriced_requests > 0 {
        a.set(ao::COST_UNPRICED_REQUESTS, turn.unpriced_requests);
    }
    match &turn.completed {
        Some(c) => {
            a.set_opt(ao::TURN_TTFT_MS, c.time_to_first_token_ms);
            a.set_opt(ao::TURN_ABORTED, c.aborted.clone());
        }
        None if marks_turns => {
            a.set(ao::TURN_INCOMPLETE, true);
        }
        None => {}
    }
}

/// The session and turn facts an agent span carries: turn id, trigger, the harness's own trace
/// id, policies, sub-agent lineage and branch.
pub(crate) fn session_attrs(a: &mut AttrList, cx: &MapContext<'_>) {
    let ctx = cx.ctx();
    if let Some(t) = cx.turn() {
        if let Some(id) = &t.turn_id {
            a.set(ao::TURN_ID, id.clone());
        }
        if let Some(s) = &t.started {
            a.set_opt(ao::TURN_TRIGGER, s.trigger.clone());
            a.set_opt(ao::SOURCE_TRACE_ID, s.trace_id.clone());
            a.set_opt(ao::CONTEXT_WINDOW, s.context_window);
        }
    }
    if let Some(s) = &cx.session().started {
        a.set_opt(ao::SESSION_APPROVAL_POLICY, s.approval_policy.clone());
        a.set_opt(ao::SESSION_SANDBOX_POLICY, s.sandbox_policy.clone());
    }
    a.set_opt(ao::SESSION_SOURCE, ctx.source.clone());
    if let Some(s) = &ctx.subagent {
        a.set(ao::SUBAGENT_KIND, s.kind.clone());
    }
    a.set_opt(ao::PARENT_THREAD_ID, ctx.parent_thread_id.clone());
    a.set_opt(
        ao::GIT_BRANCH,
        ctx.git.as_ref().and_then(|g| g.branch.clone()),
    );
}

/// The attributes of a reviewer verdict event.
pub(crate) fn guardian_attrs(r: &agentobs_schema::GuardianReview, cx: &MapContext<'_>) -> AttrList {
    let mut attrs = AttrList::with_capacity(5);
    attrs.push(ao::DECISION, r.decision.as_str().to_owned());
    attrs.set_opt(ao::GUARDIAN_RISK_LEVEL, r.risk_level.clone());
    attrs.set_opt(
        ao::GUARDIAN_USER_AUTHORIZATION,
        r.user_authorization.clone(),
    );
    attrs.set_opt(ao::GUARDIAN_CALL_ID, r.call_id.clone());
    if let Some(text) = r.rationale.as_ref().and_then(|t| cx.content().text(t)) {
        attrs.set(ao::GUARDIAN_RATIONALE, text.into_owned());
    }
    attrs
}

/// An OpenTelemetry `exception` span event for a harness error.
pub(crate) fn exception_event(at: Timestamp, e: &agentobs_schema::ErrorEvent) -> SpanEvent {
    let mut attrs = AttrList::with_capacity(2);
    attrs.push(
        res::EXCEPTION_TYPE,
        e.kind
            .as_ref()
            .map(|k| k.as_str().to_owned())
            .unwrap_or_else(|| res::ERROR_TYPE_OTHER.to_owned()),
    );
    attrs.push(res::EXCEPTION_MESSAGE, e.message.clone());
    SpanEvent {
        name: res::EXCEPTION_EVENT.into(),
        time: at,
        attributes: attrs,
    }
}

/// The span events genai-style dialects share: an approval on its tool span (or the turn's
/// when it names no call), a reviewer verdict, a compaction, an error (`exception`) and a
/// failed stream event on the turn span. `tool_name` is the dialect's key for the tool name.
pub(crate) fn span_events(event: &Event, cx: &mut MapContext<'_>, tool_name: &'static str) {
    let (id, name, attrs) = match &event.kind {
        EventKind::ToolDecision(d) => {
            let id = match &d.call_id {
                Some(c) => cx.tool_span_id(Some(c)),
                None => match cx.turn_span_id() {
                    Some(t) => t,
                    None => return,
                },
            };
            let mut attrs = AttrList::with_capacity(3);
            attrs.push(ao::DECISION, d.decision.as_str().to_owned());
            attrs.set_opt(
                ao::DECISION_SOURCE,
                d.source.as_ref().map(|s| s.as_str().to_owned()),
            );
            attrs.push(tool_name, d.tool.clone());
            (id, ao::EVENT_TOOL_DECISION, attrs)
        }
        EventKind::GuardianReview(r) => {
            let Some(id) = cx.turn_span_id() else { return };
            (id, ao::EVENT_GUARDIAN_REVIEW, guardian_attrs(r, cx))
        }
        EventKind::Compaction(c) => {
            let Some(id) = cx.turn_span_id() else { return };
            let mut attrs = AttrList::new();
            attrs.set_opt(ao::COMPACTION_REPLACEMENT_ITEMS, c.replacement_items);
            (id, ao::EVENT_COMPACTION, attrs)
        }
        EventKind::Error(e) => {
            let Some(id) = cx.turn_span_id() else { return };
            cx.span_event(id, exception_event(event.at, e));
            return;
        }
        EventKind::StreamEvent(s) if s.error.is_some() => {
            let Some(id) = cx.turn_span_id() else { return };
            let mut attrs = AttrList::with_capacity(2);
            attrs.set_opt(ao::STREAM_EVENT_KIND, s.event_kind.clone());
            attrs.set_opt(res::EXCEPTION_MESSAGE, s.error.clone());
            (id, ao::EVENT_STREAM_ERROR, attrs)
        }
        _ => return,
    };
    cx.span_event(
        id,
        SpanEvent {
            name: name.into(),
            time: event.at,
            attributes: attrs,
        },
    );
}
