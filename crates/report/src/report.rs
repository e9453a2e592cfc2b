//! The report: rows as JSON (`agentobs.report/v1`) or as a table.

use std::collections::BTreeMap;
use std::fmt::Write;

use agentobs_cost::{Ledger, LedgerRow};
use serde::Serialize;

/// The JSON schema id of a report.
pub const REPORT_SCHEMA: &str = "agentobs.report/v1";

/// Token and cost figures of a row or of the totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// Whole prompt tokens (cached included, Codex semantics).
    pub input_tokens: u64,
    /// Cached prompt tokens.
    pub cached_input_tokens: u64,
    /// Prompt tokens written to cache.
    pub cache_write_input_tokens: u64,
    /// Completion tokens (reasoning included).
    pub output_tokens: u64,
    /// Reasoning tokens.
    pub reasoning_output_tokens: u64,
    /// `input_tokens + output_tokens`.
    pub total_tokens: u64,
    /// Cost in USD; `null` when a model in the row has no price.
    pub cost_usd: Option<f64>,
    /// Models without a price.
    pub unpriced_models: Vec<String>,
    /// Models that were inferred, not reported.
    pub inferred_models: Vec<String>,
    /// Distinct sessions (threads).
    pub sessions: u64,
}

impl From<&LedgerRow> for Figures {
    fn from(r: &LedgerRow) -> Self {
        Figures {
            input_tokens: r.usage.input_tokens,
            cached_input_tokens: r.usage.cached_input_tokens,
            cache_write_input_tokens: r.usage.cache_write_input_tokens,
            output_tokens: r.usage.output_tokens,
            reasoning_output_tokens: r.usage.reasoning_output_tokens,
            total_tokens: r.usage.total_tokens(),
            cost_usd: r.cost().map(|c| (c * 1e10).round() / 1e10),
            unpriced_models: r.unpriced_models.iter().cloned().collect(),
            inferred_models: r.inferred_models.iter().cloned().collect(),
            sessions: r.sessions,
        }
    }
}

/// One row.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// Dimension name → value; child sessions also carry `parent`.
    pub key: BTreeMap<String, String>,
    /// The figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// A problem met while reading, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportWarning {
    /// File.
    pub path: String,
    /// 1-based line (0: the whole file).
    pub line: u64,
    /// What kind of problem.
    pub kind: agentobs_codex::WarningKind,
    /// What.
    pub message: String,
}

impl ReportWarning {
    /// True for notices that are not errors (a file still being written).
    pub fn is_notice(&self) -> bool {
        self.kind.is_notice()
    }
}

/// A whole report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: &'static str,
    /// The dimensions, in order.
    pub group_by: Vec<String>,
    /// The rows.
    pub rows: Vec<Row>,
    /// Every request once.
    pub totals: Figures,
    /// Problems met while reading.
    pub warnings: Vec<ReportWarning>,
}

impl Report {
    /// Builds the report from a filled ledger.
    pub fn from_ledger(ledger: &Ledger, warnings: Vec<ReportWarning>) -> Report {
        let rows = ledger
            .rows()
            .map(|(k, r)| {
                let mut key: BTreeMap<String, String> = k
                    .iter()
                    .map(|(d, v)| (d.as_str().to_owned(), v.clone()))
                    .collect();
                if let Some(p) = &r.parent {
                    key.insert("parent".into(), p.clone());
                }
                Row {
                    key,
                    figures: Figures::from(r),
                }
            })
            .collect();
        Report {
            schema: REPORT_SCHEMA,
            group_by: ledger
                .dims()
                .iter()
                .map(|d| d.as_str().to_owned())
                .collect(),
            rows,
            totals: Figures::from(ledger.totals()),
            warnings,
        }
    }

    /// A human table no wider than `width` columns when it can be helped.
    pub fn table(&self, width: usize) -> String {
        let dims = &self.group_by;
        let mut header: Vec<String> = dims.iter().map(|d| title(d)).collect();
        header.extend(
            [
                "Sessions",
                "Input",
                "Cached",
                "Output",
                "Reasoning",
                "Total",
                "Cost (USD)",
            ]
            .map(String::from),
        );
        let body = |compact: bool| -> Vec<Vec<String>> {
            let mut lines = Vec::new();
            for r in &self.rows {
                let mut cells: Vec<String> = dims
                    .iter()
                    .map(|d| {
                        let v = r.key.get(d).cloned().unwrap_or_default();
                        if d == "session" && r.key.contains_key("parent") {
                            format!("└ {v}")
                        } else {
                            v
                        }
                    })
                    .collect();
                cells.extend(figures(&r.figures, compact));
                lines.push(cells);
            }
            let mut total: Vec<String> = dims.iter().map(|_| String::new()).collect();
            if let Some(first) = total.first_mut() {
                *first = "Total".into();
            }
            total.extend(figures(&self.totals, compact));
            lines.push(total);
            lines
        };
        let mut rows = body(false);
        let mut widths = col_widths(&header, &rows);
        if widths.iter().sum::<usize>() + 2 * widths.len() > width {
            rows = body(true);
            widths = col_widths(&header, &rows);
        }
        // Still too wide: shorten the key columns, longest first.
        let key_cols = dims.len();
        while widths.iter().sum::<usize>() + 2 * widths.len() > width {
            let Some((i, w)) = widths[..key_cols]
                .iter()
                .enumerate()
                .max_by_key(|(_, w)| **w)
                .map(|(i, w)| (i, *w))
            else {
                break;
            };
            if w <= 10 {
                break;
            }
            widths[i] = w - 1;
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let w = widths[i];
                let c = ellipsize(c, w);
                if i < key_cols {
                    let _ = write!(s, "{c:<w$}  ");
                } else {
                    let _ = write!(s, "{c:>w$}  ");
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(&header, &mut out);
        let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        let n = rows.len();
        for (i, r) in rows.iter().enumerate() {
            if i + 1 == n {
                line(&rule, &mut out);
            }
            line(r, &mut out);
        }
        out
    }
}

fn title(d: &str) -> String {
    match d {
        "task_type" => "Task".into(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

fn ellipsize(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        return s.to_owned();
    }
    let mut t: String = s.chars().take(w.saturating_sub(1)).collect();
    t.push('…');
    t
}

fn col_widths(header: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    let mut w: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    w
}

/// `1234567` → `1,234,567`; compact: `1.23M`.
fn num(n: u64, compact: bool) -> String {
    if compact && n >= 100_000 {
        let (v, unit) = if n >= 1_000_000_000 {
            (n as f64 / 1e9, "B")
        } else if n >= 1_000_000 {
            (n as f64 / 1e6, "M")
        } else {
            (n as f64 / 1e3, "K")
        };
        return format!("{v:.2}{unit}");
    }
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn figures(f: &Figures, compact: bool) -> Vec<String> {
    let mut cost = match f.cost_usd {
        Some(c) if c >= 1.0 || c == 0.0 => format!("${c:.2}"),
        Some(c) => format!("${c:.4}"),
        None => "n/a".into(),
    };
    if !f.inferred_models.is_empty() && f.cost_usd.is_some() {
        cost.push('*');
    }
    vec![
        num(f.sessions, false),
        num(f.input_tokens, compact),
        num(f.cached_input_tokens, compact),
        num(f.output_tokens, compact),
        num(f.reasoning_output_tokens, compact),
        num(f.total_tokens, compact),
        cost,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(1_234_567, false), "1,234,567");
        assert_eq!(num(999, false), "999");
        assert_eq!(num(1_234_567, true), "1.23M");
    }
}
