//! The names Prometheus gives OTLP metrics and attributes.
//!
//! Prometheus (its OTLP receiver, and exporters that follow the OpenTelemetry compatibility
//! specification) renames what it ingests according to `otlp.translation_strategy`:
//!
//! | strategy | names | suffixes | `agentobs.alerts` counter, unit `{alert}` |
//! |---|---|---|---|
//! | [`UnderscoreEscapingWithSuffixes`](TranslationStrategy::UnderscoreEscapingWithSuffixes) (default) | `[a-zA-Z0-9:]` only, the rest `_` | unit, `_total`, `_ratio` | `agentobs_alerts_total` |
//! | [`UnderscoreEscapingWithoutSuffixes`](TranslationStrategy::UnderscoreEscapingWithoutSuffixes) | escaped | none | `agentobs_alerts` |
//! | [`NoUTF8EscapingWithSuffixes`](TranslationStrategy::NoUTF8EscapingWithSuffixes) | as written (UTF-8) | unit, `_total`, `_ratio` | `agentobs.alerts_total` |
//! | [`NoTranslation`](TranslationStrategy::NoTranslation) | as written | none | `agentobs.alerts` |
//!
//! With suffixes: the unit is appended in Prometheus's words (`s` → `seconds`, `ms` →
//! `milliseconds`, `By` → `bytes`, `X/s` → `X_per_second`, `1` → nothing; an unknown unit as
//! written, e.g. `USD`) unless the name already has that word; a unit with a `{…}` annotation
//! (`{token}`) adds nothing; a monotonic counter loses every `total` word and gains `_total`;
//! a gauge of unit `1` gains `_ratio`. Histograms keep their base name; their series are
//! `_bucket` (with `le`), `_sum` and `_count` under every strategy.
//!
//! ```
//! use agentobs_semconv::prometheus_names::{MetricKind, TranslationStrategy, prometheus_name};
//!
//! let s = TranslationStrategy::UnderscoreEscapingWithSuffixes;
//! let name = prometheus_name("gen_ai.client.operation.duration", "s", MetricKind::Histogram, s);
//! assert_eq!(name.unwrap(), "gen_ai_client_operation_duration_seconds");
//! let name = prometheus_name("agentobs.alerts", "{alert}", MetricKind::MonotonicCounter, s);
//! assert_eq!(name.unwrap(), "agentobs_alerts_total");
//! ```

use std::fmt;
use std::str::FromStr;

use crate::record::Instrument;

/// How OTLP names become Prometheus names (`otlp.translation_strategy` in Prometheus's
/// configuration).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TranslationStrategy {
    /// Characters outside `[a-zA-Z0-9:]` become `_`; unit and type suffixes are added.
    /// Prometheus's default, and the only one Prometheus 2.x PromQL can query in full.
    #[default]
    UnderscoreEscapingWithSuffixes,
    /// Characters outside `[a-zA-Z0-9:_]` become `_`; no suffixes (Prometheus ≥ 3.6).
    UnderscoreEscapingWithoutSuffixes,
    /// Names kept as written (UTF-8, quoted in PromQL); suffixes added.
    NoUTF8EscapingWithSuffixes,
    /// Names kept as written, no suffixes (experimental in Prometheus).
    NoTranslation,
}

impl TranslationStrategy {
    /// Every strategy, the default first.
    pub const ALL: [TranslationStrategy; 4] = [
        TranslationStrategy::UnderscoreEscapingWithSuffixes,
        TranslationStrategy::UnderscoreEscapingWithoutSuffixes,
        TranslationStrategy::NoUTF8EscapingWithSuffixes,
        TranslationStrategy::NoTranslation,
    ];

    /// The name Prometheus's configuration uses.
    pub fn as_str(self) -> &'static str {
        match self {
            TranslationStrategy::UnderscoreEscapingWithSuffixes => "UnderscoreEscapingWithSuffixes",
            TranslationStrategy::UnderscoreEscapingWithoutSuffixes => {
                "UnderscoreEscapingWithoutSuffixes"
            }
            TranslationStrategy::NoUTF8EscapingWithSuffixes => "NoUTF8EscapingWithSuffixes",
            TranslationStrategy::NoTranslation => "NoTranslation",
        }
    }

    /// The strategy named `s`, as Prometheus's configuration spells it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// True when names are escaped to Prometheus's legacy character set.
    pub fn escapes(self) -> bool {
        matches!(
            self,
            TranslationStrategy::UnderscoreEscapingWithSuffixes
                | TranslationStrategy::UnderscoreEscapingWithoutSuffixes
        )
    }

    /// True when unit and type suffixes are added.
    pub fn adds_suffixes(self) -> bool {
        matches!(
            self,
            TranslationStrategy::UnderscoreEscapingWithSuffixes
                | TranslationStrategy::NoUTF8EscapingWithSuffixes
        )
    }
}

