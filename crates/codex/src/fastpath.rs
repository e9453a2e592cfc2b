//! Hand-rolled readers for the two hottest line kinds in compact form: `token_count` and
//! `token_usage_record`. They read only the usage objects; anything unexpected returns `None`
//! and the caller falls back to the full JSON parser, so results never depend on the path.
//!
//! Finding a key by searching for `"name":` is exact in JSON text: inside a string every quote
//! is escaped, so an unescaped `"name":` can only be a key.

use memchr::memmem;

use crate::raw::{RawUsage, TokenCountInfo, TokenUsageRecord};

/// Like [`find`], with a prebuilt searcher (building one per call dominates on short lines).
fn find_with<'a>(hay: &'a [u8], finder: &memmem::Finder<'_>) -> Option<&'a [u8]> {
    let i = finder.find(hay)?;
    hay.get(i.checked_add(finder.needle().len())?..)
}

/// Like [`find_with`], looking first after `from` (where Codex's key order puts the key) and
/// only then from the start: the result is the same, the search usually much shorter.
fn find_after<'a>(
    hay: &'a [u8],
    from: usize,
    finder: &memmem::Finder<'_>,
) -> Option<(&'a [u8], usize)> {
    let n = finder.needle().len();
    let (before, after) = hay.split_at(from.min(hay.len()));
    let at = finder
        .find(after)
        .and_then(|i| i.checked_add(before.len()))
        .or_else(|| finder.find(before))?;
    let end = at.checked_add(n)?;
    Some((hay.get(end..)?, end))
}

macro_rules! finder {
    ($name:ident, $lit:expr) => {
        static $name: std::sync::LazyLock<memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memmem::Finder::new($lit));
    };
}

finder!(INFO, b"\"info\":");
finder!(TOTAL, b"\"total_token_usage\":");
finder!(LAST, b"\"last_token_usage\":");
finder!(WINDOW, b"\"model_context_window\":");
finder!(TURN_ID, b"\"turn_id\":");
finder!(RESPONSE_ID, b"\"response_id\":");
finder!(USAGE, b"\"usage\":");
finder!(THREAD_USAGE, b"\"thread_token_usage\":");

fn number(b: &[u8]) -> Option<(u64, &[u8])> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 20 {
        return None;
    }
    let (digits, rest) = b.split_at(n);
    let mut v: u64 = 0;
    for &c in digits {
        // Every byte is an ASCII digit; an overflow (> u64::MAX) falls back to the full parser.
        v = v
            .checked_mul(10)?
            .checked_add(u64::from(c.checked_sub(b'0')?))?;
    }
    Some((v, rest))
}

/// `{"input_tokens":1,"cached_input_tokens":2,…}`: flat, integers only, compact.
fn usage_object(b: &[u8]) -> Option<RawUsage> {
    // The keys with their closing quote and colon, in the order Codex writes them: the next
    // key is tried first, so a usual object costs one comparison per key.
    const KEYS: [&[u8]; 6] = [
        b"input_tokens\":",
        b"cached_input_tokens\":",
        b"cache_write_input_tokens\":",
        b"output_tokens\":",
        b"reasoning_output_tokens\":",
        b"total_tokens\":",
    ];
    let mut rest = b.strip_prefix(b"{")?;
    let mut u = RawUsage::default();
    if rest.starts_with(b"}") {
        return Some(u);
    }
    let mut next = 0;
    loop {
        rest = rest.strip_prefix(b"\"")?;
        let k = match KEYS.get(next) {
            Some(key) if rest.starts_with(key) => next,
            // A key we don't know (a newer build, or a damaged key): the full parser decides,
            // so damage is reported rather than read as a missing count.
            _ => KEYS.iter().position(|k| rest.starts_with(k))?,
        };
        let key_len = KEYS.get(k).map_or(0, |key| key.len());
        let (v, r) = number(rest.get(key_len..)?)?;
        match k {
            0 => u.input_tokens = v,
            1 => u.cached_input_tokens = v,
            2 => u.cache_write_input_tokens = v,
            3 => u.output_tokens = v,
            4 => u.reasoning_output_tokens = v,
            _ => u.total_tokens = Some(v),
        }
        next = k.saturating_add(1);
        match r.split_first()? {
            (b',', tail) => rest = tail,
            (b'}', _) => return Some(u),
            _ => return None,
        }
    }
}

