//! One Codex business event (`codex.tool_result`, `codex.sse_event`, …) as Codex emits it —
//! a `tracing` event, or the OTLP log record its exporter makes of one — decoded into a typed
//! [`EventKind`].
//!
//! Codex emits each business event as a `tracing` event whose `event.name` field names it;
//! its other fields (the metadata of §1.3 of the telemetry reference, then the event's own)
//! become the log record's attributes. A `tracing` layer sees them typed (`str`, `i64`, `u64`,
//! `f64`, `bool`, or a `Display` string for `%x` fields); an OTLP log receiver mostly sees
//! strings (`duration_ms = "92"`, `success = "true"`). Both decode the same here: a number or
//! a boolean given as a string is read exactly as the typed value whose text it is.
//!
//! Feed the fields in as a slice of `(key, FieldValue)` pairs, or push them into a reusable
//! [`Fields`] collector, then call [`decode`] (which reads the name from `event.name`) or
//! [`decode_event`] (name given apart):
//!
//! ```
//! use agentobs_codex::log_event::{decode, DecodeOptions, FieldValue as V};
//! use agentobs_schema::{EventKind, Harness, SessionContext};
//!
//! let fields = [
//!     ("event.name", V::Str("codex.api_request")),
//!     ("event.timestamp", V::Str("2026-11-25T08:21:22.319Z")),
//!     ("conversation.id", V::Str("01a211cb-8c65-7ca2-a1fb-177f909983e4")),
//!     ("model", V::Str("gpt-5.1-codex")),
//!     ("attempt", V::I64(0)),
//!     ("http.response.status_code", V::Str("500")),
//!     ("duration_ms", V::Str("36")),
//!     ("error.message", V::Str("http 500")),
//! ];
//! let decoded = decode(&fields, &DecodeOptions::default()).unwrap().unwrap();
//! let EventKind::ApiRequest(req) = &decoded.kind else { panic!() };
//! assert_eq!((req.attempt, req.status_code, req.duration_ms), (0, Some(500), Some(36)));
//!
//! let mut ctx = SessionContext::new(Harness::Codex);
//! assert!(decoded.meta.apply_to(&mut ctx));
//! assert_eq!(ctx.model.as_deref(), Some("gpt-5.1-codex"));
//! ```
//!
//! # Event names and kinds
//!
//! | `event.name` | [`EventKind`] |
//! |---|---|
//! | `codex.conversation_starts` | `SessionStarted` |
//! | `codex.api_request` | `ApiRequest` |
//! | `codex.sse_event` with token counts (`event.kind` = `response.completed`) | `TokenUsage` |
//! | `codex.sse_event`, any other | `StreamEvent` (transport `sse`) |
//! | `codex.websocket_event` | `StreamEvent` (transport `websocket`) |
//! | `codex.websocket_connect` | `WebSocketConnect` |
//! | `codex.websocket_request` | `WebSocketRequest` |
//! | `codex.user_prompt` | `UserPrompt` |
//! | `codex.tool_decision` | `ToolDecision` |
//! | `codex.tool_result` | `ToolResult` |
//! | any other `codex.*` (`codex.turn_ttft`, `codex.startup_phase`, `codex.auth_recovery`, `codex.sandbox_outcome`, `codex.network_proxy.policy_decision`, …) | `Other`, with the event's attributes |
//! | a name not starting with `codex.` | not decoded (`Ok(None)`) |
//!
//! The facts read as the rollout reader reads them: token usage has Codex's semantics
//! (`input_token_count` includes the cached tokens; `tool_token_count` is, despite its name,
//! the request's total and is used only to fill a missing input or output count), and a tool
//! result's `success` is the truth as far as the output tells it (a command that exited with
//! code 2 failed, though Codex reports `success = true`), with Codex's claim kept as
//! `reported_success`.
//!
//! Content (prompt text, tool arguments and output) is kept only with
//! [`DecodeOptions::include_content`]; otherwise only its length. A prompt Codex itself
//! withheld (the literal `[REDACTED]`) is withheld whatever the options.
//!
//! An empty string given for a number or a boolean counts as absent. A value that is not what
//! its field holds (`attempt = "abc"`) is a [`DecodeError`] naming the event and the field.