impl fmt::Display for TranslationStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown translation strategy name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown translation strategy {0:?} (UnderscoreEscapingWithSuffixes, \
     UnderscoreEscapingWithoutSuffixes, NoUTF8EscapingWithSuffixes, NoTranslation)"
)]
pub struct UnknownStrategy(pub String);

impl FromStr for TranslationStrategy {
    type Err = UnknownStrategy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TranslationStrategy::parse(s).ok_or_else(|| UnknownStrategy(s.to_owned()))
    }
}

/// The OTLP metric type, as far as naming cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricKind {
    /// A monotonic sum: gains `_total`.
    MonotonicCounter,
    /// A non-monotonic sum (an up-down counter).
    NonMonotonicCounter,
    /// A gauge: gains `_ratio` when its unit is `1`.
    Gauge,
    /// A histogram (explicit or exponential buckets).
    Histogram,
    /// A summary.
    Summary,
}

impl From<Instrument> for MetricKind {
    fn from(i: Instrument) -> Self {
        match i {
            Instrument::Counter => MetricKind::MonotonicCounter,
            Instrument::Histogram => MetricKind::Histogram,
        }
    }
}

/// A name with nothing left after escaping (empty, or only underscores).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} {name:?} has no character a Prometheus name can keep")]
pub struct NameError {
    /// `metric name` or `label name`.
    pub what: &'static str,
    /// The name as given.
    pub name: String,
}

/// The Prometheus word for an OTLP unit (UCUM), or `None` to keep the unit as written.
fn unit_word(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "TBy" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "1" => "",
        "%" => "percent",
        _ => return None,
    })
}

/// The Prometheus word for the unit after a `/`.
fn per_unit_word(unit: &str) -> Option<&'static str> {
    Some(match unit {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        _ => return None,
    })
}

/// The unit as name suffixes: the main part and the `per_…` part, each possibly empty. Parts
/// with a `{…}` annotation add nothing.
pub fn unit_suffixes(unit: &str) -> (String, String) {
    let (main, per) = match unit.split_once('/') {
        Some((m, p)) => (m.trim(), Some(p.trim())),
        None => (unit.trim(), None),
    };
    let annotated = |u: &str| u.contains(['{', '}']);
    let main = if main.is_empty() || annotated(main) {
        String::new()
    } else {
        unit_word(main).map_or_else(|| main.to_owned(), str::to_owned)
    };
    let per = match per {
        Some(p) if !p.is_empty() && !annotated(p) => {
            format!("per_{}", per_unit_word(p).unwrap_or(p))
        }
        _ => String::new(),
    };
    (main, per)
}

/// A character Prometheus's legacy metric names keep (the underscore is a separator here).
fn legacy_metric_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ':'
}

/// `unit` with characters outside `[a-zA-Z0-9:]` as single underscores, none leading.
fn clean_unit(unit: &str) -> String {
    let mut out = String::with_capacity(unit.len());
    for c in unit.chars() {
        let c = if legacy_metric_char(c) { c } else { '_' };
        if !(c == '_' && (out.is_empty() || out.ends_with('_'))) {
            out.push(c);
        }
    }
    out
}

