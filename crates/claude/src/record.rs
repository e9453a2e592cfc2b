//! The typed shape of a transcript line: only the fields the reader uses, borrowed from the
//! line's bytes where no escape forces a copy, so a line is read in one pass with no JSON tree.
//!
//! Every field is lenient about its type: one of another type reads as absent ([`Text`],
//! [`Flag`], [`Status`], [`Obj`], [`Content`]) or, for token counts, as a bad value the reader
//! reports ([`Count`]). The format is internal to Claude Code and changes often, so a field
//! that changes type must cost that field, not the line. Unknown keys are skipped.
//!
//! The one thing this shape refuses that a JSON tree accepts is a repeated key. The reader
//! then reads the line through [`serde_json::Value`] (which keeps the last copy of a key) and
//! reads that tree's text with this shape.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// One line of a transcript.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Record<'a> {
    /// `user`, `assistant`, `summary`, `system`, …
    #[serde(rename = "type", default, borrow)]
    pub(crate) kind: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) timestamp: Text<'a>,
    /// A `summary` line's text.
    #[serde(default, borrow)]
    pub(crate) summary: Text<'a>,
    /// A `system` line's subtype (`compact_boundary`).
    #[serde(default, borrow)]
    pub(crate) subtype: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) session_id: Text<'a>,
    #[serde(default)]
    pub(crate) is_sidechain: Flag,
    #[serde(default, borrow)]
    pub(crate) agent_id: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) cwd: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) version: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) entrypoint: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) git_branch: Text<'a>,
    #[serde(default)]
    pub(crate) is_meta: Flag,
    #[serde(default)]
    pub(crate) is_api_error_message: Flag,
    #[serde(default)]
    pub(crate) api_error_status: Status,
    #[serde(default, borrow)]
    pub(crate) request_id: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) message: Obj<Message<'a>>,
}

/// The `message` of a `user` or `assistant` line.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Message<'a> {
    #[serde(default, borrow)]
    pub(crate) id: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) model: Text<'a>,
    /// Kept as written and read only when needed ([`parse_raw`] into [`Content`]): a reader
    /// after tokens never looks at it.
    #[serde(default, borrow)]
    pub(crate) content: Option<&'a RawValue>,
    #[serde(default, borrow)]
    pub(crate) usage: Obj<Usage<'a>>,
}

/// A content block, or a part of a tool result's content.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Block<'a> {
    /// `text`, `tool_use`, `tool_result`, `thinking`, …
    #[serde(rename = "type", default, borrow)]
    pub(crate) kind: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) text: Text<'a>,
    /// A `tool_use` block's id.
    #[serde(default, borrow)]
    pub(crate) id: Text<'a>,
    #[serde(default, borrow)]
    pub(crate) name: Text<'a>,
    /// A `tool_use` block's arguments, as written.
    #[serde(default, borrow)]
    pub(crate) input: Option<&'a RawValue>,
    /// A `tool_result` block's call id.
    #[serde(default, borrow)]
    pub(crate) tool_use_id: Text<'a>,
    #[serde(default)]
    pub(crate) is_error: Flag,
    /// A `tool_result` block's output, kept as written ([`parse_raw`] into [`Content`]).
    #[serde(default, borrow)]
    pub(crate) content: Option<&'a RawValue>,
}

/// Anthropic's usage object.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Usage<'a> {
    #[serde(default)]
    pub(crate) input_tokens: Count,
    #[serde(default)]
    pub(crate) cache_read_input_tokens: Count,
    #[serde(default)]
    pub(crate) cache_creation_input_tokens: Count,
    #[serde(default)]
    pub(crate) output_tokens: Count,
    #[serde(default)]
    pub(crate) cache_creation: Obj<CacheCreation>,
    #[serde(default, borrow)]
    pub(crate) service_tier: Text<'a>,
}

/// The split of the cache writes by lifetime.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CacheCreation {
    #[serde(default)]
    pub(crate) ephemeral_1h_input_tokens: Count,
}

/// Any JSON value, kept only as far as a lenient field needs it.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Null,
    /// An object or an array (skipped).
    Compound(&'static str),
}

