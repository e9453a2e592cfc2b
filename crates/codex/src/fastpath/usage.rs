//! The usage objects of compact `token_count` and `token_usage_record` lines. They read only
//! the usage objects, never the rate limits.

use memchr::memmem;

use super::{find_after, find_with, number, payload};
use crate::raw::{RawUsage, TokenCountInfo, TokenUsageRecord};

finder!(INFO, b"\"info\":");
finder!(TOTAL, b"\"total_token_usage\":");
finder!(LAST, b"\"last_token_usage\":");
finder!(WINDOW, b"\"model_context_window\":");
finder!(TURN_ID, b"\"turn_id\":");
finder!(RESPONSE_ID, b"\"response_id\":");
finder!(USAGE, b"\"usage\":");
finder!(THREAD_USAGE, b"\"thread_token_usage\":");

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
