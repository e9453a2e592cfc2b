//! PromQL for one translation strategy.

use std::cell::Cell;

use agentobs_semconv::prometheus_names::{
    TranslationStrategy, is_legacy_label_name, is_legacy_metric_name, prometheus_label,
    prometheus_name,
};

use super::{MatchOp, Matcher, MetricRef, Part, Series};

/// A PromQL double-quoted string.
pub(crate) fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        agentobs_semconv::prometheus_names::escape_label_value(s)
    )
}

/// Writes PromQL for one translation strategy; notes when it needs Prometheus 3's quoted
/// label names.
#[derive(Debug)]
pub(crate) struct PromQl {
    strategy: TranslationStrategy,
    utf8_labels: Cell<bool>,
}

impl PromQl {
    pub(crate) fn new(strategy: TranslationStrategy) -> Self {
        PromQl {
            strategy,
            utf8_labels: Cell::new(false),
        }
    }

    /// Forgets that a label name was quoted (the next rule starts afresh).
    pub(crate) fn reset_utf8(&self) {
        self.utf8_labels.set(false);
    }

    /// True once a label name had to be quoted (Prometheus ≥ 3.0 only).
    pub(crate) fn needs_utf8(&self) -> bool {
        self.utf8_labels.get()
    }

    /// The Prometheus name of a metric's series (names were checked up front; a name that
    /// does not translate is kept as written).
    pub(crate) fn metric(&self, m: MetricRef, part: Part) -> String {
        let base = prometheus_name(m.name, m.unit, m.kind, self.strategy)
            .unwrap_or_else(|_| m.name.to_owned());
        base + part.suffix()
    }

    /// A label name in PromQL: as is when Prometheus 2 can read it, else quoted.
    pub(crate) fn label(&self, key: &str) -> String {
        let l = prometheus_label(key, self.strategy).unwrap_or_else(|_| key.to_owned());
        if is_legacy_label_name(&l) {
            l
        } else {
            self.utf8_labels.set(true);
            quote(&l)
        }
    }

    /// A series selector with `extra` matchers: `name{…}`, or `{__name__="…", …}` for a
    /// name Prometheus 2 cannot write bare.
    pub(crate) fn select(&self, s: &Series, extra: &[Matcher]) -> String {
        let name = self.metric(s.metric, s.part);
        let mut ms: Vec<String> = s
            .matchers
            .iter()
            .chain(extra)
            .map(|m| {
                let op = match m.op {
                    MatchOp::Eq => "=",
                    MatchOp::Ne => "!=",
                    MatchOp::Re => "=~",
                };
                format!("{}{op}{}", self.label(m.key), quote(m.value))
            })
            .collect();
        if is_legacy_metric_name(&name) {
            if ms.is_empty() {
                name
            } else {
                format!("{name}{{{}}}", ms.join(", "))
            }
        } else {
            ms.insert(0, format!("__name__={}", quote(&name)));
            format!("{{{}}}", ms.join(", "))
        }
    }

    /// `job, instance` and the translated `keys`, for `by (…)`.
    pub(crate) fn by(&self, native: &[&str], keys: &[&str]) -> String {
        let mut v: Vec<String> = native.iter().map(|s| (*s).to_owned()).collect();
        v.extend(keys.iter().map(|k| self.label(k)));
        v.join(", ")
    }

    /// `sum by (…) (max_over_time(<series>[range]))`: each series' latest total in the range,
    /// summed.
    pub(crate) fn total(&self, s: &Series, extra: &[Matcher], by: &str, range: &str) -> String {
        format!(
            "sum by ({by}) (max_over_time({}[{range}]))",
            self.select(s, extra)
        )
    }

    /// [`total`](Self::total) of several series, added.
    pub(crate) fn totals(&self, s: &[Series], by: &str, range: &str) -> String {
        let parts: Vec<String> = s.iter().map(|s| self.total(s, &[], by, range)).collect();
        if parts.len() > 1 {
            format!("({})", parts.join(" + "))
        } else {
            parts.join("")
        }
    }
}