use std::borrow::Cow;
use std::sync::Arc;

use agentobs_schema::{
    ApiRequest, Attributes, Decision, DecisionSource, Event, EventKind, OtherEvent, Redacted,
    SessionContext, SessionStarted, StreamEvent, StreamTransport, Timestamp, TokenUsage,
    TokenUsageEvent, ToolDecision, ToolOrigin, ToolResult, UserPrompt, Value, WebSocketConnect,
    WebSocketRequest,
};

mod fields;
mod meta;

pub use fields::{FieldSource, FieldValue, Fields};
use fields::{to_bool, to_i64, to_u64};
pub use meta::SessionMeta;
use meta::meta;

use crate::accounting::to_usage;
use crate::raw::RawUsage;
use crate::reader::{OutputFacts, plausible_process_ms, split_mcp};

/// The field that names the event (`codex.tool_result`, …).
pub const EVENT_NAME: &str = "event.name";
/// The field that holds the event's time, RFC 3339.
pub const EVENT_TIMESTAMP: &str = "event.timestamp";
/// The prefix of every Codex business event name.
pub const CODEX_PREFIX: &str = "codex.";
/// What Codex writes as the prompt of `codex.user_prompt` when `log_user_prompt` is off.
pub const REDACTED_PROMPT: &str = "[REDACTED]";
/// The error kept for a WebSocket event that reports `success = false` without an
/// `error.message`.
pub const UNSUCCESSFUL: &str = "unsuccessful";

/// Codex's field names.
mod key {
    pub(super) const CONVERSATION_ID: &str = "conversation.id";
    pub(super) const MODEL: &str = "model";
    pub(super) const SLUG: &str = "slug";
    pub(super) const APP_VERSION: &str = "app.version";
    pub(super) const ORIGINATOR: &str = "originator";
    pub(super) const AUTH_MODE: &str = "auth_mode";
    pub(super) const TERMINAL_TYPE: &str = "terminal.type";
    pub(super) const USER_ACCOUNT_ID: &str = "user.account_id";
    pub(super) const USER_EMAIL: &str = "user.email";

    pub(super) const PROVIDER_NAME: &str = "provider_name";
    pub(super) const REASONING_EFFORT: &str = "reasoning_effort";
    pub(super) const REASONING_SUMMARY: &str = "reasoning_summary";
    pub(super) const CONTEXT_WINDOW: &str = "context_window";
    pub(super) const AUTO_COMPACT_TOKEN_LIMIT: &str = "auto_compact_token_limit";
    pub(super) const APPROVAL_POLICY: &str = "approval_policy";
    pub(super) const SANDBOX_POLICY: &str = "sandbox_policy";
    pub(super) const MCP_SERVERS: &str = "mcp_servers";
    pub(super) const ACTIVE_PROFILE: &str = "active_profile";

    pub(super) const DURATION_MS: &str = "duration_ms";
    pub(super) const STATUS_CODE: &str = "http.response.status_code";
    pub(super) const ERROR_MESSAGE: &str = "error.message";
    pub(super) const ATTEMPT: &str = "attempt";
    pub(super) const ENDPOINT: &str = "endpoint";
    pub(super) const SUCCESS: &str = "success";
    pub(super) const CONNECTION_REUSED: &str = "auth.connection_reused";

