//! Field values as a `tracing` visitor or an OTLP receiver hands them over, the reusable
//! [`Fields`] collector, and reading numbers and booleans from any form of them.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// One field value, borrowed: what a `tracing` visitor or an OTLP attribute hands over.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// A string (also a `Display` rendering, and every OTLP string attribute).
    Str(&'a str),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float.
    F64(f64),
    /// A boolean.
    Bool(bool),
}

impl<'a> FieldValue<'a> {
    /// The value as text: a string as it is, anything else as its `Display`.
    pub fn as_text(&self) -> Cow<'a, str> {
        match *self {
            FieldValue::Str(s) => Cow::Borrowed(s),
            other => Cow::Owned(other.to_string()),
        }
    }

    /// A string holding a boolean (`true`/`false`, any case) or a number, as that typed
    /// value; anything else unchanged. The text of a typed value reads back as that value.
    pub(super) fn typed(self) -> Self {
        let FieldValue::Str(s) = self else {
            return self;
        };
        let t = s.trim();
        if t.eq_ignore_ascii_case("true") {
            FieldValue::Bool(true)
        } else if t.eq_ignore_ascii_case("false") {
            FieldValue::Bool(false)
        } else if let Ok(i) = t.parse::<i64>() {
            FieldValue::I64(i)
        } else if let Ok(u) = t.parse::<u64>() {
            FieldValue::U64(u)
        } else if let Ok(f) = t.parse::<f64>() {
            FieldValue::F64(f)
        } else {
            self
        }
    }

    /// An empty (or blank) string: absent, for a number or a boolean.
    pub(super) fn is_blank(&self) -> bool {
        matches!(self, FieldValue::Str(s) if s.trim().is_empty())
    }
}

impl fmt::Display for FieldValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Str(s) => f.write_str(s),
            FieldValue::I64(v) => write!(f, "{v}"),
            FieldValue::U64(v) => write!(f, "{v}"),
            FieldValue::F64(v) => write!(f, "{v}"),
            FieldValue::Bool(v) => write!(f, "{v}"),
        }
    }
}

impl<'a> From<&'a str> for FieldValue<'a> {
    fn from(v: &'a str) -> Self {
        FieldValue::Str(v)
    }
}

impl From<i64> for FieldValue<'_> {
    fn from(v: i64) -> Self {
        FieldValue::I64(v)
    }
}

impl From<u64> for FieldValue<'_> {
    fn from(v: u64) -> Self {
        FieldValue::U64(v)
    }
}

impl From<f64> for FieldValue<'_> {
    fn from(v: f64) -> Self {
        FieldValue::F64(v)
    }
}

impl From<bool> for FieldValue<'_> {
    fn from(v: bool) -> Self {
        FieldValue::Bool(v)
    }
}

/// The fields of one event, however the caller holds them.
///
/// Implemented for slices, arrays and `Vec`s of `(key, FieldValue)` pairs (keys `&str` or
/// `String`) and for the [`Fields`] collector. Of a key given twice the last value counts.
pub trait FieldSource {
    /// The value of `key` (the last, when it is given more than once).
    fn field(&self, key: &str) -> Option<FieldValue<'_>>;

    /// Calls `f` with every field, in order.
    fn for_each_field<'s>(&'s self, f: &mut dyn FnMut(&'s str, FieldValue<'s>));
}

impl<K: AsRef<str>> FieldSource for [(K, FieldValue<'_>)] {
    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        self.iter()
            .rev()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| *v)
    }

    fn for_each_field<'s>(&'s self, f: &mut dyn FnMut(&'s str, FieldValue<'s>)) {
        for (k, v) in self {
            f(k.as_ref(), *v);
        }
    }
}

impl<K: AsRef<str>, const N: usize> FieldSource for [(K, FieldValue<'_>); N] {
    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        self.as_slice().field(key)
    }

    fn for_each_field<'s>(&'s self, f: &mut dyn FnMut(&'s str, FieldValue<'s>)) {
        self.as_slice().for_each_field(f)
    }
}

impl<K: AsRef<str>> FieldSource for Vec<(K, FieldValue<'_>)> {
    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        self.as_slice().field(key)
    }

    fn for_each_field<'s>(&'s self, f: &mut dyn FnMut(&'s str, FieldValue<'s>)) {
        self.as_slice().for_each_field(f)
    }
}

/// Where a [`Fields`] entry's value is.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// Text, at this byte range of the collector's buffer.
    Text(usize, usize),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