impl fmt::Display for Scalar<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Str(s) => write!(f, "{s:?}"),
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Unsigned(n) => write!(f, "{n}"),
            Scalar::Signed(n) => write!(f, "{n}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Null => f.write_str("null"),
            Scalar::Compound(what) => f.write_str(what),
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Unsigned(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Signed(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Float(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound("an object"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound("an array"))
    }
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// A string field; a value of another type reads as absent.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Text<'a>(pub(crate) Option<Cow<'a, str>>);

impl Text<'_> {
    /// The text, if the field was a string.
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize(d)? {
            Scalar::Str(s) => Text(Some(s)),
            _ => Text(None),
        })
    }
}

/// A boolean field; a value of another type reads as absent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Flag(pub(crate) Option<bool>);

impl Flag {
    /// True only for a JSON `true`.
    pub(crate) fn is_true(self) -> bool {
        self.0 == Some(true)
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize(d)? {
            Scalar::Bool(b) => Flag(Some(b)),
            _ => Flag(None),
        })
    }
}

/// An HTTP status: an unsigned integer that fits `u16`, else absent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Status(pub(crate) Option<u16>);

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize(d)? {
            Scalar::Unsigned(n) => Status(u16::try_from(n).ok()),
            _ => Status(None),
        })
    }
}

/// A token count: absent and `null` are 0; anything but an unsigned integer is kept as a
/// description of what was there, for the reader's warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Count(pub(crate) Result<u64, String>);

impl Default for Count {
    fn default() -> Self {
        Count(Ok(0))
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Count(match Scalar::deserialize(d)? {
            Scalar::Unsigned(n) => Ok(n),
            Scalar::Null => Ok(0),
            other => Err(other.to_string()),
        }))
    }
}

/// An object field: absent, present as an object, or present as something else.
#[derive(Debug, Default)]
pub(crate) enum Obj<T> {
    /// No such key.
    #[default]
    Absent,
    /// The key's value is not an object.
    NotObject,
    /// The object.
    Object(T),
}

impl<T> Obj<T> {
    /// The object, if the field was one.
    pub(crate) fn get(&self) -> Option<&T> {
        match self {
            Obj::Object(t) => Some(t),
            Obj::Absent | Obj::NotObject => None,
        }
    }
}

/// The `visit_*` methods of a visitor for booleans, numbers and `null`, each giving `$v`.
macro_rules! scalars_are {
    ($v:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($v)
        }
    };
}

struct ObjVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Obj::Object)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Obj::NotObject)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Obj::NotObject)
    }
    scalars_are!(Obj::NotObject);
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(std::marker::PhantomData))
    }
}

/// A message's or a tool result's content: a string, or an array of blocks (elements that
/// are not objects are skipped), or absent / something else.
#[derive(Debug, Default)]
pub(crate) enum Content<'a> {
    /// No such key, or a value that is neither a string nor an array.
    #[default]
    None,
    /// A plain string.
    Text(Cow<'a, str>),
    /// Blocks, in order.
    Blocks(Vec<Block<'a>>),
}

impl<'a> Content<'a> {
    /// The blocks, or none.
    pub(crate) fn blocks(&self) -> &[Block<'a>] {
        match self {
            Content::Blocks(b) => b,
            Content::None | Content::Text(_) => &[],
        }
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Content::Text(Cow::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut blocks = Vec::new();
        while let Some(b) = seq.next_element::<Obj<Block<'de>>>()? {
            if let Obj::Object(b) = b {
                blocks.push(b);
            }
        }
        Ok(Content::Blocks(blocks))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Content::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    scalars_are!(Content::None);
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ContentVisitor)
    }
}

/// Reads a value kept as written (a [`Content`]); `spare` holds the re-written text of one
/// with a repeated key, as in [`parse`]. `None` only for a value that cannot be read at all.
pub(crate) fn parse_raw<'s, T: Deserialize<'s>>(
    raw: Option<&'s RawValue>,
    spare: &'s mut String,
) -> Option<T> {
    let raw = raw?;
    if let Ok(t) = serde_json::from_str::<T>(raw.get()) {
        return Some(t);
    }
    let tree: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
    *spare = tree.to_string();
    let text: &'s String = spare;
    serde_json::from_str::<T>(text).ok()
}

/// How a line failed to read as a [`Record`].
#[derive(Debug)]
pub(crate) enum Unreadable {
    /// Not JSON (the parser's message).
    Json(serde_json::Error),
    /// JSON, but not an object.
    NotObject,
}