/// A label value (or any string) escaped for a double-quoted Prometheus string — in PromQL
/// and in the text exposition format alike: `\\`, `\"` and `\n`.
///
/// ```
/// use agentobs_semconv::prometheus_names::escape_label_value;
/// assert_eq!(escape_label_value("a\"b\\c\nd"), r#"a\"b\\c\nd"#);
/// ```
pub fn escape_label_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// True for a name Prometheus 2.x accepts as a metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub fn is_legacy_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// True for a name Prometheus 2.x accepts as a label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The Prometheus name of OTLP metric `name` of `unit` and `kind` under `strategy`: the
/// base name — a histogram's series add `_bucket`, `_sum` and `_count` to it.
pub fn prometheus_name(
    name: &str,
    unit: &str,
    kind: MetricKind,
    strategy: TranslationStrategy,
) -> Result<String, NameError> {
    let out = match strategy {
        TranslationStrategy::UnderscoreEscapingWithSuffixes => {
            escaped_with_suffixes(name, unit, kind)
        }
        TranslationStrategy::UnderscoreEscapingWithoutSuffixes => escaped(name),
        TranslationStrategy::NoUTF8EscapingWithSuffixes => utf8_with_suffixes(name, unit, kind),
        TranslationStrategy::NoTranslation => name.to_owned(),
    };
    let empty = out.is_empty() || (strategy.escapes() && out.chars().all(|c| c == '_'));
    if empty {
        return Err(NameError {
            what: "metric name",
            name: name.to_owned(),
        });
    }
    Ok(out)
}

/// Splits on every character outside `[a-zA-Z0-9:]`, adds the unit and type words, joins
/// with `_`.
fn escaped_with_suffixes(name: &str, unit: &str, kind: MetricKind) -> String {
    let mut words: Vec<String> = name
        .split(|c: char| !legacy_metric_char(c))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let (main, per) = unit_suffixes(unit);
    let (mut main, per) = (clean_unit(&main), clean_unit(&per));
    if words.contains(&main) {
        main.clear();
    }
    let per = if per == "per_" {
        String::new()
    } else {
        let p = per.trim_end_matches('_').to_owned();
        if words.contains(&p) { String::new() } else { p }
    };
    if !per.is_empty() {
        main = main.trim_end_matches('_').to_owned();
    }
    if !main.is_empty() {
        words.push(main);
    }
    if !per.is_empty() {
        words.push(per);
    }
    let mut retag = |word: &str| {
        words.retain(|w| w != word);
        words.push(word.to_owned());
    };
    if kind == MetricKind::MonotonicCounter {
        retag("total");
    }
    if unit == "1" && kind == MetricKind::Gauge {
        retag("ratio");
    }
    let joined = words.join("_");
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{joined}")
    } else {
        joined
    }
}

/// Runs of characters outside `[a-zA-Z0-9:_]` become one `_`; a leading digit gains `_`.
fn escaped(name: &str) -> String {
    let joined = name
        .split(|c: char| !(legacy_metric_char(c) || c == '_'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{joined}")
    } else {
        joined
    }
}

/// `name` without a trailing `suffix` and the one delimiter before it, when something is left.
fn trim_suffix_and_delimiter<'a>(name: &'a str, suffix: &str) -> &'a str {
    if name.ends_with(suffix) && name.len() > suffix.len() + 1 {
        let cut = name.len() - suffix.len() - 1;
        if name.is_char_boundary(cut) {
            return &name[..cut];
        }
    }
    name
}

/// The name as written, with the unit, `_total` and `_ratio` appended as Prometheus does for
/// UTF-8 names.
fn utf8_with_suffixes(name: &str, unit: &str, kind: MetricKind) -> String {
    let ratio = unit == "1" && kind == MetricKind::Gauge;
    let total = kind == MetricKind::MonotonicCounter;
    let mut base = name;
    if ratio {
        base = trim_suffix_and_delimiter(base, "ratio");
    }
    if total {
        base = trim_suffix_and_delimiter(base, "total");
    }
    let (main, per) = unit_suffixes(unit);
    if !per.is_empty() {
        base = trim_suffix_and_delimiter(base, &per);
    }
    let mut out = base.to_owned();
    if !main.is_empty() && !out.ends_with(&main) {
        out.push('_');
        out.push_str(&main);
    }
    if !per.is_empty() {
        out.push('_');
        out.push_str(&per);
    }
    if total {
        out.push_str("_total");
    }
    if ratio {
        out.push_str("_ratio");
    }
    out
}

