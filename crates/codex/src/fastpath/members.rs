//! The top-level member walker and the compact readers built on it: each reads the members
//! it knows, skips the rest whole, and gives up (`None`) on anything not in compact form.

use serde_json::value::RawValue;

use super::{number, payload};
use crate::raw::{SessionMeta, TaskStarted, ThreadSettings, ThreadSettingsApplied, TurnContext};

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
mod tests {
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
