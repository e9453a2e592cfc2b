//! Snapshots that stay stable across runs: ids, timestamps and durations redacted.
//!
//! Redaction is by field name (the last segment of a dotted or nested key):
//! - **ids** (`id`, `*_id`, `*.id`, `*_ids`): each distinct value becomes `<id-N>`, numbered in
//!   order of first appearance, so "this span's parent is that span" stays visible;
//! - **times** (`at`, `time`, `timestamp`, `start`, `end`, `*_at`): `<time>`;
//! - **durations** (`*duration*`, `*_ms`, `*_seconds`): `<duration>`;
//! - **paths of the source file** (`src.path`): `<path>` (temporary directories differ).
//!
//! Everything else — names, token counts, costs, flags — is kept, which is what a snapshot
//! is for. [`assert_snapshot`] compares with a file and, when `AGENTOBS_UPDATE_SNAPSHOTS=1`,
//! rewrites it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use agentobs::schema::Event;
use agentobs::semconv::{KeyValue, Signals};

use crate::expect::attr_text;

/// What a field's value is replaced by, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Volatile {
    /// An identifier.
    Id,
    /// A point in time.
    Time,
    /// A length of time.
    Duration,
    /// A file path that differs between runs.
    Path,
}

/// Whether the field `key` (dotted: `ctx.thread_id`, `gen_ai.tool.call.id`) is volatile.
pub fn classify(key: &str) -> Option<Volatile> {
    if key == "src.path" {
        return Some(Volatile::Path);
    }
    let last = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    if last == "id" || last.ends_with("_id") || last.ends_with("_ids") || last == "ids" {
        return Some(Volatile::Id);
    }
    if matches!(last.as_str(), "at" | "time" | "timestamp" | "start" | "end")
        || last.ends_with("_at")
    {
        return Some(Volatile::Time);
    }
    if last.contains("duration") || last.ends_with("_ms") || last.ends_with("_seconds") {
        return Some(Volatile::Duration);
    }
    None
}

/// Numbers ids in order of first appearance.
#[derive(Debug, Default)]
pub struct Redactor {
    ids: HashMap<String, usize>,
}

impl Redactor {
    /// A redactor that has seen no id.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text standing in for `value` of field `key`, or `None` when it is kept.
    pub fn replace(&mut self, key: &str, value: &str) -> Option<String> {
        Some(match classify(key)? {
            Volatile::Id => {
                let n = self.ids.len() + 1;
                let n = *self.ids.entry(value.to_owned()).or_insert(n);
                format!("<id-{n}>")
            }
            Volatile::Time => "<time>".into(),
            Volatile::Duration => "<duration>".into(),
            Volatile::Path => "<path>".into(),
        })
    }

    /// Redacts a JSON value in place (keys are joined with dots to classify them).
    pub fn json(&mut self, value: &mut serde_json::Value) {
        self.json_at("", value);
    }

    fn json_at(&mut self, prefix: &str, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    self.json_at(&key, v);
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    self.json_at(prefix, v);
                }
            }
            serde_json::Value::Null => {}
            leaf => {
                let text = match &*leaf {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if let Some(r) = self.replace(prefix, &text) {
                    *leaf = serde_json::Value::String(r);
                }
            }
        }
    }

    fn attrs<'a>(&mut self, attrs: impl IntoIterator<Item = &'a KeyValue>) -> String {
        let mut kv: Vec<(String, String)> = attrs
            .into_iter()
            .map(|kv| (kv.key.to_string(), attr_text(&kv.value)))
            .collect();
        kv.sort();
        let mut out = String::new();
        for (k, v) in kv {
            let v = self.replace(&k, &v).unwrap_or(v);
            let _ = write!(out, " {k}={v}");
        }
        out
    }
}

/// The events as JSON lines, redacted, ids numbered across the whole list.
pub fn events(events: &[Event]) -> String {
    let mut r = Redactor::new();
    let mut out = String::new();
    for e in events {
        let mut v = serde_json::to_value(e).unwrap_or_default();
        r.json(&mut v);
        let _ = writeln!(out, "{v}");
    }
    out
}

/// Spans, log records and metric points as readable lines, attributes sorted, redacted (the
/// values of a metric whose name says duration too).
/// Span and trace ids are numbered like other ids, so parents stay visible.
pub fn signals(signals: &Signals) -> String {
    let mut r = Redactor::new();
    let mut out = String::new();
    for s in &signals.spans {
        let span = r
            .replace("span_id", &s.span_id.to_string())
            .unwrap_or_default();
        let trace = r
            .replace("trace_id", &s.trace_id.to_string())
            .unwrap_or_default();
        let parent = s
            .parent_span_id
            .map(|p| r.replace("span_id", &p.to_string()).unwrap_or_default())
            .unwrap_or_else(|| "-".into());
        let attrs = r.attrs(&s.attributes);
        let _ = writeln!(
            out,
            "span {:?} {span} trace={trace} parent={parent} kind={:?} status={:?}{attrs}",
            s.name, s.kind, s.status
        );
        for ev in &s.events {
            let attrs = r.attrs(&ev.attributes);
            let _ = writeln!(out, "  event {:?}{attrs}", ev.name);
        }
    }
    for l in &signals.logs {
        let attrs = r.attrs(&l.attributes);
        let body = l.body.as_ref().map(attr_text).unwrap_or_default();
        let _ = writeln!(
            out,
            "log {:?} severity={:?}{attrs} body={body:?}",
            l.event_name, l.severity
        );
    }
    for m in &signals.metrics {
        let attrs = r.attrs(&m.attributes);
        let value = match &m.value {
            // A duration metric's values are durations.
            _ if classify(&m.name) == Some(Volatile::Duration) => "<duration>".to_owned(),
            agentobs::semconv::PointValue::Sum(v) => format!("sum={v}"),
            agentobs::semconv::PointValue::Histogram(h) => {
                format!("count={} sum={}", h.count, h.sum)
            }
        };
        let _ = writeln!(out, "metric {:?} unit={:?}{attrs} {value}", m.name, m.unit);
    }
    out
}

