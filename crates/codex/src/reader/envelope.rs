//! Lines and their envelopes: blank, oversized and incomplete lines; the compact prefilter
//! (`wanted`) that skips lines the mode does not need without a JSON parse; the full parse of
//! every other form; timestamps; and the dispatch of a payload to its handler by kind.

use agentobs_schema::{EventKind, OtherEvent, Timestamp, WarningKind};
use serde::Deserialize;

use super::output::Core;
use crate::classify::{compact_header, completed_item_type, mentions_service_tier};
use crate::names::{event as ev, item, line as kind};
use crate::raw::{Env, LooseEnvelope};

/// Where the payload of a line is.
#[derive(Clone, Copy)]
pub(super) enum Src<'a> {
    /// The whole compact line; the payload is under `payload`.
    Line(&'a [u8]),
    /// The payload itself.
    Raw(&'a str),
}

impl<'a> Src<'a> {
    /// The payload read by `fast` when the line is in compact form and `fast` accepts it, else
    /// by the full parser.
    pub(super) fn parse_or<P: Deserialize<'a>>(
        self,
        fast: impl FnOnce(&'a [u8]) -> Option<P>,
    ) -> Result<P, serde_json::Error> {
        if let Src::Line(b) = self
            && let Some(p) = fast(b)
        {
            return Ok(p);
        }
        self.parse()
    }

    /// The payload read by the full parser.
    pub(super) fn parse<P: Deserialize<'a>>(self) -> Result<P, serde_json::Error> {
        match self {
            Src::Line(b) => serde_json::from_slice::<Env<P>>(b).map(|e| e.payload),
            Src::Raw(s) => serde_json::from_str::<P>(s),
        }
    }
}

/// A line or payload type name as `&str`: the known ones without a UTF-8 check.
fn name(b: &[u8]) -> Option<&str> {
    const KNOWN: &[&str] = &[
        kind::EVENT_MSG,
        kind::RESPONSE_ITEM,
        kind::TOKEN_USAGE_RECORD,
        kind::TURN_CONTEXT,
        kind::SESSION_META,
        ev::TOKEN_COUNT,
        ev::TASK_STARTED,
        ev::THREAD_SETTINGS_APPLIED,
        ev::ITEM_COMPLETED,
        ev::TASK_COMPLETE,
    ];
    KNOWN
        .iter()
        .find(|k| k.as_bytes() == b)
        .copied()
        .or_else(|| std::str::from_utf8(b).ok())
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e.saturating_add(1));
    b.get(start..end).unwrap_or_default()
}

impl Core {
    /// Reads one line. False when the line was not consumed (an incomplete last line, to be
    /// read again once complete).
    pub(super) fn process(
        &mut self,
        bytes: &[u8],
        number: u64,
        complete: bool,
        oversized: Option<u64>,
    ) -> bool {
        self.st.stats.lines = self.st.stats.lines.saturating_add(1);
        if let Some(len) = oversized {
            self.st.stats.bad = self.st.stats.bad.saturating_add(1);
            let message = format!(
                "line of {len} bytes is longer than the {} byte limit; skipped",
                self.opts.max_line_bytes
            );
            self.warn(number, WarningKind::Oversized, message);
            return true;
        }
        let trimmed = trim(bytes);
        if trimmed.is_empty() {
            self.st.stats.skipped = self.st.stats.skipped.saturating_add(1);
            return true;
        }
        if !complete && serde_json::from_slice::<serde::de::IgnoredAny>(trimmed).is_err() {
            self.st.stats.lines = self.st.stats.lines.saturating_sub(1);
            self.st.stats.incomplete_tail = true;
            self.warn(
                number,
                WarningKind::Incomplete,
                "last line is incomplete (file still being written); it will be read once complete"
                    .into(),
            );
            return false;
        }
        self.line(trimmed, number);
        true
    }

    /// Decides from the header alone whether a compact line is needed.
    fn wanted(&self, k: &[u8], sub: Option<&[u8]>, bytes: &[u8]) -> bool {
        let is = |a: &[u8], b: &str| a == b.as_bytes();
        let any = |a: &[u8], list: &[&str]| list.iter().any(|b| is(a, b));
        // Most lines are response items: decide those first.
        if is(k, kind::RESPONSE_ITEM) {
            return self.full() && !sub.is_some_and(|s| any(s, item::CONTENT_ONLY));
        }
        if any(
            k,
            &[
                kind::SESSION_META,
                kind::TURN_CONTEXT,
                kind::TOKEN_USAGE_RECORD,
            ],
        ) {
            return true;
        }
        if is(k, kind::WORLD_STATE) {
            return false;
        }
        if is(k, kind::COMPACTED) {
            return self.full();
        }
        if is(k, kind::EVENT_MSG) {
            return sub.is_none_or(|sub| self.wanted_event(sub, bytes));
        }
        true
    }