/// The Prometheus label name of OTLP attribute `key` under `strategy`: escaped strategies turn
/// characters outside `[a-zA-Z0-9_]` into `_` and prefix `key_` to a leading digit (`key` to
/// a single leading underscore); the others keep the key.
pub fn prometheus_label(key: &str, strategy: TranslationStrategy) -> Result<String, NameError> {
    let err = || NameError {
        what: "label name",
        name: key.to_owned(),
    };
    if key.is_empty() {
        return Err(err());
    }
    if !strategy.escapes() {
        return Ok(key.to_owned());
    }
    let mut out: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "key_");
    } else if out.starts_with('_') && !out.starts_with("__") {
        out.insert_str(0, "key");
    }
    if out != key && out.chars().all(|c| c == '_') {
        return Err(err());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MetricKind::*;
    use TranslationStrategy::*;

    fn name(n: &str, unit: &str, kind: MetricKind, s: TranslationStrategy) -> String {
        prometheus_name(n, unit, kind, s).unwrap()
    }

    #[test]
    fn the_references_examples() {
        // The Claude Code cost counter under each strategy.
        let cost = |s| name("claude_code.cost.usage", "USD", MonotonicCounter, s);
        assert_eq!(
            cost(UnderscoreEscapingWithSuffixes),
            "claude_code_cost_usage_USD_total"
        );
        assert_eq!(
            cost(UnderscoreEscapingWithoutSuffixes),
            "claude_code_cost_usage"
        );
        assert_eq!(
            cost(NoUTF8EscapingWithSuffixes),
            "claude_code.cost.usage_USD_total"
        );
        assert_eq!(cost(NoTranslation), "claude_code.cost.usage");
        // `total` words leave and `_total` goes last.
        let active = |s| name("claude_code.active_time.total", "s", MonotonicCounter, s);
        assert_eq!(
            active(UnderscoreEscapingWithSuffixes),
            "claude_code_active_time_seconds_total"
        );
        assert_eq!(
            active(NoUTF8EscapingWithSuffixes),
            "claude_code.active_time_seconds_total"
        );
        // `ms` is a word of the name, `milliseconds` is not: the unit is still added.
        assert_eq!(
            name(
                "codex.api_request.duration_ms",
                "ms",
                Histogram,
                UnderscoreEscapingWithSuffixes
            ),
            "codex_api_request_duration_ms_milliseconds"
        );
    }

    #[test]
    fn our_metrics() {
        let s = UnderscoreEscapingWithSuffixes;
        assert_eq!(
            name("gen_ai.client.token.usage", "{token}", Histogram, s),
            "gen_ai_client_token_usage"
        );
        assert_eq!(
            name("gen_ai.client.operation.duration", "s", Histogram, s),
            "gen_ai_client_operation_duration_seconds"
        );
        assert_eq!(
            name("codex.tool.call", "", MonotonicCounter, s),
            "codex_tool_call_total"
        );
        assert_eq!(
            name("codex.conversation.turn.count", "", MonotonicCounter, s),
            "codex_conversation_turn_count_total"
        );
        assert_eq!(
            name("agentobs.alerts", "{alert}", MonotonicCounter, s),
            "agentobs_alerts_total"
        );
        assert_eq!(
            name(
                "gen_ai.client.inference.usage.input_tokens",
                "{token}",
                MonotonicCounter,
                s
            ),
            "gen_ai_client_inference_usage_input_tokens_total"
        );
        let utf8 = NoUTF8EscapingWithSuffixes;
        assert_eq!(
            name("agentobs.alerts", "{alert}", MonotonicCounter, utf8),
            "agentobs.alerts_total"
        );
        assert_eq!(
            name("gen_ai.client.operation.duration", "s", Histogram, utf8),
            "gen_ai.client.operation.duration_seconds"
        );
        assert_eq!(
            name("codex.api_request.duration_ms", "ms", Histogram, utf8),
            "codex.api_request.duration_ms_milliseconds"
        );
        assert_eq!(
            name(
                "codex.api_request.duration_ms",
                "ms",
                Histogram,
                UnderscoreEscapingWithoutSuffixes
            ),
            "codex_api_request_duration_ms"
        );
    }

    #[test]
    fn units() {
        let s = UnderscoreEscapingWithSuffixes;
        assert_eq!(name("memory.usage", "By", Gauge, s), "memory_usage_bytes");
        assert_eq!(name("requests", "1/s", Gauge, s), "requests_per_second");
        assert_eq!(
            name("throughput", "By/s", Gauge, s),
            "throughput_bytes_per_second"
        );
        assert_eq!(name("custom", "By/{request}", Gauge, s), "custom_bytes");
        assert_eq!(
            name("cpu.utilization", "1", Gauge, s),
            "cpu_utilization_ratio"
        );
        assert_eq!(name("cpu_usage_ratio", "1", Gauge, s), "cpu_usage_ratio");
        assert_eq!(name("items", "1", MonotonicCounter, s), "items_total");
        assert_eq!(
            name("response_time_seconds", "s", Gauge, s),
            "response_time_seconds"
        );
        assert_eq!(name("temp", "Cel", Gauge, s), "temp_celsius");
        assert_eq!(name("disk", "%", Gauge, s), "disk_percent");
        assert_eq!(
            name("requests", "1/s", MonotonicCounter, s),
            "requests_per_second_total"
        );
        assert_eq!(
            name("custom_metric", "unit@with#special/chars", Gauge, s),
            "custom_metric_unit_with_special_per_chars"
        );
        assert_eq!(
            name(
                "metric__with__underscores",
                "unit__with__underscores",
                Gauge,
                s
            ),
            "metric_with_underscores_unit_with_underscores"
        );
        assert_eq!(name("active", "", NonMonotonicCounter, s), "active");
        let utf8 = NoUTF8EscapingWithSuffixes;
        assert_eq!(
            name("cpu_seconds_total", "s", MonotonicCounter, utf8),
            "cpu_seconds_total"
        );
        assert_eq!(name("requêsts", "1/s", Gauge, utf8), "requêsts_per_second");
        assert_eq!(name("cpu_usagé", "1", Gauge, utf8), "cpu_usagé_ratio");
    }

    #[test]
    fn escaping_edges() {
        let s = UnderscoreEscapingWithSuffixes;
        assert_eq!(
            name("123.requests", "", MonotonicCounter, s),
            "_123_requests_total"
        );
        assert_eq!(name("a..b", "", Gauge, s), "a_b");
        assert_eq!(name("métric", "", Gauge, s), "m_tric");
        assert_eq!(name("a:b.c", "", Gauge, s), "a:b_c");
        let w = UnderscoreEscapingWithoutSuffixes;
        assert_eq!(name("metric@@##name", "", Gauge, w), "metric_name");
        assert_eq!(name("a__b", "", Gauge, w), "a__b");
        assert_eq!(name("1abc", "", Gauge, w), "_1abc");
        for s in TranslationStrategy::ALL {
            assert!(prometheus_name("", "", Gauge, s).is_err(), "{s}");
        }
        assert!(prometheus_name("@#$%", "", Gauge, s).is_err());
        assert!(prometheus_name("...", "", Gauge, w).is_err());
        assert_eq!(
            name("@#$%", "", MonotonicCounter, NoUTF8EscapingWithSuffixes),
            "@#$%_total"
        );
    }

    #[test]
    fn labels() {
        let s = UnderscoreEscapingWithSuffixes;
        let label = |k: &str| prometheus_label(k, s).unwrap();
        assert_eq!(label("gen_ai.token.type"), "gen_ai_token_type");
        assert_eq!(label("agentobs.alert.rule"), "agentobs_alert_rule");
        assert_eq!(
            label("http.response.status_code"),
            "http_response_status_code"
        );
        assert_eq!(label("123invalid"), "key_123invalid");
        assert_eq!(label("_private"), "key_private");
        assert_eq!(label("__reserved__"), "__reserved__");
        assert_eq!(label("model"), "model");
        assert!(prometheus_label("", s).is_err());
        assert!(prometheus_label("..", s).is_err());
        assert_eq!(
            prometheus_label("gen_ai.token.type", NoUTF8EscapingWithSuffixes).unwrap(),
            "gen_ai.token.type"
        );
        assert_eq!(prometheus_label("model", NoTranslation).unwrap(), "model");
    }

    #[test]
    fn legacy_names() {
        assert!(is_legacy_metric_name("agentobs_alerts_total"));
        assert!(is_legacy_metric_name("a:b"));
        assert!(!is_legacy_metric_name("agentobs.alerts_total"));
        assert!(!is_legacy_metric_name("1a"));
        assert!(!is_legacy_metric_name(""));
        assert!(is_legacy_label_name("gen_ai_token_type"));
        assert!(!is_legacy_label_name("a:b"));
        assert!(!is_legacy_label_name("gen_ai.token.type"));
    }

    #[test]
    fn strategies_parse_and_print() {
        for s in TranslationStrategy::ALL {
            assert_eq!(s.as_str().parse::<TranslationStrategy>(), Ok(s));
        }
        assert!("underscore".parse::<TranslationStrategy>().is_err());
        assert_eq!(
            TranslationStrategy::default(),
            UnderscoreEscapingWithSuffixes
        );
    }
}