/// The variable that makes [`assert_snapshot`] rewrite snapshot files.
pub const UPDATE_VAR: &str = "AGENTOBS_UPDATE_SNAPSHOTS";

/// Asserts `actual` equals the snapshot at `path`.
///
/// With `AGENTOBS_UPDATE_SNAPSHOTS=1` the file is (re)written and the assertion passes. A
/// missing file is written as `PATH.new` and the assertion fails, so a new snapshot is
/// reviewed before it counts.
///
/// # Panics
/// When the snapshot differs (showing the first differing line) or is missing.
#[track_caller]
pub fn assert_snapshot(path: impl AsRef<Path>, actual: &str) {
    let update = std::env::var(UPDATE_VAR).is_ok_and(|v| v == "1");
    compare(path.as_ref(), actual, update);
}

#[track_caller]
fn compare(path: &Path, actual: &str, update: bool) {
    if update {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(path, actual) {
            panic!("{}: cannot write the snapshot: {e}", path.display());
        }
        return;
    }
    let Ok(expected) = std::fs::read_to_string(path) else {
        let new = path.with_extension("new");
        let _ = std::fs::write(&new, actual);
        panic!(
            "{}: no snapshot yet; wrote {} (review it, then rerun with {UPDATE_VAR}=1)",
            path.display(),
            new.display()
        );
    };
    if expected == actual {
        return;
    }
    let (exp, act): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
    let at = exp
        .iter()
        .zip(&act)
        .position(|(a, b)| a != b)
        .unwrap_or(exp.len().min(act.len()));
    panic!(
        "{}: snapshot differs at line {} ({} lines expected, {} captured)\n  expected: {}\n  captured: {}\n(rerun with {UPDATE_VAR}=1 to accept)",
        path.display(),
        at + 1,
        exp.len(),
        act.len(),
        exp.get(at).unwrap_or(&"<end>"),
        act.get(at).unwrap_or(&"<end>")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_the_last_segment() {
        assert_eq!(classify("ctx.thread_id"), Some(Volatile::Id));
        assert_eq!(classify("gen_ai.tool.call.id"), Some(Volatile::Id));
        assert_eq!(classify("at"), Some(Volatile::Time));
        assert_eq!(classify("primary.resets_at"), Some(Volatile::Time));
        assert_eq!(classify("duration_ms"), Some(Volatile::Duration));
        assert_eq!(classify("time_to_first_token_ms"), Some(Volatile::Duration));
        assert_eq!(classify("src.path"), Some(Volatile::Path));
        assert_eq!(classify("gen_ai.usage.input_tokens"), None);
        assert_eq!(classify("tool"), None);
        assert_eq!(classify("provider"), None);
    }

    #[test]
    fn ids_are_numbered_by_first_appearance() {
        let mut r = Redactor::new();
        let mut v = serde_json::json!({
            "call_id": "c9", "ctx": {"thread_id": "t1", "model": "gpt-5"},
            "parent": {"thread_id": "c9"}, "duration_ms": 12, "at": "2026-01-01T00:00:00Z"
        });
        r.json(&mut v);
        assert_eq!(v["call_id"], "<id-1>");
        assert_eq!(v["ctx"]["thread_id"], "<id-2>");
        assert_eq!(v["parent"]["thread_id"], "<id-1>", "same id, same number");
        assert_eq!(v["ctx"]["model"], "gpt-5");
        assert_eq!(v["duration_ms"], "<duration>");
        assert_eq!(v["at"], "<time>");
    }

    #[test]
    fn snapshot_files_compare_and_update() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.txt");
        let missing = std::panic::catch_unwind(|| compare(&path, "a\nb\n", false));
        assert!(missing.is_err());
        assert_eq!(
            std::fs::read_to_string(path.with_extension("new")).unwrap(),
            "a\nb\n"
        );
        std::fs::write(&path, "a\nb\n").unwrap();
        compare(&path, "a\nb\n", false);
        let differs = std::panic::catch_unwind(|| compare(&path, "a\nc\n", false));
        let msg = *differs.unwrap_err().downcast::<String>().unwrap();
        assert!(
            msg.contains("line 2") && msg.contains("captured: c"),
            "{msg}"
        );
    }
}