    pub(super) const EVENT_KIND: &str = "event.kind";
    pub(super) const INPUT_TOKEN_COUNT: &str = "input_token_count";
    pub(super) const OUTPUT_TOKEN_COUNT: &str = "output_token_count";
    pub(super) const CACHED_TOKEN_COUNT: &str = "cached_token_count";
    pub(super) const CACHE_WRITE_TOKEN_COUNT: &str = "cache_write_token_count";
    pub(super) const REASONING_TOKEN_COUNT: &str = "reasoning_token_count";
    pub(super) const TOOL_TOKEN_COUNT: &str = "tool_token_count";
    pub(super) const TTFT_MS: &str = "ttft_ms";

    pub(super) const PROMPT: &str = "prompt";
    pub(super) const PROMPT_LENGTH: &str = "prompt_length";
    pub(super) const TEXT_INPUT_COUNT: &str = "text_input_count";
    pub(super) const IMAGE_INPUT_COUNT: &str = "image_input_count";
    pub(super) const LOCAL_IMAGE_INPUT_COUNT: &str = "local_image_input_count";

    pub(super) const TOOL_NAME: &str = "tool_name";
    pub(super) const CALL_ID: &str = "call_id";
    pub(super) const DECISION: &str = "decision";
    pub(super) const SOURCE: &str = "source";
    pub(super) const ARGUMENTS: &str = "arguments";
    pub(super) const ARGUMENTS_LENGTH: &str = "arguments_length";
    pub(super) const OUTPUT: &str = "output";
    pub(super) const OUTPUT_LENGTH: &str = "output_length";
    pub(super) const MCP_SERVER: &str = "mcp_server";
    pub(super) const TOOL_ORIGIN: &str = "tool_origin";
    pub(super) const MCP_TOOL: &str = "mcp_tool";
}

/// Codex's event names.
mod name {
    pub(super) const CONVERSATION_STARTS: &str = "codex.conversation_starts";
    pub(super) const API_REQUEST: &str = "codex.api_request";
    pub(super) const SSE_EVENT: &str = "codex.sse_event";
    pub(super) const WEBSOCKET_CONNECT: &str = "codex.websocket_connect";
    pub(super) const WEBSOCKET_REQUEST: &str = "codex.websocket_request";
    pub(super) const WEBSOCKET_EVENT: &str = "codex.websocket_event";
    pub(super) const USER_PROMPT: &str = "codex.user_prompt";
    pub(super) const TOOL_DECISION: &str = "codex.tool_decision";
    pub(super) const TOOL_RESULT: &str = "codex.tool_result";
}

/// The SSE event kind that carries a response's token counts.
const RESPONSE_COMPLETED: &str = "response.completed";

/// The token-count fields of a completed response.
const COUNT_KEYS: [&str; 6] = [
    key::INPUT_TOKEN_COUNT,
    key::OUTPUT_TOKEN_COUNT,
    key::CACHED_TOKEN_COUNT,
    key::CACHE_WRITE_TOKEN_COUNT,
    key::REASONING_TOKEN_COUNT,
    key::TOOL_TOKEN_COUNT,
];

/// Fields that are not an `Other` event's attributes: its name, its time and the session
/// metadata (those go to [`Decoded::at`] and [`Decoded::meta`]).
const NOT_ATTRIBUTES: [&str; 11] = [
    EVENT_NAME,
    EVENT_TIMESTAMP,
    key::CONVERSATION_ID,
    key::MODEL,
    key::SLUG,
    key::APP_VERSION,
    key::ORIGINATOR,
    key::AUTH_MODE,
    key::TERMINAL_TYPE,
    key::USER_ACCOUNT_ID,
    key::USER_EMAIL,
];

/// What a known field of an event kept as `Other` holds.
#[derive(Clone, Copy)]
enum Typed {
    Int,
    Bool,
}

/// Events kept as `Other` whose fields' types the reference documents: these fields are
/// checked and kept typed, so they read the same from typed and from string values.
const OTHER_TYPED: &[(&str, &[(&str, Typed)])] = &[
    ("codex.turn_ttft", &[(key::DURATION_MS, Typed::Int)]),
    ("codex.startup_phase", &[(key::DURATION_MS, Typed::Int)]),
    (
        "codex.sandbox_outcome",
        &[
            ("initial_duration_ms", Typed::Int),
            ("escalated_duration_ms", Typed::Int),
        ],
    ),
    (
        "codex.auth_recovery",
        &[("auth.state_changed", Typed::Bool)],
    ),
];

