//! Fluent expectations over captured items, with failures that show what was there.
//!
//! A [`Query`] selects items (events, spans, log records, metric points) by name and fields
//! and asserts how many match. When the count is wrong, the panic message lists every
//! captured item of that kind, the nearest match first, and says for each which criteria it
//! failed:
//!
//! ```text
//! expected 1 span named "execute_tool shell" with gen_ai.tool.name=shell; 0 matched
//! captured 2 spans, nearest first:
//!   - "execute_tool apply_patch": name is not "execute_tool shell"; gen_ai.tool.name=apply_patch, not shell
//!       gen_ai.operation.name=execute_tool gen_ai.tool.name=apply_patch gen_ai.tool.call.id=c2
//!   - "invoke_agent my-agent": name is not "execute_tool shell"; gen_ai.tool.name is absent
//!       gen_ai.operation.name=invoke_agent gen_ai.agent.name=my-agent
//! ```

use std::borrow::Cow;
use std::fmt::{self, Display};

use agentobs::schema::Event;
use agentobs::semconv::{AttrValue, LogRecord, MetricPoint, PointValue, SpanRecord};

/// Something a [`Query`] can select: a name and `key=value` fields, as text.
pub trait Inspect {
    /// What one item is called in messages (`span`, `event`).
    const KIND: &'static str;
    /// The item's name: a span's or metric's name, a log record's event name, an event's
    /// `type`.
    fn name(&self) -> Cow<'_, str>;
    /// The item's fields as `(key, value)` text, in a stable order.
    fn fields(&self) -> Vec<(String, String)>;
}

/// An attribute value as text: strings as they are, numbers in Rust's shortest form, string
/// lists as `[a, b]`.
pub fn attr_text(v: &AttrValue) -> String {
    match v {
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Double(d) => d.to_string(),
        AttrValue::StrArray(a) => format!("[{}]", a.join(", ")),
        other => other.as_str().unwrap_or_default().to_owned(),
    }
}

impl Inspect for SpanRecord {
    const KIND: &'static str = "span";
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.name)
    }
    fn fields(&self) -> Vec<(String, String)> {
        self.attributes
            .iter()
            .map(|kv| (kv.key.to_string(), attr_text(&kv.value)))
            .collect()
    }
}

impl Inspect for LogRecord {
    const KIND: &'static str = "log record";
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.event_name)
    }
    fn fields(&self) -> Vec<(String, String)> {
        let mut f: Vec<_> = self
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), attr_text(&kv.value)))
            .collect();
        if let Some(body) = &self.body {
            f.push(("body".into(), attr_text(body)));
        }
        f
    }
}

impl Inspect for MetricPoint {
    const KIND: &'static str = "metric point";
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.name)
    }
    /// The attributes, then `value` (a sum) or `count` and `sum` (a histogram).
    fn fields(&self) -> Vec<(String, String)> {
        let mut f: Vec<_> = self
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), attr_text(&kv.value)))
            .collect();
        match &self.value {
            PointValue::Sum(v) => f.push(("value".into(), v.to_string())),
            PointValue::Histogram(h) => {
                f.push(("count".into(), h.count.to_string()));
                f.push(("sum".into(), h.sum.to_string()));
            }
        }
        f
    }
}

impl Inspect for Event {
    const KIND: &'static str = "event";
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.kind.type_name())
    }
    /// The event's JSON form flattened with dots: `tool`, `usage.input_tokens`,
    /// `ctx.model`, `src.line`, `at` (the `schema` and `type` keys left out).
    fn fields(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(self) {
            for (k, v) in map {
                if k != "schema" && k != "type" {
                    flatten(&k, &v, &mut out);
                }
            }
        }
        out
    }
}

fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        serde_json::Value::Null => {}
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[derive(Clone, Debug)]
enum Criterion {
    Eq(String, String),
    Near(String, f64),
    Present(String),
    Absent(String),
}

impl Display for Criterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Criterion::Eq(k, v) => write!(f, "{k}={v}"),
            Criterion::Near(k, v) => write!(f, "{k}≈{v}"),
            Criterion::Present(k) => write!(f, "{k} present"),
            Criterion::Absent(k) => write!(f, "no {k}"),
        }
    }
}

/// Relative tolerance of [`Query::with_approx`] and cost assertions.
pub const APPROX: f64 = 1e-9;

/// True when `a` and `b` agree within [`APPROX`] (relative, or absolute near zero).
pub fn approx_eq(a: f64, b: f64) -> bool {
    (a - b).abs() <= APPROX * a.abs().max(b.abs()).max(1e-6)
}

