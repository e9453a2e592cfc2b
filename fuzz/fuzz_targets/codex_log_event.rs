//! Codex business events decoded from fields (`agentobs_codex::log_event`): the input is lines
//! of `key=value` (a value starting with `#i`, `#u`, `#f` or `#b` is typed, else a string);
//! the decoder must never panic, a decoded event must serialize and round-trip, and every
//! typed value must decode as its text does — but for the fields of an event kept as `Other`
//! that the reference does not document, which the decoder keeps as given (typed stays typed,
//! text stays text).
#![no_main]

use agentobs_codex::log_event::{DecodeError, DecodeOptions, Decoded, FieldValue, decode};
use agentobs_schema::{EventKind, Harness, SessionContext, Timestamp, Value};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fn typed(v: &str) -> FieldValue<'_> {
    let parsed = match v.get(..2) {
        Some("#i") => v[2..].parse().ok().map(FieldValue::I64),
        Some("#u") => v[2..].parse().ok().map(FieldValue::U64),
        Some("#f") => v[2..].parse().ok().map(FieldValue::F64),
        Some("#b") => v[2..].parse().ok().map(FieldValue::Bool),
        _ => None,
    };
    parsed.unwrap_or(FieldValue::Str(v))
}

/// What the decoder keeps of a field given as is (an undocumented field of an `Other` event).
fn as_given(v: FieldValue<'_>) -> Value {
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

/// The textual form's decoding with every `Other` attribute that the decoder kept as given
/// (the input's text of a typed value) put back as the typed value given.
fn typed_back<'a>(
    mut b: Result<Option<Decoded<'a>>, DecodeError>,
    fields: &[(&str, FieldValue<'_>)],
) -> Result<Option<Decoded<'a>>, DecodeError> {
    if let Ok(Some(Decoded {
        kind: EventKind::Other(o),
        ..
    })) = &mut b
    {
        for (k, v) in o.attributes.iter_mut() {
            let Some((_, given)) = fields.iter().rev().find(|(fk, _)| *fk == k.as_str()) else {
                continue;
            };
            if !matches!(given, FieldValue::Str(_))
                && *v == Value::String(given.as_text().into_owned())
            {
                *v = as_given(*given);
            }
        }
    }
    b
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fields: Vec<(&str, FieldValue<'_>)> = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k, typed(v)))
        .collect();
    let texts: Vec<(&str, String)> = fields
        .iter()
        .map(|(k, v)| (*k, v.as_text().into_owned()))
        .collect();
    let as_text: Vec<(&str, FieldValue<'_>)> = texts
        .iter()
        .map(|(k, v)| (*k, FieldValue::Str(v.as_str())))
        .collect();
    for content in [false, true] {
        let opts = DecodeOptions::default().with_content(content);
        let a = decode(fields.as_slice(), &opts);
        let b = typed_back(decode(as_text.as_slice(), &opts), &fields);
        // Typed and textual forms agree (NaN and infinities excepted: their text is not JSON).
        if !fields
            .iter()
            .any(|(_, v)| matches!(v, FieldValue::F64(f) if !f.is_finite()))
        {
            assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        if let Ok(Some(d)) = a {
            let ctx = Arc::new(d.meta.to_context());
            let _ = SessionContext::new(Harness::Codex);
            let e = d.into_event(ctx, Timestamp::from_unix_millis(0));
            let json = serde_json::to_string(&e).expect("events serialize");
            let back: agentobs_schema::Event =
                serde_json::from_str(&json).expect("events deserialize");
            assert_eq!(back, e);
        }
    }
});