/// How to decode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Keep prompt text, tool arguments and tool output (default off: only their lengths).
    pub include_content: bool,
}

impl DecodeOptions {
    /// Keeps (`true`) or withholds content. Default: withheld.
    #[must_use]
    pub fn with_content(mut self, include: bool) -> Self {
        self.include_content = include;
        self
    }
}

/// One decoded event.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Decoded<'a> {
    /// What happened.
    pub kind: EventKind,
    /// `event.timestamp`; `None` when absent or not RFC 3339.
    pub at: Option<Timestamp>,
    /// The session metadata the event carried.
    pub meta: SessionMeta<'a>,
}

impl Decoded<'_> {
    /// The event in `ctx` (apply [`meta`](Decoded::meta) to it first), at `event.timestamp`
    /// or, without one, at `fallback` (e.g. the log record's time).
    pub fn into_event(self, ctx: Arc<SessionContext>, fallback: Timestamp) -> Event {
        Event::new(self.at.unwrap_or(fallback), ctx, self.kind)
    }
}

/// Why an event could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A field's value is not what the field holds.
    #[error("{event}: field `{field}` is {value:?}, expected {expected}")]
    BadField {
        /// The event name.
        event: String,
        /// The field.
        field: String,
        /// The value as text (at most 64 characters).
        value: String,
        /// What the field holds.
        expected: &'static str,
    },
    /// A field the event cannot do without is absent.
    #[error("{event}: field `{field}` is missing")]
    MissingField {
        /// The event name.
        event: String,
        /// The field.
        field: &'static str,
    },
}

impl DecodeError {
    /// The event name.
    pub fn event(&self) -> &str {
        match self {
            DecodeError::BadField { event, .. } | DecodeError::MissingField { event, .. } => event,
        }
    }

    /// The field at fault.
    pub fn field(&self) -> &str {
        match self {
            DecodeError::BadField { field, .. } => field,
            DecodeError::MissingField { field, .. } => field,
        }
    }
}

/// Decodes one event, named by its `event.name` field.
///
/// `Ok(None)` when there is no `event.name` or it does not start with `codex.`.
pub fn decode<'s, F: FieldSource + ?Sized>(
    fields: &'s F,
    opts: &DecodeOptions,
) -> Result<Option<Decoded<'s>>, DecodeError> {
    match fields.field(EVENT_NAME) {
        Some(name) => decode_event(&name.as_text(), fields, opts),
        None => Ok(None),
    }
}

/// Decodes one event named `name` (an `event.name` among `fields` is ignored).
///
/// `Ok(None)` when `name` does not start with `codex.`.
pub fn decode_event<'s, F: FieldSource + ?Sized>(
    name: &str,
    fields: &'s F,
    opts: &DecodeOptions,
) -> Result<Option<Decoded<'s>>, DecodeError> {
    if !name.starts_with(CODEX_PREFIX) {
        return Ok(None);
    }
    let ev = Ev { name, f: fields };
    let kind = match name {
        name::CONVERSATION_STARTS => EventKind::SessionStarted(ev.session_started()?),
        name::API_REQUEST => EventKind::ApiRequest(ev.api_request()?),
        name::SSE_EVENT => ev.sse_event()?,
        name::WEBSOCKET_EVENT => EventKind::StreamEvent(ev.websocket_event()?),
        name::WEBSOCKET_CONNECT => EventKind::WebSocketConnect(ev.websocket_connect()?),
        name::WEBSOCKET_REQUEST => EventKind::WebSocketRequest(ev.websocket_request()?),
        name::USER_PROMPT => EventKind::UserPrompt(ev.user_prompt(opts)?),
        name::TOOL_DECISION => EventKind::ToolDecision(ev.tool_decision()?),
        name::TOOL_RESULT => EventKind::ToolResult(ev.tool_result(opts)?),
        _ => EventKind::Other(ev.other()?),
    };
    let at = fields.field(EVENT_TIMESTAMP).and_then(|v| match v {
        FieldValue::Str(s) => Timestamp::parse_rfc3339(s.trim()).ok(),
        _ => None,
    });
    Ok(Some(Decoded {
        kind,
        at,
        meta: meta(fields),
    }))
}

