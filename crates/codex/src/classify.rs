//! The byte prefilter: reads the envelope header of a compact line without parsing JSON.
//!
//! Codex writes `{"timestamp":"…","ordinal":N,"type":"…","payload":{"type":"…",…`. When a line
//! starts exactly like that, the kind and payload type are read from the prefix and lines the
//! caller does not need are skipped untouched. Any other shape (other whitespace, other key
//! order, escapes) returns `None` and the line goes through the full JSON parser, so the result
//! never depends on the form.

use memchr::memchr;

/// The envelope header of a compact line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub ts: &'a [u8],
    pub kind: &'a [u8],
    pub sub: Option<&'a [u8]>,
}

/// A JSON string body without escapes, up to its closing quote. Bytes: the caller compares
/// them with known names and converts only what it keeps.
fn plain_string(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let q = memchr(b'"', b)?;
    let (s, rest) = b.split_at(q);
    if memchr(b'\\', s).is_some() {
        return None;
    }
    Some((s, rest.get(1..)?))
}

pub(crate) fn compact_header(line: &[u8]) -> Option<Header<'_>> {
    let rest = line.strip_prefix(b"{\"timestamp\":\"")?;
    let (ts, rest) = plain_string(rest)?;
    let mut rest = rest.strip_prefix(b",")?;
    if let Some(r) = rest.strip_prefix(b"\"ordinal\":") {
        let n = r.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = r.get(n..)?.strip_prefix(b",")?;
    }
    let rest = rest.strip_prefix(b"\"type\":\"")?;
    let (kind, rest) = plain_string(rest)?;
    let payload = rest.strip_prefix(b",\"payload\":")?;
    let sub = payload
        .strip_prefix(b"{\"type\":\"")
        .and_then(plain_string)
        .map(|(s, _)| s);
    Some(Header { ts, kind, sub })
}

/// For a compact `item_completed` line: the completed item's type, when it is near the start.
pub(crate) fn completed_item_type(line: &[u8]) -> Option<&[u8]> {
    const KEY: &[u8] = b"\"item\":{\"type\":\"";
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(KEY));
    let window = line.get(..line.len().min(512))?;
    let at = FINDER.find(window)?;
    plain_string(line.get(at.checked_add(KEY.len())?..)?).map(|(s, _)| s)
}

/// True when a line has a `"service_tier"` key (the only key is exact: see [`plain_string`]).
pub(crate) fn mentions_service_tier(line: &[u8]) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"service_tier\":"));
    FINDER.find(line).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_compact_headers() {
        let h = compact_header(br#"{"timestamp":"2026-11-25T08:21:10.485Z","ordinal":13,"type":"event_msg","payload":{"type":"token_count","info":null}}"#).unwrap();
        assert_eq!(h.kind, b"event_msg");
        assert_eq!(h.sub, Some(&b"token_count"[..]));
        let h = compact_header(br#"{"timestamp":"2025-10-01T00:00:00.000Z","type":"session_meta","payload":{"id":"x"}}"#).unwrap();
        assert_eq!((h.kind, h.sub), (&b"session_meta"[..], None));
    }

    #[test]
    fn other_forms_fall_through() {
        assert!(
            compact_header(
                br#"{ "timestamp": "2026-11-25T08:21:10.485Z", "type":"event_msg","payload":{}}"#
            )
            .is_none()
        );
        assert!(compact_header(br#"{"type":"event_msg","timestamp":"x","payload":{}}"#).is_none());
        assert!(
            compact_header(br#"{"timestamp":"a\"b","type":"event_msg","payload":{}}"#).is_none()
        );
        assert!(
            compact_header(br#"{"timestamp":"2026","type":"event\u005fmsg","payload":{}}"#)
                .is_none()
        );
    }

    #[test]
    fn finds_item_type() {
        let l = br#"{"timestamp":"t","type":"event_msg","payload":{"type":"item_completed","thread_id":"a","turn_id":"b","item":{"type":"UserMessage","id":"c"}}}"#;
        assert_eq!(completed_item_type(l), Some(&b"UserMessage"[..]));
    }
}