    /// [`Core::wanted`] for an `event_msg` of the sub-kind `sub`.
    fn wanted_event(&self, sub: &[u8], bytes: &[u8]) -> bool {
        let is = |a: &[u8], b: &str| a == b.as_bytes();
        let any = |a: &[u8], list: &[&str]| list.iter().any(|b| is(a, b));
        if is(sub, ev::TOKEN_COUNT) {
            return true;
        }
        if any(sub, &[ev::TASK_STARTED, ev::TURN_STARTED]) {
            // The token path needs turn starts only to see where a replayed parent
            // history ends; usage rows carry their own context window.
            return self.full() || self.st.lineage.replaying;
        }
        if is(sub, ev::THREAD_SETTINGS_APPLIED) {
            // The token path reads these for the service tier, or for the model when no
            // turn context gave one.
            return self.full() || self.st.ctx.model.is_none() || mentions_service_tier(bytes);
        }
        if is(sub, ev::USER_MESSAGE) {
            return self.wants_first_prompt();
        }
        if is(sub, ev::ITEM_COMPLETED) {
            if !self.full() && !self.wants_first_prompt() {
                return false;
            }
            return match completed_item_type(bytes) {
                Some(b"UserMessage") => self.wants_first_prompt(),
                Some(b"CommandExecution") => self.full(),
                Some(_) => false,
                None => true,
            };
        }
        if any(sub, ev::CONTENT_ONLY) {
            return false;
        }
        self.full()
    }

    /// A non-blank, complete line.
    fn line(&mut self, bytes: &[u8], number: u64) {
        let bad_before = self.st.stats.bad;
        self.classified_line(bytes, number);
        if self.st.stats.bad > bad_before && std::str::from_utf8(bytes).is_err() {
            // serde_json words this as a bad escape or code point; say what it is.
            if let Some(Err(w)) = self.out.back_mut()
                && w.line == number
            {
                w.kind = WarningKind::InvalidUtf8;
                w.message = format!("invalid UTF-8: {}", w.message);
            }
        }
    }

    /// A compact line is classified by its header (and perhaps skipped); any other goes to
    /// [`Core::slow_line`].
    fn classified_line(&mut self, bytes: &[u8], number: u64) {
        if let Some(h) = compact_header(bytes) {
            if !self.wanted(h.kind, h.sub, bytes) {
                self.st.stats.skipped = self.st.stats.skipped.saturating_add(1);
                return self.skipped_time(h.ts);
            }
            // Known names map to constants; only unknown ones pay for a UTF-8 check.
            let (Some(k), sub) = (name(h.kind), h.sub.map(name)) else {
                return self.slow_line(bytes, number);
            };
            let sub = match sub {
                Some(None) => return self.slow_line(bytes, number),
                other => other.flatten(),
            };
            self.st.stats.parsed = self.st.stats.parsed.saturating_add(1);
            let at = self.timestamp_bytes(h.ts, number);
            self.dispatch(k, sub, Src::Line(bytes), at, number);
            return;
        }
        self.slow_line(bytes, number);
    }