/// `"key":{…}` → the usage, `"key":null` or absent → `Some(None)`, anything else → `None`.
/// Also returns where the search may go on.
fn optional_usage(
    line: &[u8],
    from: usize,
    key: &memmem::Finder<'_>,
) -> Option<(Option<RawUsage>, usize)> {
    match find_after(line, from, key) {
        None => Some((None, from)),
        Some((r, _)) if r.starts_with(b"null") => Some((None, from)),
        Some((r, at)) => Some((Some(usage_object(r)?), at)),
    }
}

fn optional_string(
    line: &[u8],
    from: usize,
    key: &memmem::Finder<'_>,
) -> Option<(Option<String>, usize)> {
    match find_after(line, from, key) {
        None => Some((None, from)),
        Some((r, _)) if r.starts_with(b"null") => Some((None, from)),
        Some((r, at)) => {
            let r = r.strip_prefix(b"\"")?;
            let q = memchr::memchr(b'"', r)?;
            let s = r.get(..q)?;
            if memchr::memchr(b'\\', s).is_some() {
                return None;
            }
            Some((
                Some(std::str::from_utf8(s).ok()?.to_owned()),
                at.checked_add(q)?,
            ))
        }
    }
}

/// The `info` of a compact `token_count` line: `Some(None)` for `"info":null`.
pub(crate) fn token_count_info(line: &[u8]) -> Option<Option<TokenCountInfo>> {
    let info = find_with(line, &INFO)?;
    if info.starts_with(b"null") {
        return Some(None);
    }
    if !info.starts_with(b"{") {
        return None;
    }
    let (total_token_usage, at) = optional_usage(info, 0, &TOTAL)?;
    let (last_token_usage, at) = optional_usage(info, at, &LAST)?;
    let model_context_window = match find_after(info, at, &WINDOW) {
        None => None,
        Some((r, _)) if r.starts_with(b"null") => None,
        Some((r, _)) => Some(number(r)?.0),
    };
    if total_token_usage.is_none() && last_token_usage.is_none() {
        return None; // an unusual shape: let the full parser decide
    }
    Some(Some(TokenCountInfo {
        total_token_usage,
        last_token_usage,
        model_context_window,
    }))
}

