//! OTLP attributes as the fields of a Codex event, and the small lookups the decoders share.

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};

use crate::log_event::{FieldSource, FieldValue};

/// A list of OTLP attributes read as event fields: string, integer, double and boolean values
/// as themselves; arrays, maps and bytes (Codex sends none) are not fields.
#[derive(Clone, Copy, Debug)]
pub(super) struct Attrs<'a>(pub(super) &'a [KeyValue]);

/// The scalar in `v`, if it holds one.
pub(super) fn scalar(v: Option<&AnyValue>) -> Option<FieldValue<'_>> {
    match v?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(FieldValue::Str(s)),
        any_value::Value::IntValue(i) => Some(FieldValue::I64(*i)),
        any_value::Value::DoubleValue(f) => Some(FieldValue::F64(*f)),
        any_value::Value::BoolValue(b) => Some(FieldValue::Bool(*b)),
        _ => None,
    }
}

impl FieldSource for Attrs<'_> {
    fn field(&self, key: &str) -> Option<FieldValue<'_>> {
        self.0
            .iter()
            .rev()
            .filter(|kv| kv.key == key)
            .find_map(|kv| scalar(kv.value.as_ref()))
    }

    fn for_each_field<'s>(&'s self, f: &mut dyn FnMut(&'s str, FieldValue<'s>)) {
        for kv in self.0 {
            if let Some(v) = scalar(kv.value.as_ref()) {
                f(&kv.key, v);
            }
        }
    }
}

impl<'a> Attrs<'a> {
    /// A string attribute (not empty).
    pub(super) fn str(&self, key: &str) -> Option<&'a str> {
        self.0.iter().rev().find(|kv| kv.key == key).and_then(|kv| {
            match kv.value.as_ref()?.value.as_ref()? {
                any_value::Value::StringValue(s) if !s.is_empty() => Some(s.as_str()),
                _ => None,
            }
        })
    }

    /// A non-negative integer attribute, given as an integer or as its text.
    pub(super) fn u64(&self, key: &str) -> Option<u64> {
        match self.field(key)? {
            FieldValue::I64(i) => u64::try_from(i).ok(),
            FieldValue::U64(u) => Some(u),
            FieldValue::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// True when some attribute's key starts with `prefix`.
    pub(super) fn any_prefixed(&self, prefix: &str) -> bool {
        self.0.iter().any(|kv| kv.key.starts_with(prefix))
    }
}

/// Nanoseconds since the epoch as milliseconds; `None` for 0 (unknown).
pub(super) fn nanos_to_millis(ns: u64) -> Option<i64> {
    if ns == 0 {
        return None;
    }
    i64::try_from(ns / 1_000_000).ok()
}

/// A trace or span id as lowercase hex (empty when absent).
pub(super) fn hex_id(id: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(id.len().saturating_mul(2));
    for b in id {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(k: &str, v: any_value::Value) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue { value: Some(v) }),
            ..KeyValue::default()
        }
    }

    #[test]
    fn fields_read_scalars_and_the_last_value_wins() {
        let list = vec![
            kv("a", any_value::Value::StringValue("1".into())),
            kv("a", any_value::Value::IntValue(2)),
            kv("b", any_value::Value::BytesValue(vec![1])),
            kv("c", any_value::Value::BoolValue(true)),
        ];
        let a = Attrs(&list);
        assert_eq!(a.field("a"), Some(FieldValue::I64(2)));
        assert_eq!(a.field("b"), None);
        assert_eq!(a.u64("a"), Some(2));
        let mut n = 0;
        a.for_each_field(&mut |_, _| n += 1);
        assert_eq!(n, 3);
        assert_eq!(hex_id(&[0xab, 0x01]), "ab01");
        assert_eq!(nanos_to_millis(0), None);
        assert_eq!(
            nanos_to_millis(1_795_594_861_645_547_931),
            Some(1_795_594_861_645)
        );
    }
}
