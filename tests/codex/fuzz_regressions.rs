//! Inputs the fuzzers found (`tests/fixtures/fuzz-regressions/`): each once broke an invariant.

use agentobs::codex::ReadOptions;
use agentobs::schema::Event;

use crate::common::*;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("fuzz-regressions/{name}"))).unwrap()
}

fn times(r: &Read) -> Vec<(&'static str, i64)> {
    r.events
        .iter()
        .map(|e| (e.kind.type_name(), e.at.unix_millis()))
        .collect()
}

/// The compact and the spaced rendering of one file, each in both read modes: one bill, and
/// (full mode) the same events at the same times.
fn forms_and_modes_agree(base: &str) {
    let compact = bytes(&format!("{base}.jsonl"));
    let spaced = bytes(&format!("{base}.spaced.jsonl"));
    let full_c = read_bytes(&compact, ReadOptions::default());
    let full_s = read_bytes(&spaced, ReadOptions::default());
    let tok_c = read_bytes(&compact, ReadOptions::tokens());
    let tok_s = read_bytes(&spaced, ReadOptions::tokens());
    let bill = usage_sum(&full_c.events);
    assert_eq!(
        usage_sum(&tok_c.events),
        bill,
        "{base}: token mode, compact"
    );
    assert_eq!(usage_sum(&full_s.events), bill, "{base}: full mode, spaced");
    assert_eq!(usage_sum(&tok_s.events), bill, "{base}: token mode, spaced");
    assert_eq!(
        times(&full_c),
        times(&full_s),
        "{base}: the form changes the events"
    );
}

#[test]
fn a_skipped_lines_time_is_the_fallback_time_in_every_form() {
    forms_and_modes_agree("rollout_structured-form-changes-fallback-time");
}

#[test]
fn a_damaged_legacy_member_does_not_cost_the_rows_info() {
    forms_and_modes_agree("rollout_structured-token-count-fast-path");
}

#[test]
fn a_replay_ends_at_the_same_line_in_both_modes() {
    forms_and_modes_agree("rollout_structured-token-mode-replay-not-ended");
}

#[test]
fn integers_past_i64_in_unknown_events_round_trip() {
    let r = read_bytes(
        &bytes("rollout_lines-float-attribute-roundtrip.jsonl"),
        ReadOptions::default(),
    );
    assert!(!r.events.is_empty());
    for e in &r.events {
        let json = serde_json::to_string(e).unwrap();
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, e, "{json}");
    }
}

/// A `codex_log_event` input (`key=value` lines, `#i` makes a value an `i64`) as fields.
fn log_fields(text: &str) -> Vec<(&str, agentobs::codex::log_event::FieldValue<'_>)> {
    use agentobs::codex::log_event::FieldValue;
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(
            |(k, v)| match v.strip_prefix("#i").and_then(|i| i.parse().ok()) {
                Some(i) => (k, FieldValue::I64(i)),
                None => (k, FieldValue::Str(v)),
            },
        )
        .collect()
}

/// An undocumented field of an event kept as `Other` is kept as given: an integer stays an
/// integer, its text stays text (the decoder cannot tell a number from a string id). A field
/// the reference documents reads the same in both forms.
#[test]
fn undocumented_attributes_of_other_events_are_kept_as_given() {
    use agentobs::codex::log_event::{DecodeOptions, FieldValue, decode};
    use agentobs::schema::{EventKind, Value};
    let text = String::from_utf8(bytes("codex_log_event-other-attribute-as-given.txt")).unwrap();
    let typed = log_fields(&text);
    assert_eq!(typed[1], ("O", FieldValue::I64(4)));
    let as_text = [typed[0], ("O", FieldValue::Str("4"))];
    let attr = |fields: &[(&str, FieldValue<'_>)], key: &str| {
        let d = decode(fields, &DecodeOptions::default()).unwrap().unwrap();
        let EventKind::Other(o) = d.kind else {
            panic!("not kept as Other")
        };
        o.attributes[key].clone()
    };
    assert_eq!(attr(&typed, "O"), Value::Int(4));
    assert_eq!(attr(&as_text, "O"), Value::from("4"));
    let name = ("event.name", FieldValue::Str("codex.sandbox_outcome"));
    for v in [FieldValue::I64(4), FieldValue::Str("4")] {
        assert_eq!(
            attr(&[name, ("initial_duration_ms", v)], "initial_duration_ms"),
            Value::Int(4)
        );
    }
}