impl Criterion {
    /// `None` when the item meets it, else why not.
    fn miss(&self, fields: &[(String, String)]) -> Option<String> {
        let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v);
        match self {
            Criterion::Eq(k, want) => match get(k) {
                Some(v) if v == want => None,
                Some(v) => Some(format!("{k}={v}, not {want}")),
                None => Some(format!("{k} is absent")),
            },
            Criterion::Near(k, want) => match get(k) {
                Some(v) if v.parse::<f64>().is_ok_and(|x| approx_eq(x, *want)) => None,
                Some(v) => Some(format!("{k}={v}, not ≈{want}")),
                None => Some(format!("{k} is absent")),
            },
            Criterion::Present(k) => get(k).is_none().then(|| format!("{k} is absent")),
            Criterion::Absent(k) => get(k).map(|v| format!("{k}={v} is present")),
        }
    }
}

/// Selects captured items and asserts how many match. Build it from
/// [`Captured`](crate::Captured)'s `events()`, `spans()`, `logs()` or `metrics()`; every
/// criterion narrows the selection.
#[derive(Clone, Debug)]
#[must_use = "a query asserts nothing until one of its assert_* methods is called"]
pub struct Query<'a, T> {
    items: &'a [T],
    name: Option<String>,
    criteria: Vec<Criterion>,
}

/// Why a [`Query::check`] failed: the message an `assert_*` method panics with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Mismatch(pub String);

impl<'a, T: Inspect> Query<'a, T> {
    /// A query over `items`, selecting all of them.
    pub fn new(items: &'a [T]) -> Self {
        Query {
            items,
            name: None,
            criteria: Vec::new(),
        }
    }

    /// Only items named `name`.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only items whose field `key` is `value` (compared as text: `4210`, `true`, `shell`).
    pub fn with(mut self, key: impl Into<String>, value: impl Display) -> Self {
        self.criteria
            .push(Criterion::Eq(key.into(), value.to_string()));
        self
    }

    /// Only items whose field `key` is a number within [`APPROX`] of `value` (costs).
    pub fn with_approx(mut self, key: impl Into<String>, value: f64) -> Self {
        self.criteria.push(Criterion::Near(key.into(), value));
        self
    }

    /// Only items that have the field `key`, whatever its value.
    pub fn has(mut self, key: impl Into<String>) -> Self {
        self.criteria.push(Criterion::Present(key.into()));
        self
    }

    /// Only items without the field `key`.
    pub fn lacks(mut self, key: impl Into<String>) -> Self {
        self.criteria.push(Criterion::Absent(key.into()));
        self
    }

    fn misses(&self, item: &T) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(name) = &self.name
            && item.name() != name.as_str()
        {
            out.push(format!("name is not {name:?}"));
        }
        let fields = item.fields();
        out.extend(self.criteria.iter().filter_map(|c| c.miss(&fields)));
        out
    }

    /// The items that match, in capture order.
    pub fn matching(&self) -> Vec<&'a T> {
        self.items
            .iter()
            .filter(|i| self.misses(i).is_empty())
            .collect()
    }

    /// The matching items when there are exactly `n`; else the failure message.
    pub fn check(&self, n: usize) -> Result<Vec<&'a T>, Mismatch> {
        self.check_by(|got| got == n, &n.to_string())
    }

    fn check_by(&self, ok: impl Fn(usize) -> bool, want: &str) -> Result<Vec<&'a T>, Mismatch> {
        let got = self.matching();
        if ok(got.len()) {
            Ok(got)
        } else {
            Err(Mismatch(self.report(want, got.len())))
        }
    }

    fn describe(&self) -> String {
        let mut s = String::from(T::KIND);
        if let Some(n) = &self.name {
            s.push_str(&format!(" named {n:?}"));
        }
        if !self.criteria.is_empty() {
            let c: Vec<_> = self.criteria.iter().map(ToString::to_string).collect();
            s.push_str(" with ");
            s.push_str(&c.join(", "));
        }
        s
    }

    fn report(&self, want: &str, got: usize) -> String {
        let mut ranked: Vec<(Vec<String>, usize, &T)> = self
            .items
            .iter()
            .map(|i| {
                let misses = self.misses(i);
                let closeness = self
                    .name
                    .as_deref()
                    .map_or(0, |n| common_prefix(n, &i.name()));
                (misses, closeness, i)
            })
            .collect();
        ranked.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(b.1.cmp(&a.1)));
        let mut out = format!(
            "expected {want} {}; {got} matched\ncaptured {} {}s",
            self.describe(),
            self.items.len(),
            T::KIND
        );
        if self.items.is_empty() {
            out.push_str(" (nothing was captured: was the telemetry built with the kit's sinks, and finished before asserting?)");
            return out;
        }
        out.push_str(", nearest first:");
        for (misses, _, item) in ranked.iter().take(MAX_LISTED) {
            let verdict = if misses.is_empty() {
                "matches".to_owned()
            } else {
                misses.join("; ")
            };
            out.push_str(&format!("\n  - {:?}: {verdict}\n      ", item.name()));
            let fields: Vec<_> = item
                .fields()
                .into_iter()
                .map(|(k, v)| format!("{k}={}", clip(&v)))
                .collect();
            out.push_str(&fields.join(" "));
        }
        if ranked.len() > MAX_LISTED {
            out.push_str(&format!("\n  … and {} more", ranked.len() - MAX_LISTED));
        }
        out
    }

    /// Asserts exactly one item matches and returns it.
    ///
    /// # Panics
    /// When none or several match, with the message of [`check`](Self::check).
    #[track_caller]
    pub fn assert_one(&self) -> &'a T {
        match self.check(1) {
            Ok(v) => v[0],
            Err(m) => panic!("{m}"),
        }
    }

    /// Asserts exactly `n` items match and returns them.
    ///
    /// # Panics
    /// When another number match.
    #[track_caller]
    pub fn assert_count(&self, n: usize) -> Vec<&'a T> {
        self.check(n).unwrap_or_else(|m| panic!("{m}"))
    }

    /// Asserts at least `n` items match and returns them.
    ///
    /// # Panics
    /// When fewer match.
    #[track_caller]
    pub fn assert_at_least(&self, n: usize) -> Vec<&'a T> {
        self.check_by(|got| got >= n, &format!("at least {n}"))
            .unwrap_or_else(|m| panic!("{m}"))
    }

    /// Asserts nothing matches.
    ///
    /// # Panics
    /// When something does.
    #[track_caller]
    pub fn assert_none(&self) {
        if let Err(m) = self.check(0) {
            panic!("{m}")
        }
    }
}