/// A compact `token_usage_record` line.
pub(crate) fn usage_record(line: &[u8]) -> Option<TokenUsageRecord> {
    let payload = payload(line)?;
    let (turn_id, at) = optional_string(payload, 0, &TURN_ID)?;
    let (response_id, at) = optional_string(payload, at, &RESPONSE_ID)?;
    let (usage, at) = optional_usage(payload, at, &USAGE)?;
    let (thread_token_usage, _) = optional_usage(payload, at, &THREAD_USAGE)?;
    Some(TokenUsageRecord {
        turn_id,
        response_id,
        usage,
        thread_token_usage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compact_token_count() {
        let l = br#"{"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":8780,"cached_input_tokens":8064,"cache_write_input_tokens":0,"output_tokens":95,"reasoning_output_tokens":32,"total_tokens":8875},"last_token_usage":{"input_tokens":4570,"cached_input_tokens":4096,"cache_write_input_tokens":0,"output_tokens":38,"reasoning_output_tokens":0,"total_tokens":4608},"last_usage_includes_reasoning":false,"model_context_window":258400},"rate_limits":null}}"#;
        let info = token_count_info(l).unwrap().unwrap();
        let t = info.total_token_usage.unwrap();
        assert_eq!(
            (t.input_tokens, t.cached_input_tokens, t.output_tokens),
            (8780, 8064, 95)
        );
        assert_eq!(t.total_tokens, Some(8875));
        assert_eq!(info.last_token_usage.unwrap().input_tokens, 4570);
        assert_eq!(info.model_context_window, Some(258_400));
        let null = br#"{"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{}}}"#;
        assert!(token_count_info(null).unwrap().is_none());
    }

    #[test]
    fn unusual_shapes_fall_back() {
        let spaced = br#"{"timestamp":"t","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage": {"input_tokens": 1}}}}"#;
        assert!(token_count_info(spaced).is_none());
        let float = br#"{"payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1.5}}}}"#;
        assert!(token_count_info(float).is_none());
        let neg = br#"{"payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":-1}}}}"#;
        assert!(token_count_info(neg).is_none());
    }

    #[test]
    fn reads_compact_usage_record() {
        let l = br#"{"timestamp":"t","ordinal":10,"type":"token_usage_record","payload":{"thread_id":"a","turn_id":"b","session_id":"a","root_turn_id":"b","response_id":"resp_1","usage":{"input_tokens":4210,"cached_input_tokens":3968,"cache_write_input_tokens":0,"output_tokens":57,"reasoning_output_tokens":32,"total_tokens":4267},"turn_token_usage":{"input_tokens":1},"thread_token_usage":{"input_tokens":4210,"cached_input_tokens":3968,"cache_write_input_tokens":0,"output_tokens":57,"reasoning_output_tokens":32,"total_tokens":4267}}}"#;
        let r = usage_record(l).unwrap();
        assert_eq!(r.response_id.as_deref(), Some("resp_1"));
        assert_eq!(r.turn_id.as_deref(), Some("b"));
        assert_eq!(r.usage.unwrap().input_tokens, 4210);
        assert_eq!(r.thread_token_usage.unwrap().output_tokens, 57);
    }
}

// ---------------------------------------------------------------- top-level members

/// Length of the JSON string starting at `b[0] == '"'`, quotes included.
///
/// `None` when the string does not end in `b`, including a line cut right after a backslash
/// (`…"cwd":"C:\`): the escape's second byte is then past the end.
fn skip_string(b: &[u8]) -> Option<usize> {
    let mut i: usize = 1;
    loop {
        let j = memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        let at = i.checked_add(j)?;
        if *b.get(at)? == b'\\' {
            // Skip the backslash and the byte it escapes; `get` above rejects a cut escape.
            i = at.checked_add(2)?;
        } else {
            return at.checked_add(1);
        }
    }
}

/// Length of the object or array starting at `b[0]`. Only the opening bracket's own kind is
/// counted (strings are skipped whole), so the scan jumps between three bytes with `memchr3`.
fn skip_nested(b: &[u8]) -> Option<usize> {
    let (open, close) = match *b.first()? {
        b'{' => (b'{', b'}'),
        b'[' => (b'[', b']'),
        _ => return None,
    };
    let mut depth = 0usize;
    let mut i: usize = 0;
    while let Some(j) = memchr::memchr3(b'"', open, close, b.get(i..)?) {
        i = i.checked_add(j)?;
        let tail = b.get(i..)?;
        match *tail.first()? {
            b'"' => {
                i = i.checked_add(skip_string(tail)?)?;
                continue;
            }
            c if c == open => depth = depth.checked_add(1)?,
            _ => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return i.checked_add(1);
                }
            }
        }
        i = i.checked_add(1)?;
    }
    None
}

fn skip_value(b: &[u8]) -> Option<usize> {
    match *b.first()? {
        b'"' => skip_string(b),
        b'{' | b'[' => skip_nested(b),
        _ => {
            let n = b
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']'))
                .unwrap_or(b.len());
            (n > 0).then_some(n)
        }
    }
}