/// Reads a line as a [`Record`]; `spare` holds the re-written text of a line with a repeated
/// key (read through a JSON tree, which keeps a key's last copy), which the record borrows.
pub(crate) fn parse<'a>(bytes: &'a [u8], spare: &'a mut String) -> Result<Record<'a>, Unreadable> {
    // A derived struct also reads from an array (by position): only an object takes the
    // typed path.
    // The line is checked as UTF-8 once, so the parser does not check each string again.
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if object
        && let Ok(text) = std::str::from_utf8(bytes)
        && let Ok(r) = serde_json::from_str::<Record<'_>>(text)
    {
        return Ok(r);
    }
    let tree: serde_json::Value = serde_json::from_slice(bytes).map_err(Unreadable::Json)?;
    if !tree.is_object() {
        return Err(Unreadable::NotObject);
    }
    *spare = tree.to_string();
    let text: &'a String = spare;
    serde_json::from_str::<Record<'_>>(text).map_err(Unreadable::Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<Record<'_>, Unreadable> {
        // The spare buffer must outlive the record; leak it in tests.
        let spare: &'static mut String = Box::leak(Box::default());
        parse(line.as_bytes(), spare)
    }

    #[test]
    fn fields_of_another_type_read_as_absent() {
        let r = read(
            r#"{"type":7,"timestamp":null,"sessionId":["x"],"isSidechain":"yes","message":"m","apiErrorStatus":70000}"#,
        )
        .expect("reads");
        assert_eq!(r.kind.get(), None);
        assert_eq!(r.timestamp.get(), None);
        assert_eq!(r.session_id.get(), None);
        assert_eq!(r.is_sidechain, Flag(None));
        assert!(matches!(r.message, Obj::NotObject));
        assert_eq!(r.api_error_status, Status(None));
    }

    #[test]
    fn bad_token_counts_are_described() {
        let r = read(
            r#"{"message":{"usage":{"input_tokens":-1,"output_tokens":"5","cache_read_input_tokens":null,"cache_creation_input_tokens":1e3}}}"#,
        )
        .expect("reads");
        let u = r.message.get().and_then(|m| m.usage.get()).expect("usage");
        assert_eq!(u.input_tokens, Count(Err("-1".into())));
        assert_eq!(u.output_tokens, Count(Err("\"5\"".into())));
        assert_eq!(u.cache_read_input_tokens, Count(Ok(0)));
        assert_eq!(u.cache_creation_input_tokens, Count(Err("1000".into())));
    }

    #[test]
    fn content_blocks_skip_non_objects_and_keep_raw_input() {
        let r = read(
            r#"{"message":{"content":["x",{"type":"tool_use","id":"t1","name":"Bash","input":{"b":1,"a":"\u00e9"}},5]}}"#,
        )
        .expect("reads");
        let mut spare = String::new();
        let content: Content<'_> =
            parse_raw(r.message.get().expect("message").content, &mut spare).expect("content");
        let blocks = content.blocks();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].name.get(), Some("Bash"));
        assert_eq!(
            blocks[0].input.map(RawValue::get),
            Some(r#"{"b":1,"a":"\u00e9"}"#)
        );
    }

    #[test]
    fn a_repeated_key_keeps_its_last_copy() {
        let r = read(r#"{"type":"user","type":"assistant","cwd":"a\"b"}"#).expect("reads");
        assert_eq!(r.kind.get(), Some("assistant"));
        assert_eq!(r.cwd.get(), Some("a\"b"));
    }

    #[test]
    fn content_with_a_repeated_key_keeps_its_last_copy() {
        let r = read(r#"{"message":{"content":[{"type":"text","text":"a","text":"b"}]}}"#)
            .expect("reads");
        let mut spare = String::new();
        let content: Content<'_> =
            parse_raw(r.message.get().expect("message").content, &mut spare).expect("content");
        assert_eq!(content.blocks()[0].text.get(), Some("b"));
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let r = read(r#"{"cwd":"C:\\src\\caf\u00e9"}"#).expect("reads");
        assert_eq!(r.cwd.get(), Some("C:\\src\\café"));
    }

    #[test]
    fn not_an_object_and_not_json_are_told_apart() {
        assert!(matches!(read("[1,2]"), Err(Unreadable::NotObject)));
        assert!(matches!(read("{\"type\":"), Err(Unreadable::Json(_))));
    }
}