    /// Any line the compact prefilter could not classify: parsed in full.
    fn slow_line(&mut self, bytes: &[u8], number: u64) {
        self.st.stats.parsed = self.st.stats.parsed.saturating_add(1);
        let env = match serde_json::from_slice::<LooseEnvelope<'_>>(bytes) {
            Ok(env) => env,
            Err(e) => return self.bad(number, "not a JSON object", &e),
        };
        let at = self.timestamp(env.timestamp.as_deref(), number);
        match (env.kind.as_deref(), env.payload) {
            (Some(k), Some(payload)) => {
                #[derive(Deserialize)]
                struct TypeOnly<'a> {
                    #[serde(rename = "type", borrow, default)]
                    kind: Option<std::borrow::Cow<'a, str>>,
                }
                let sub = serde_json::from_str::<TypeOnly<'_>>(payload.get())
                    .ok()
                    .and_then(|t| t.kind);
                self.dispatch(k, sub.as_deref(), Src::Raw(payload.get()), at, number);
            }
            (_, None) if env.record_type.is_some() => {
                // Legacy `{"record_type":"state"}` lines carry no facts.
                self.st.stats.parsed = self.st.stats.parsed.saturating_sub(1);
                self.st.stats.skipped = self.st.stats.skipped.saturating_add(1);
            }
            (None, None) if !self.st.lineage.saw_meta => {
                // Legacy first line: a bare session-meta object.
                let raw = std::str::from_utf8(bytes).unwrap_or_default();
                self.session_meta(Src::Raw(raw), at, number);
            }
            (Some(item_kind), None) => {
                // Legacy bare response item.
                let raw = std::str::from_utf8(bytes).unwrap_or_default();
                self.response_item(Some(item_kind), Src::Raw(raw), at, number);
            }
            _ => self.reject(
                number,
                WarningKind::UnknownKind,
                "JSON object without a `type`: not a rollout line".into(),
            ),
        }
    }

    /// A compact line's timestamp; the previous line's when unusable (with a warning).
    /// A skipped line's time still counts, as if the line had been parsed: it is the
    /// fallback for a later line without a usable time, and during a replay it can end the
    /// replay (so both read modes, and every form of a line, read the same).
    fn skipped_time(&mut self, ts: &[u8]) {
        if self.st.lineage.replaying {
            if let Ok(t) = Timestamp::parse_rfc3339_bytes(ts) {
                self.set_time(t);
                self.check_replay_end(t, None);
            }
            return;
        }
        if ts.len() <= 64 {
            self.st.skipped_ts.clear();
            self.st.skipped_ts.extend_from_slice(ts);
        }
    }

    fn set_time(&mut self, t: Timestamp) {
        self.st.last_ts = Some(t);
        self.st.skipped_ts.clear();
    }

    /// The time of the last line with a usable one (skipped lines included).
    fn fallback_time(&mut self) -> Timestamp {
        if !self.st.skipped_ts.is_empty() {
            if let Ok(t) = Timestamp::parse_rfc3339_bytes(&self.st.skipped_ts) {
                self.st.last_ts = Some(t);
            }
            self.st.skipped_ts.clear();
        }
        self.st.last_ts.unwrap_or_default()
    }

    fn timestamp_bytes(&mut self, ts: &[u8], number: u64) -> Timestamp {
        match Timestamp::parse_rfc3339_bytes(ts) {
            Ok(t) => {
                self.set_time(t);
                t
            }
            Err(e) => {
                self.warn(
                    number,
                    WarningKind::BadValue,
                    format!("{e}; using the previous line's time"),
                );
                self.fallback_time()
            }
        }
    }

    /// A parsed line's timestamp; the previous line's when absent or unusable.
    fn timestamp(&mut self, ts: Option<&str>, number: u64) -> Timestamp {
        if let Some(s) = ts {
            match Timestamp::parse_rfc3339(s) {
                Ok(t) => {
                    self.set_time(t);
                    return t;
                }
                Err(e) => self.warn(
                    number,
                    WarningKind::BadValue,
                    format!("{e}; using the previous line's time"),
                ),
            }
        }
        self.fallback_time()
    }

    /// Hands a payload of line kind `k` (payload type `sub`) to its handler.
    fn dispatch(&mut self, k: &str, sub: Option<&str>, src: Src<'_>, at: Timestamp, n: u64) {
        if self.st.lineage.replaying && k != kind::SESSION_META {
            let turn_marker = k == kind::TURN_CONTEXT
                || (k == kind::EVENT_MSG
                    && matches!(sub, Some(ev::TASK_STARTED | ev::TURN_STARTED)));
            if !turn_marker {
                self.check_replay_end(at, None);
            }
        }
        match k {
            kind::SESSION_META => self.session_meta(src, at, n),
            kind::TURN_CONTEXT => self.turn_context(src, at, n),
            kind::TOKEN_USAGE_RECORD => self.usage_record(src, at, n),
            kind::EVENT_MSG => self.event_msg(sub, src, at, n),
            kind::RESPONSE_ITEM => self.response_item(sub, src, at, n),
            kind::COMPACTED => self.compacted(src, at, n),
            kind::WORLD_STATE => {}
            other => {
                let name = other.to_owned();
                self.other(&name, src, at, n, true);
            }
        }
    }

    /// A payload kept as an `other` event under `name` (with a warning when `warn`: a kind
    /// this reader does not know).
    pub(super) fn other(&mut self, name: &str, src: Src<'_>, at: Timestamp, n: u64, warn: bool) {
        match src.parse::<agentobs_schema::Attributes>() {
            Ok(attributes) => {
                if warn {
                    self.warn(
                        n,
                        WarningKind::UnknownKind,
                        format!("unknown kind `{name}`; kept as an `other` event"),
                    );
                }
                self.emit(at, n, EventKind::Other(OtherEvent::new(name, attributes)));
            }
            Err(e) => self.bad(n, name, &e),
        }
    }
}