/// Calls `f(key, raw_value)` for each member of the compact object at the start of `obj`.
/// `None` when the text is not a compact object (whitespace, escaped keys, truncation).
fn members<'a>(obj: &'a [u8], mut f: impl FnMut(&'a [u8], &'a [u8])) -> Option<()> {
    let mut rest = obj.strip_prefix(b"{")?;
    if rest.first() == Some(&b'}') {
        return Some(());
    }
    loop {
        rest = rest.strip_prefix(b"\"")?;
        let q = memchr::memchr2(b'"', b'\\', rest)?;
        let (key, after) = rest.split_at(q);
        let after = after.strip_prefix(b"\"")?; // a backslash: escaped key, not ours
        if !key.iter().all(u8::is_ascii_graphic) {
            return None; // not a key Codex writes: damaged, or not ours to read by hand
        }
        rest = after.strip_prefix(b":")?;
        let n = skip_value(rest)?;
        let (value, tail) = rest.split_at_checked(n)?;
        f(key, value);
        match tail.split_first()? {
            (b',', next) => rest = next,
            (b'}', _) => return Some(()),
            _ => return None,
        }
    }
}

/// The payload object of a compact envelope line.
fn payload(line: &[u8]) -> Option<&[u8]> {
    static KEY: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(b"\"payload\":"));
    let i = KEY.find(line)?;
    line.get(i.checked_add(b"\"payload\":".len())?..)
}

/// A string member: `null` → `Some(None)`; a plain string → its text; escapes → serde.
fn string(v: &[u8]) -> Option<Option<String>> {
    if v == b"null" {
        return Some(None);
    }
    let inner = v.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if memchr::memchr(b'\\', inner).is_none() {
        return Some(Some(std::str::from_utf8(inner).ok()?.to_owned()));
    }
    serde_json::from_slice::<String>(v).ok().map(Some)
}

fn integer(v: &[u8]) -> Option<Option<u64>> {
    if v == b"null" {
        return Some(None);
    }
    match number(v)? {
        (n, []) => Some(Some(n)),
        _ => None,
    }
}

fn raw(v: &[u8]) -> Option<&RawValue> {
    serde_json::from_slice::<&RawValue>(v).ok()
}

use serde_json::value::RawValue;

use crate::raw::{SessionMeta, TaskStarted, ThreadSettings, ThreadSettingsApplied, TurnContext};

macro_rules! set {
    ($ok:ident, $slot:expr, $e:expr) => {
        match $e {
            Some(v) => $slot = v,
            None => $ok = false,
        }
    };
}

/// A compact `task_started` / `turn_started` line.
pub(crate) fn task_started(line: &[u8]) -> Option<TaskStarted> {
    let mut t = TaskStarted::default();
    let mut ok = true;
    members(payload(line)?, |k, v| match k {
        b"turn_id" => set!(ok, t.turn_id, string(v)),
        b"model_context_window" => set!(ok, t.model_context_window, integer(v)),
        b"trace_id" => set!(ok, t.trace_id, string(v)),
        b"turn_attribution" => set!(ok, t.turn_attribution, serde_json::from_slice(v).ok()),
        _ => {}
    })?;
    ok.then_some(t)
}

/// A compact `turn_context` line.
pub(crate) fn turn_context(line: &[u8]) -> Option<TurnContext<'_>> {
    let mut t = TurnContext::default();
    let mut ok = true;
    members(payload(line)?, |k, v| match k {
        b"turn_id" => set!(ok, t.turn_id, string(v)),
        b"model" => set!(ok, t.model, string(v)),
        b"effort" => set!(ok, t.effort, string(v)),
        b"summary" => set!(ok, t.summary, string(v)),
        b"approval_policy" => set!(ok, t.approval_policy, string(v)),
        b"cwd" => set!(ok, t.cwd, string(v)),
        b"service_tier" => set!(ok, t.service_tier, string(v)),
        b"sandbox_policy" => set!(ok, t.sandbox_policy, raw(v).map(Some)),
        _ => {}
    })?;
    ok.then_some(t)
}