/// Items listed in a failure message at most.
const MAX_LISTED: usize = 12;

fn clip(v: &str) -> Cow<'_, str> {
    const MAX: usize = 80;
    match v.char_indices().nth(MAX) {
        Some((i, _)) => Cow::Owned(format!("{}…", &v[..i])),
        None => Cow::Borrowed(v),
    }
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs::semconv::AttrList;

    #[derive(Debug)]
    struct Item(&'static str, AttrList);
    impl Inspect for Item {
        const KIND: &'static str = "item";
        fn name(&self) -> Cow<'_, str> {
            Cow::Borrowed(self.0)
        }
        fn fields(&self) -> Vec<(String, String)> {
            self.1
                .iter()
                .map(|kv| (kv.key.to_string(), attr_text(&kv.value)))
                .collect()
        }
    }

    fn items() -> Vec<Item> {
        let mut a = AttrList::new();
        a.set("tool", "shell").set("n", 3i64);
        let mut b = AttrList::new();
        b.set("tool", "apply_patch").set("n", 3i64);
        let mut c = AttrList::new();
        c.set("model", "gpt-5").set("cost", 0.1 + 0.2);
        vec![
            Item("exec shell", a),
            Item("exec apply_patch", b),
            Item("chat", c),
        ]
    }

    #[test]
    fn selects_by_name_and_fields() {
        let v = items();
        let q = Query::new(&v)
            .named("exec shell")
            .with("tool", "shell")
            .with("n", 3);
        assert_eq!(q.assert_one().0, "exec shell");
        Query::new(&v).has("tool").assert_count(2);
        Query::new(&v).lacks("tool").assert_one();
        Query::new(&v).with_approx("cost", 0.3).assert_one();
        Query::new(&v).with("cost", 0.3).assert_none();
        Query::new(&v).has("n").assert_at_least(1);
    }

    #[test]
    fn failure_lists_the_nearest_first_with_reasons() {
        let v = items();
        let err = Query::new(&v)
            .named("exec shell")
            .with("tool", "grep")
            .check(1)
            .unwrap_err()
            .0;
        assert!(
            err.starts_with("expected 1 item named \"exec shell\" with tool=grep; 0 matched"),
            "{err}"
        );
        let first = err.lines().nth(2).unwrap();
        assert!(
            first.contains("\"exec shell\": tool=shell, not grep"),
            "{err}"
        );
        let chat = err.lines().position(|l| l.contains("\"chat\"")).unwrap();
        let patch = err
            .lines()
            .position(|l| l.contains("\"exec apply_patch\""))
            .unwrap();
        assert!(patch < chat, "closer names first: {err}");
        assert!(err.contains("tool is absent"), "{err}");
    }

    #[test]
    fn empty_capture_says_so() {
        let v: Vec<Item> = Vec::new();
        let err = Query::new(&v).check(1).unwrap_err().0;
        assert!(err.contains("nothing was captured"), "{err}");
    }

    #[test]
    #[should_panic(expected = "expected 2 item")]
    fn assert_count_panics_with_the_message() {
        let v = items();
        let _ = Query::new(&v).named("chat").assert_count(2);
    }
}