/// A reusable collector of one event's fields, for callers (a `tracing` visitor) that get
/// values one at a time and some of them only as `Display`/`Debug`.
///
/// Text is copied into one buffer that [`clear`](Fields::clear) keeps, so a collector reused
/// event after event stops allocating once it has seen the largest event.
///
/// ```
/// use agentobs_codex::log_event::{decode, DecodeOptions, Fields};
/// let mut fields = Fields::new();
/// fields.push_str("event.name", "codex.sse_event");
/// fields.push_str("event.kind", "response.output_text.delta");
/// fields.push_display("duration_ms", &3u64);
/// assert!(decode(&fields, &DecodeOptions::default()).unwrap().is_some());
/// fields.clear();
/// assert!(fields.is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Fields<'k> {
    entries: Vec<(&'k str, Slot)>,
    text: String,
}

impl<'k> Fields<'k> {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty collector with room for `fields` fields and `text` bytes of text.
    pub fn with_capacity(fields: usize, text: usize) -> Self {
        Fields {
            entries: Vec::with_capacity(fields),
            text: String::with_capacity(text),
        }
    }

    /// Bytes of text held (string values, `Display` and `Debug` renderings).
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Forgets every field, keeping the memory.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.text.clear();
    }

    /// Number of fields pushed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no field was pushed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a field (a string value is copied).
    pub fn push(&mut self, key: &'k str, value: FieldValue<'_>) {
        let slot = match value {
            FieldValue::Str(s) => {
                let start = self.text.len();
                self.text.push_str(s);
                Slot::Text(start, self.text.len())
            }
            FieldValue::I64(v) => Slot::I64(v),
            FieldValue::U64(v) => Slot::U64(v),
            FieldValue::F64(v) => Slot::F64(v),
            FieldValue::Bool(v) => Slot::Bool(v),
        };
        self.entries.push((key, slot));
    }

    /// Adds a string field.
    pub fn push_str(&mut self, key: &'k str, value: &str) {
        self.push(key, FieldValue::Str(value));
    }

    /// Adds a field given by its `Display` (a `%x` field of `tracing`).
    pub fn push_display(&mut self, key: &'k str, value: &dyn fmt::Display) {
        let start = self.text.len();
        // Writing to a `String` cannot fail.
        let _ = write!(self.text, "{value}");
        self.entries.push((key, Slot::Text(start, self.text.len())));
    }

    /// Adds a field given by its `Debug` (what `tracing`'s `record_debug` hands over; for a
    /// `%x` field that is its `Display`).
    pub fn push_debug(&mut self, key: &'k str, value: &dyn fmt::Debug) {
        let start = self.text.len();
        let _ = write!(self.text, "{value:?}");
        self.entries.push((key, Slot::Text(start, self.text.len())));
    }

    /// The fields, in the order pushed.
    pub fn iter(&self) -> impl Iterator<Item = (&'k str, FieldValue<'_>)> + '_ {
        self.entries.iter().map(|(k, s)| (*k, self.value(*s)))
    }

    fn value(&self, slot: Slot) -> FieldValue<'_> {
        match slot {
            Slot::Text(start, end) => FieldValue::Str(self.text.get(start..end).unwrap_or("")),
            Slot::I64(v) => FieldValue::I64(v),
            Slot::U64(v) => FieldValue::U64(v),
            Slot::F64(v) => FieldValue::F64(v),
            Slot::Bool(v) => FieldValue::Bool(v),
        }
    }
}

impl FieldSource for Fields<'_> {
    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| self.value(*s))
    }

    fn for_each_field<'s>(&'s self, f: &mut dyn FnMut(&'s str, FieldValue<'s>)) {
        for (k, s) in &self.entries {
            f(k, self.value(*s));
        }
    }
}

/// An unsigned integer, from any form of it.
pub(super) fn to_u64(v: FieldValue<'_>) -> Option<u64> {
    match v {
        FieldValue::U64(u) => Some(u),
        FieldValue::I64(i) => u64::try_from(i).ok(),
        // Through its shortest text, so a float reads exactly as its text does (past 2^53
        // the nearest integer and the printed one differ).
        FieldValue::F64(0.0) => Some(0),
        FieldValue::F64(f) if f.fract() == 0.0 => f.to_string().parse().ok(),
        _ => None,
    }
}

/// A signed integer, from any form of it.
pub(super) fn to_i64(v: FieldValue<'_>) -> Option<i64> {
    match v {
        FieldValue::I64(i) => Some(i),
        FieldValue::U64(u) => i64::try_from(u).ok(),
        FieldValue::F64(0.0) => Some(0),
        FieldValue::F64(f) if f.fract() == 0.0 => f.to_string().parse().ok(),
        _ => None,
    }
}

/// A boolean: `true`/`false`, or 1/0.
pub(super) fn to_bool(v: FieldValue<'_>) -> Option<bool> {
    match v {
        FieldValue::Bool(b) => Some(b),
        FieldValue::I64(0) | FieldValue::U64(0) => Some(false),
        FieldValue::I64(1) | FieldValue::U64(1) => Some(true),
        FieldValue::F64(0.0) => Some(false),
        FieldValue::F64(1.0) => Some(true),
        _ => None,
    }
}