/// A compact `thread_settings_applied` line.
pub(crate) fn thread_settings_applied(line: &[u8]) -> Option<ThreadSettingsApplied> {
    let mut out = ThreadSettingsApplied::default();
    let mut ok = true;
    members(payload(line)?, |k, v| {
        if k == b"thread_settings" {
            let mut s = ThreadSettings::default();
            let parsed = members(v, |k, v| match k {
                b"model" => set!(ok, s.model, string(v)),
                b"service_tier" => set!(ok, s.service_tier, string(v)),
                b"model_provider_id" => set!(ok, s.model_provider_id, string(v)),
                _ => {}
            });
            if parsed.is_none() {
                ok = false;
            }
            out.thread_settings = Some(s);
        }
    })?;
    ok.then_some(out)
}

/// A compact `session_meta` line.
pub(crate) fn session_meta(line: &[u8]) -> Option<SessionMeta<'_>> {
    let mut m = SessionMeta::default();
    let mut ok = true;
    members(payload(line)?, |k, v| match k {
        b"id" => set!(ok, m.id, string(v)),
        b"session_id" => set!(ok, m.session_id, string(v)),
        b"timestamp" => set!(ok, m.timestamp, string(v)),
        b"cwd" => set!(ok, m.cwd, string(v)),
        b"originator" => set!(ok, m.originator, string(v)),
        b"cli_version" => set!(ok, m.cli_version, string(v)),
        b"source" => set!(ok, m.source, raw(v).map(Some)),
        b"thread_source" => set!(ok, m.thread_source, string(v)),
        b"model_provider" => set!(ok, m.model_provider, string(v)),
        b"forked_from_id" => set!(ok, m.forked_from_id, string(v)),
        b"parent_thread_id" => set!(ok, m.parent_thread_id, string(v)),
        b"agent_nickname" => set!(ok, m.agent_nickname, string(v)),
        b"agent_role" | b"agent_type" => set!(ok, m.agent_role, string(v)),
        b"agent_path" => set!(ok, m.agent_path, string(v)),
        b"model" => set!(ok, m.model, string(v)),
        b"git" => set!(ok, m.git, serde_json::from_slice(v).ok()),
        _ => {}
    })?;
    ok.then_some(m)
}

#[cfg(test)]
mod member_tests {
    use super::*;

    #[test]
    fn walks_top_level_members_only() {
        let obj = br#"{"a":"x\"y","b":{"model":"inner","c":[1,{"d":"}"}]},"model":"outer","n":12,"z":null}"#;
        let mut seen = vec![];
        members(obj, |k, v| seen.push((k.to_vec(), v.to_vec()))).unwrap();
        let keys: Vec<_> = seen
            .iter()
            .map(|(k, _)| String::from_utf8(k.clone()).unwrap())
            .collect();
        assert_eq!(keys, ["a", "b", "model", "n", "z"]);
        assert_eq!(seen[2].1, br#""outer""#);
        assert_eq!(string(&seen[0].1).unwrap().as_deref(), Some("x\"y"));
        assert!(members(br#"{ "a":1}"#, |_, _| {}).is_none());
        assert!(members(br#"{"a":"unterminated}"#, |_, _| {}).is_none());
    }

    #[test]
    fn turn_context_takes_the_top_level_model() {
        let l = br#"{"timestamp":"t","type":"turn_context","payload":{"turn_id":"u","collaboration_mode":{"settings":{"model":"wrong"}},"model":"gpt-5.1-codex","sandbox_policy":{"type":"read-only"},"summary":"none"}}"#;
        let t = turn_context(l).unwrap();
        assert_eq!(t.model.as_deref(), Some("gpt-5.1-codex"));
        assert_eq!(t.sandbox_policy.unwrap().get(), r#"{"type":"read-only"}"#);
    }
}