/// The event being decoded.
struct Ev<'s, 'n, F: ?Sized> {
    name: &'n str,
    f: &'s F,
}

impl<'s, F: FieldSource + ?Sized> Ev<'s, '_, F> {
    fn bad(&self, field: &str, v: FieldValue<'_>, expected: &'static str) -> DecodeError {
        DecodeError::BadField {
            event: self.name.to_owned(),
            field: field.to_owned(),
            value: v.as_text().chars().take(64).collect(),
            expected,
        }
    }

    fn missing(&self, field: &'static str) -> DecodeError {
        DecodeError::MissingField {
            event: self.name.to_owned(),
            field,
        }
    }

    fn text(&self, key: &str) -> Option<Cow<'s, str>> {
        self.f.field(key).map(|v| v.as_text())
    }

    /// A string field; empty counts as absent.
    fn string(&self, key: &str) -> Option<String> {
        self.text(key)
            .filter(|s| !s.is_empty())
            .map(Cow::into_owned)
    }

    /// True when `key` has a value (not an empty string).
    fn present(&self, key: &str) -> bool {
        self.f.field(key).is_some_and(|v| !v.is_blank())
    }

    fn convert<T>(
        &self,
        key: &str,
        v: FieldValue<'_>,
        conv: impl FnOnce(FieldValue<'_>) -> Option<T>,
        expected: &'static str,
    ) -> Result<Option<T>, DecodeError> {
        if v.is_blank() {
            return Ok(None);
        }
        conv(v.typed())
            .map(Some)
            .ok_or_else(|| self.bad(key, v, expected))
    }

    fn get<T>(
        &self,
        key: &str,
        conv: impl FnOnce(FieldValue<'_>) -> Option<T>,
        expected: &'static str,
    ) -> Result<Option<T>, DecodeError> {
        match self.f.field(key) {
            Some(v) => self.convert(key, v, conv, expected),
            None => Ok(None),
        }
    }

    fn u64(&self, key: &str) -> Result<Option<u64>, DecodeError> {
        self.get(key, to_u64, "a non-negative integer")
    }

    fn u32(&self, key: &str) -> Result<Option<u32>, DecodeError> {
        self.get(
            key,
            |v| to_u64(v).and_then(|u| u32::try_from(u).ok()),
            "an integer from 0 to 4294967295",
        )
    }

    fn u16(&self, key: &str) -> Result<Option<u16>, DecodeError> {
        self.get(
            key,
            |v| to_u64(v).and_then(|u| u16::try_from(u).ok()),
            "an integer from 0 to 65535",
        )
    }

    fn bool(&self, key: &str) -> Result<Option<bool>, DecodeError> {
        self.get(key, to_bool, "true or false")
    }

    /// `codex.conversation_starts`.
    fn session_started(&self) -> Result<SessionStarted, DecodeError> {
        let mut s = SessionStarted::default();
        s.provider = self.string(key::PROVIDER_NAME);
        s.approval_policy = self.string(key::APPROVAL_POLICY);
        s.sandbox_policy = self.string(key::SANDBOX_POLICY);
        s.reasoning_effort = self.string(key::REASONING_EFFORT);
        s.reasoning_summary = self.string(key::REASONING_SUMMARY);
        s.context_window = self.u64(key::CONTEXT_WINDOW)?;
        s.auto_compact_token_limit = self.u64(key::AUTO_COMPACT_TOKEN_LIMIT)?;
        s.mcp_servers = self
            .text(key::MCP_SERVERS)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        s.profile = self.string(key::ACTIVE_PROFILE);
        Ok(s)
    }

    /// `codex.api_request`.
    fn api_request(&self) -> Result<ApiRequest, DecodeError> {
        let mut r = ApiRequest::default();
        r.attempt = self.u32(key::ATTEMPT)?.unwrap_or(0);
        r.status_code = self.u16(key::STATUS_CODE)?;
        r.duration_ms = self.u64(key::DURATION_MS)?;
        r.error = self.string(key::ERROR_MESSAGE);
        r.endpoint = self.string(key::ENDPOINT);
        Ok(r)
    }

    /// The token counts of a completed response, when it has any.
    fn usage(&self) -> Result<Option<TokenUsage>, DecodeError> {
        let input = self.u64(key::INPUT_TOKEN_COUNT)?;
        let output = self.u64(key::OUTPUT_TOKEN_COUNT)?;
        let cached = self.u64(key::CACHED_TOKEN_COUNT)?;
        let cache_write = self.u64(key::CACHE_WRITE_TOKEN_COUNT)?;
        let reasoning = self.u64(key::REASONING_TOKEN_COUNT)?;
        // Codex fills `tool_token_count` with the response's total tokens.
        let total = self.u64(key::TOOL_TOKEN_COUNT)?;
        if [input, output, cached, cache_write, reasoning, total]
            .iter()
            .all(Option::is_none)
        {
            return Ok(None);
        }
        let input_tokens = input
            .or_else(|| Some(total?.saturating_sub(output?)))
            .unwrap_or(0);
        let output_tokens = output
            .or_else(|| Some(total?.saturating_sub(input?)))
            .unwrap_or(0);
        Ok(Some(to_usage(RawUsage {
            input_tokens,
            cached_input_tokens: cached.unwrap_or(0),
            cache_write_input_tokens: cache_write.unwrap_or(0),
            output_tokens,
            reasoning_output_tokens: reasoning.unwrap_or(0),
            total_tokens: total,
        })))
    }

    /// `codex.sse_event`: a completed response's token counts, or one stream event.
    fn sse_event(&self) -> Result<EventKind, DecodeError> {
        let event_kind = self.string(key::EVENT_KIND);
        let error = self.string(key::ERROR_MESSAGE);
        let completion = event_kind
            .as_deref()
            .is_none_or(|k| k == RESPONSE_COMPLETED);
        let usage = if completion && COUNT_KEYS.iter().any(|k| self.present(k)) {
            self.usage()?
        } else {
            None
        };
        if let Some(usage) = usage
            && error.is_none()
        {
            let mut ev = TokenUsageEvent::new(usage);
            ev.prompt_tokens = Some(usage.input_tokens);
            return Ok(EventKind::TokenUsage(ev));
        }
        let mut s = StreamEvent::new(StreamTransport::Sse);
        s.event_kind = event_kind;
        s.duration_ms = self.u64(key::DURATION_MS)?;
        s.error = error;
        s.usage = usage;
        s.ttft_ms = self.u64(key::TTFT_MS)?;
        Ok(EventKind::StreamEvent(s))
    }

    /// `codex.websocket_event`.
    fn websocket_event(&self) -> Result<StreamEvent, DecodeError> {
        let mut s = StreamEvent::new(StreamTransport::WebSocket);
        s.event_kind = self.string(key::EVENT_KIND);
        s.duration_ms = self.u64(key::DURATION_MS)?;
        let success = self.bool(key::SUCCESS)?;
        s.error = self
            .string(key::ERROR_MESSAGE)
            .or_else(|| (success == Some(false)).then(|| UNSUCCESSFUL.to_owned()));
        Ok(s)
    }

    /// `codex.websocket_connect`.
    fn websocket_connect(&self) -> Result<WebSocketConnect, DecodeError> {
        let mut w = WebSocketConnect::default();
        w.duration_ms = self.u64(key::DURATION_MS)?;
        w.status_code = self.u16(key::STATUS_CODE)?;
        w.success = self.bool(key::SUCCESS)?;
        w.error = self.string(key::ERROR_MESSAGE);
        w.connection_reused = self.bool(key::CONNECTION_REUSED)?;
        Ok(w)
    }

    /// `codex.websocket_request`.
    fn websocket_request(&self) -> Result<WebSocketRequest, DecodeError> {
        let mut w = WebSocketRequest::default();
        w.duration_ms = self.u64(key::DURATION_MS)?;
        w.success = self.bool(key::SUCCESS)?;
        w.error = self.string(key::ERROR_MESSAGE);
        w.connection_reused = self.bool(key::CONNECTION_REUSED)?;
        Ok(w)
    }

    /// `codex.user_prompt`: the log variant (`prompt`, `prompt_length`) or the trace variant
    /// (`prompt_length` and input counts).
    fn user_prompt(&self, opts: &DecodeOptions) -> Result<UserPrompt, DecodeError> {
        let prompt = self
            .text(key::PROMPT)
            .filter(|p| p.as_ref() != REDACTED_PROMPT);
        let length = match self.u64(key::PROMPT_LENGTH)? {
            Some(n) => n,
            None => prompt.as_ref().map_or(0, |p| p.chars().count() as u64),
        };
        let mut p = UserPrompt::default();
        p.length = length;
        p.text_inputs = self
            .u32(key::TEXT_INPUT_COUNT)?
            .unwrap_or(u32::from(length > 0));
        p.image_inputs = self.u32(key::IMAGE_INPUT_COUNT)?.unwrap_or(0);
        p.local_image_inputs = self.u32(key::LOCAL_IMAGE_INPUT_COUNT)?.unwrap_or(0);
        p.text = match prompt {
            Some(text) if opts.include_content => Redacted::shown(text.into_owned()),
            _ => Redacted::withheld(length),
        };
        Ok(p)
    }

    /// The tool name, with an `mcp__server__` prefix split off.
    fn tool(&self) -> (String, Option<String>, ToolOrigin) {
        let name = self
            .text(key::TOOL_NAME)
            .filter(|s| !s.is_empty())
            .unwrap_or(Cow::Borrowed("unknown"));
        split_mcp(&name, None)
    }

    /// `codex.tool_decision`.
    fn tool_decision(&self) -> Result<ToolDecision, DecodeError> {
        let decision = self
            .text(key::DECISION)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.missing(key::DECISION))?;
        let decision = if decision.bytes().any(|b| b.is_ascii_uppercase()) {
            Decision::parse(&decision.to_ascii_lowercase())
        } else {
            Decision::parse(&decision)
        };
        let (tool, _, _) = self.tool();
        let mut d = ToolDecision::new(tool, decision);
        d.call_id = self.string(key::CALL_ID);
        d.source = self
            .text(key::SOURCE)
            .filter(|s| !s.is_empty())
            .map(|s| DecisionSource::parse(&s));
        Ok(d)
    }

    /// `codex.tool_result`: the log variant (`arguments`, `output`, `mcp_server`) or the
    /// trace variant (lengths, `tool_origin`, `mcp_tool`; `error.message` on a failed call).
    fn tool_result(&self, opts: &DecodeOptions) -> Result<ToolResult, DecodeError> {
        let show = opts.include_content;
        let (tool, name_server, name_origin) = self.tool();
        let server = self.string(key::MCP_SERVER);
        let mcp_tool = self.bool(key::MCP_TOOL)?;
        let origin = match self.text(key::TOOL_ORIGIN).filter(|s| !s.is_empty()) {
            Some(o) => ToolOrigin::parse(&o),
            None if mcp_tool == Some(true) || server.is_some() => ToolOrigin::Mcp,
            None => name_origin,
        };
        let arguments = match self.text(key::ARGUMENTS) {
            Some(a) => Redacted::from_text(&a, show),
            None => Redacted::withheld(self.u64(key::ARGUMENTS_LENGTH)?.unwrap_or(0)),
        };
        let output_length = self.u64(key::OUTPUT_LENGTH)?;
        let reported_success = self.bool(key::SUCCESS)?;
        let duration_ms = self.u64(key::DURATION_MS)?;
        // A failed call's trace variant has its error where the output would be.
        let output_text = self
            .text(key::OUTPUT)
            .or_else(|| self.text(key::ERROR_MESSAGE).filter(|s| !s.is_empty()));
        let (output, exit_code, wall_ms, blocked_by) = match output_text {
            Some(text) => {
                let facts = OutputFacts::of_text(text.into_owned(), None);
                (
                    Redacted::from_text(&facts.body, show),
                    facts.exit_code,
                    facts.wall_ms,
                    facts.blocked_by,
                )
            }
            None => (
                Redacted::withheld(output_length.unwrap_or(0)),
                None,
                None,
                None,
            ),
        };
        let process_duration_ms = plausible_process_ms(None, wall_ms, duration_ms);
        let mut r = ToolResult::new(tool);
        r.call_id = self.string(key::CALL_ID);
        r.duration_ms = duration_ms.or(process_duration_ms);
        r.process_duration_ms = process_duration_ms;
        r.success = exit_code.map(|c| c == 0).or(reported_success);
        r.reported_success = reported_success;
        r.exit_code = exit_code;
        r.arguments = arguments;
        r.output = output;
        r.blocked_by = blocked_by;
        r.mcp_server = server.or(name_server);
        r.origin = Some(origin);
        Ok(r)
    }

    /// Any other `codex.*` event: its attributes (but the name, time and metadata), the
    /// known fields of [`OTHER_TYPED`] checked and typed, the rest as given.
    fn other(&self) -> Result<OtherEvent, DecodeError> {
        let typed = OTHER_TYPED
            .iter()
            .find(|(n, _)| *n == self.name)
            .map_or(&[][..], |(_, t)| *t);
        let mut attributes = Attributes::new();
        let mut error = None;
        self.f.for_each_field(&mut |k, v| {
            if error.is_some() || NOT_ATTRIBUTES.contains(&k) {
                return;
            }
            let value = match typed.iter().find(|(tk, _)| *tk == k) {
                Some((_, Typed::Int)) => self
                    .convert(k, v, to_i64, "an integer")
                    .map(|o| o.map(Value::Int)),
                Some((_, Typed::Bool)) => self
                    .convert(k, v, to_bool, "true or false")
                    .map(|o| o.map(Value::Bool)),
                None => Ok(Some(raw_value(v))),
            };
            match value {
                Ok(Some(value)) => {
                    attributes.insert(k.to_owned(), value);
                }
                Ok(None) => {
                    attributes.remove(k);
                }
                Err(e) => error = Some(e),
            }
        });
        match error {
            Some(e) => Err(e),
            None => Ok(OtherEvent::new(self.name, attributes)),
        }
    }
}

/// A value kept as given.
fn raw_value(v: FieldValue<'_>) -> Value {
    match v {
        FieldValue::Str(s) => Value::String(s.to_owned()),
        FieldValue::I64(i) => Value::Int(i),
        FieldValue::U64(u) => {
            i64::try_from(u).map_or_else(|_| Value::String(u.to_string()), Value::Int)
        }
        FieldValue::F64(f) if f.is_finite() => Value::Float(f),
        FieldValue::F64(f) => Value::String(f.to_string()),
        FieldValue::Bool(b) => Value::Bool(b),
    }
}

#[cfg(test)]
mod tests;
