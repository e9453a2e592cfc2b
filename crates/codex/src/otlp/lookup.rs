//! Scalar attribute lookups for decoders of other harnesses' OTLP (Claude Code, Gemini CLI),
//! tolerant of JavaScript exporters that write numbers and booleans as text.

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};

/// A list of OTLP attributes read by key (the last value of a repeated key wins).
#[derive(Clone, Copy, Debug)]
pub struct AttrLookup<'a>(pub &'a [KeyValue]);

impl<'a> AttrLookup<'a> {
    fn value(&self, key: &str) -> Option<&'a Value> {
        self.0
            .iter()
            .rev()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.as_ref())
            .and_then(|v: &AnyValue| v.value.as_ref())
    }

    /// A string attribute (not empty).
    pub fn str(&self, key: &str) -> Option<&'a str> {
        match self.value(key)? {
            Value::StringValue(s) if !s.is_empty() => Some(s),
            _ => None,
        }
    }

    /// A non-negative integer, given as an integer, a whole double or its text. `Err` when
    /// the attribute is there but is not one.
    pub fn u64(&self, key: &str) -> Result<Option<u64>, String> {
        let bad = |v: &dyn std::fmt::Debug| format!("{key} is not a count: {v:?}");
        match self.value(key) {
            None => Ok(None),
            Some(Value::IntValue(i)) => u64::try_from(*i).map(Some).map_err(|_| bad(i)),
            Some(Value::DoubleValue(f)) if f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19 => {
                Ok(Some(*f as u64))
            }
            Some(Value::StringValue(s)) => s.trim().parse().map(Some).map_err(|_| bad(s)),
            Some(other) => Err(bad(other)),
        }
    }

    /// A count as [`u64`](Self::u64) reads it, 0 when the attribute is absent.
    pub fn count(&self, key: &str) -> Result<u64, String> {
        Ok(self.u64(key)?.unwrap_or(0))
    }

    /// A number, given as an integer, a double or its text (`None` when it is not one).
    pub fn f64(&self, key: &str) -> Option<f64> {
        match self.value(key)? {
            Value::IntValue(i) => Some(*i as f64),
            Value::DoubleValue(f) => Some(*f),
            Value::StringValue(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A boolean, given as a boolean or as `true` / `false` in any case.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.value(key)? {
            Value::BoolValue(b) => Some(*b),
            Value::StringValue(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::StringValue(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }
}

/// Nanoseconds since the epoch as milliseconds; `None` for 0 (unknown) or out of range.
pub fn nanos_to_millis(ns: u64) -> Option<i64> {
    if ns == 0 {
        return None;
    }
    i64::try_from(ns / 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(k: &str, v: Value) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue { value: Some(v) }),
            ..KeyValue::default()
        }
    }

    #[test]
    fn numbers_and_booleans_as_text_or_themselves() {
        let list = vec![
            kv("n", Value::StringValue("25".into())),
            kv("i", Value::IntValue(7)),
            kv("neg", Value::IntValue(-1)),
            kv("b", Value::StringValue("True".into())),
            kv("c", Value::DoubleValue(0.5)),
        ];
        let a = AttrLookup(&list);
        assert_eq!(a.u64("n"), Ok(Some(25)));
        assert_eq!(a.u64("i"), Ok(Some(7)));
        assert_eq!(a.u64("none"), Ok(None));
        assert_eq!((a.count("none"), a.count("n")), (Ok(0), Ok(25)));
        assert!(a.u64("neg").is_err());
        assert!(a.u64("c").is_err());
        assert_eq!(a.bool("b"), Some(true));
        assert_eq!(a.f64("c"), Some(0.5));
        assert_eq!(
            nanos_to_millis(1_795_596_502_262_000_000),
            Some(1_795_596_502_262)
        );
    }
}
