//! The overview of an HTML report, aggregated in Rust from a fine-grained [`Report`]: series
//! by day, breakdowns with the long tail folded, one row per session.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::Report;

use super::detail::Tally;

/// The dimensions [`Overview::build`] needs in its report, in this order: every breakdown the
/// page shows is summed from rows of this grouping.
pub const HTML_DIMENSIONS: [agentobs_cost::Dimension; 7] = [
    agentobs_cost::Dimension::Day,
    agentobs_cost::Dimension::Model,
    agentobs_cost::Dimension::Developer,
    agentobs_cost::Dimension::Repo,
    agentobs_cost::Dimension::Branch,
    agentobs_cost::Dimension::TaskType,
    agentobs_cost::Dimension::Session,
];

/// Tokens and cost of a group of rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Sum {
    /// Whole prompt tokens (cached included).
    pub input_tokens: u64,
    /// Cached prompt tokens.
    pub cached_input_tokens: u64,
    /// Completion tokens (reasoning included).
    pub output_tokens: u64,
    /// Reasoning tokens.
    pub reasoning_output_tokens: u64,
    /// Input plus output.
    pub total_tokens: u64,
    /// Cost in USD of the priced part.
    pub cost_usd: f64,
    /// True when a model of the group has no price: `cost_usd` is then a lower bound.
    pub unpriced: bool,
}

impl Sum {
    fn add(&mut self, f: &crate::Figures) {
        self.input_tokens += f.input_tokens;
        self.cached_input_tokens += f.cached_input_tokens;
        self.output_tokens += f.output_tokens;
        self.reasoning_output_tokens += f.reasoning_output_tokens;
        self.total_tokens += f.total_tokens;
        match f.cost_usd {
            Some(c) => self.cost_usd += c,
            None => self.unpriced = true,
        }
    }

    fn merge(&mut self, o: &Sum) {
        self.input_tokens += o.input_tokens;
        self.cached_input_tokens += o.cached_input_tokens;
        self.output_tokens += o.output_tokens;
        self.reasoning_output_tokens += o.reasoning_output_tokens;
        self.total_tokens += o.total_tokens;
        self.cost_usd += o.cost_usd;
        self.unpriced |= o.unpriced;
    }
}

/// One bar of a breakdown.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bar {
    /// The value (`-` when unknown); `other` for the folded tail.
    pub name: String,
    /// How many values were folded into this bar (0 for a plain value).
    pub folded: usize,
    /// Its figures.
    #[serde(flatten)]
    pub sum: Sum,
}

/// One stacked series over the days (a model, or a harness).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// The model or harness.
    pub name: String,
    /// Cost per day, in the order of [`Overview::days`].
    pub cost: Vec<f64>,
    /// Total tokens per day.
    pub tokens: Vec<u64>,
    /// Totals over all days.
    pub total: Sum,
}

/// One session of the session table: a root session (its forks and sub-agents rolled in) or
/// a child session (its own usage only, `parent` set), as `report --by session` lists them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionRow {
    /// Thread id (or file path when the rollout names none).
    pub id: String,
    /// The root session of a fork or sub-agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// First day with usage.
    pub day: String,
    /// Start time (Unix ms) when the events gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_ms: Option<i64>,
    /// Models, most expensive first.
    pub models: Vec<String>,
    /// Developer.
    pub developer: String,
    /// Repository.
    pub repo: String,
    /// Branch.
    pub branch: String,
    /// Task type.
    pub task_type: String,
    /// Harness (from the events; `-` when not read).
    pub harness: String,
    /// Tokens and cost.
    #[serde(flatten)]
    pub sum: Sum,
    /// Tool calls.
    pub tools: u64,
    /// Tool calls that failed (the truth, not the harness's claim).
    pub failures: u64,
    /// Errors the harness reported.
    pub errors: u64,
    /// Alerts raised on the session.
    pub alerts: u64,
    /// A session page exists for it.
    pub detail: bool,
}

/// The aggregated overview of a home.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Overview {
    /// The days with usage, in order.
    pub days: Vec<String>,
    /// Cost and tokens per day, stacked by model (most expensive model first; past eight
    /// models the rest are folded into `other`).
    pub by_model: Vec<Series>,
    /// The same stacked by harness; empty unless more than one harness appears.
    pub by_harness: Vec<Series>,
    /// One row per model, most expensive first (never folded: every model is shown).
    pub models: Vec<Bar>,
    /// Cost by developer, sorted, tail folded.
    pub developer: Vec<Bar>,
    /// Cost by repository, sorted, tail folded.
    pub repo: Vec<Bar>,
    /// Cost by branch, sorted, tail folded.
    pub branch: Vec<Bar>,
    /// Cost by task type, sorted, tail folded.
    pub task_type: Vec<Bar>,
    /// Every session, most expensive first.
    pub sessions: Vec<SessionRow>,
}

fn key<'a>(r: &'a crate::Row, d: &str) -> &'a str {
    r.key.get(d).map_or("-", String::as_str)
}

/// Highest cost first, then most tokens, then name: a stable order.
fn by_cost(a: &Sum, an: &str, b: &Sum, bn: &str) -> std::cmp::Ordering {
    b.cost_usd
        .total_cmp(&a.cost_usd)
        .then(b.total_tokens.cmp(&a.total_tokens))
        .then_with(|| an.cmp(bn))
}

/// Sorts `groups` by cost and folds everything after the first `max_bars - 1` into one
/// `other` bar (nothing is folded when they fit in `max_bars`).
pub(crate) fn fold(groups: HashMap<String, Sum>, max_bars: usize) -> Vec<Bar> {
    let mut bars: Vec<Bar> = groups
        .into_iter()
        .map(|(name, sum)| Bar {
            name,
            folded: 0,
            sum,
        })
        .collect();
    bars.sort_by(|a, b| by_cost(&a.sum, &a.name, &b.sum, &b.name));
    let max_bars = max_bars.max(2);
    if bars.len() > max_bars {
        let tail = bars.split_off(max_bars - 1);
        let mut other = Bar {
            name: "other".into(),
            folded: tail.len(),
            sum: Sum::default(),
        };
        for b in &tail {
            other.sum.merge(&b.sum);
        }
        bars.push(other);
    }
    bars
}

fn series(
    groups: BTreeMap<String, BTreeMap<String, Sum>>,
    day_index: &HashMap<&str, usize>,
    days: usize,
) -> Vec<Series> {
    let mut out: Vec<Series> = groups
        .into_iter()
        .map(|(name, per_day)| {
            let mut s = Series {
                name,
                cost: vec![0.0; days],
                tokens: vec![0; days],
                total: Sum::default(),
            };
            for (day, sum) in per_day {
                let i = day_index[day.as_str()];
                s.cost[i] += sum.cost_usd;
                s.tokens[i] += sum.total_tokens;
                s.total.merge(&sum);
            }
            s
        })
        .collect();
    out.sort_by(|a, b| by_cost(&a.total, &a.name, &b.total, &b.name));
    // A stack of more than eight colours cannot be told apart: the rest becomes `other`.
    if out.len() > MAX_SERIES {
        let tail = out.split_off(MAX_SERIES - 1);
        let mut other = Series {
            name: "other".into(),
            cost: vec![0.0; days],
            tokens: vec![0; days],
            total: Sum::default(),
        };
        for s in tail {
            for i in 0..days {
                other.cost[i] += s.cost[i];
                other.tokens[i] += s.tokens[i];
            }
            other.total.merge(&s.total);
        }
        out.push(other);
    }
    out
}

/// Series per stacked chart; more are folded into `other`.
const MAX_SERIES: usize = 8;

impl Overview {
    /// Aggregates `report` (grouped by [`HTML_DIMENSIONS`]) with the per-thread `tallies`
    /// and alert counts per thread. Breakdowns keep at most `max_bars` bars. No session is
    /// marked as having a page ([`SessionRow::detail`]) yet.
    pub fn build(
        report: &Report,
        tallies: &HashMap<String, Tally>,
        alerts: &HashMap<String, u64>,
        max_bars: usize,
    ) -> Overview {
        // Child rows repeat usage already in their root's rows: the breakdowns skip them.
        let own = || report.rows.iter().filter(|r| !r.key.contains_key("parent"));
        let days: BTreeSet<&str> = own().map(|r| key(r, "day")).collect();
        let days: Vec<String> = days.into_iter().map(str::to_owned).collect();
        let day_index: HashMap<&str, usize> = days
            .iter()
            .enumerate()
            .map(|(i, d)| (d.as_str(), i))
            .collect();
        let mut by_model: BTreeMap<String, BTreeMap<String, Sum>> = BTreeMap::new();
        let mut by_harness: BTreeMap<String, BTreeMap<String, Sum>> = BTreeMap::new();
        let mut dims: [HashMap<String, Sum>; 5] = Default::default();
        let names = ["model", "developer", "repo", "branch", "task_type"];
        for r in own() {
            let day = key(r, "day").to_owned();
            by_model
                .entry(key(r, "model").to_owned())
                .or_default()
                .entry(day.clone())
                .or_default()
                .add(&r.figures);
            let harness = tallies
                .get(key(r, "session"))
                .map_or("-", |t| t.harness.as_str());
            by_harness
                .entry(harness.to_owned())
                .or_default()
                .entry(day)
                .or_default()
                .add(&r.figures);
            for (i, d) in names.iter().enumerate() {
                dims[i]
                    .entry(key(r, d).to_owned())
                    .or_default()
                    .add(&r.figures);
            }
        }
        let [models, developer, repo, branch, task_type] = dims;
        let by_harness = if by_harness.len() > 1 {
            series(by_harness, &day_index, days.len())
        } else {
            Vec::new()
        };
        Overview {
            by_model: series(by_model, &day_index, days.len()),
            by_harness,
            models: fold(models, usize::MAX),
            developer: fold(developer, max_bars),
            repo: fold(repo, max_bars),
            branch: fold(branch, max_bars),
            task_type: fold(task_type, max_bars),
            sessions: session_rows(report, tallies, alerts),
            days,
        }
    }
}

/// One row per session key (root and child rows apart), with the tallies of the threads
/// it covers: a root row counts its own thread and its children, as its cost does.
fn session_rows(
    report: &Report,
    tallies: &HashMap<String, Tally>,
    alerts: &HashMap<String, u64>,
) -> Vec<SessionRow> {
    struct Acc<'a> {
        first: &'a crate::Row,
        day: &'a str,
        sum: Sum,
        models: HashMap<&'a str, f64>,
    }
    let mut acc: BTreeMap<(&str, Option<&str>), Acc> = BTreeMap::new();
    let mut children: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for r in &report.rows {
        let id = key(r, "session");
        let parent = r.key.get("parent").map(String::as_str);
        if let Some(p) = parent {
            children.entry(p).or_default().insert(id);
        }
        let a = acc.entry((id, parent)).or_insert_with(|| Acc {
            first: r,
            day: key(r, "day"),
            sum: Sum::default(),
            models: HashMap::new(),
        });
        a.sum.add(&r.figures);
        a.day = a.day.min(key(r, "day"));
        *a.models.entry(key(r, "model")).or_default() += r.figures.cost_usd.unwrap_or(0.0);
    }
    let mut rows: Vec<SessionRow> = acc
        .into_iter()
        .map(|((id, parent), a)| {
            let mut threads = vec![id];
            if parent.is_none() {
                threads.extend(children.get(id).into_iter().flatten().copied());
            }
            let t = |f: fn(&Tally) -> u64| -> u64 {
                threads
                    .iter()
                    .filter_map(|th| tallies.get(*th))
                    .map(f)
                    .sum()
            };
            let mut models: Vec<(&str, f64)> = a.models.into_iter().collect();
            models.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(y.0)));
            let own = tallies.get(id);
            SessionRow {
                id: id.to_owned(),
                parent: parent.map(str::to_owned),
                day: a.day.to_owned(),
                start_ms: own.and_then(|t| t.first_ms),
                models: models.into_iter().map(|(m, _)| m.to_owned()).collect(),
                developer: key(a.first, "developer").to_owned(),
                repo: key(a.first, "repo").to_owned(),
                branch: key(a.first, "branch").to_owned(),
                task_type: key(a.first, "task_type").to_owned(),
                harness: own.map_or_else(|| "-".to_owned(), |t| t.harness.clone()),
                sum: a.sum,
                tools: t(|x| x.tool_calls),
                failures: t(|x| x.tool_failures),
                errors: t(|x| x.errors),
                alerts: threads.iter().filter_map(|th| alerts.get(*th)).sum(),
                detail: false,
            }
        })
        .collect();
    rows.sort_by(|a, b| by_cost(&a.sum, &a.id, &b.sum, &b.id));
    rows
}

/// The sessions that get a page: the `top_n` most expensive root sessions, and every
/// session (root or child) named in `alerted`.
pub fn pick_detail<'a>(
    rows: &[SessionRow],
    top_n: usize,
    alerted: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<String> {
    let mut roots: Vec<&SessionRow> = rows.iter().filter(|r| r.parent.is_none()).collect();
    roots.sort_by(|a, b| by_cost(&a.sum, &a.id, &b.sum, &b.id));
    let mut out: BTreeSet<String> = roots.iter().take(top_n).map(|r| r.id.clone()).collect();
    out.extend(alerted.into_iter().map(str::to_owned));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Figures, Row};

    fn figures(tokens: u64, cost: Option<f64>) -> Figures {
        Figures {
            input_tokens: tokens,
            cached_input_tokens: tokens / 2,
            cache_write_input_tokens: 0,
            output_tokens: 10,
            reasoning_output_tokens: 1,
            total_tokens: tokens + 10,
            cost_usd: cost,
            unpriced_models: if cost.is_none() {
                vec!["mystery".into()]
            } else {
                vec![]
            },
            inferred_models: vec![],
            sessions: 1,
        }
    }

    fn row(kv: &[(&str, &str)], tokens: u64, cost: Option<f64>) -> Row {
        Row {
            key: kv
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            figures: figures(tokens, cost),
        }
    }

    fn report(rows: Vec<Row>) -> Report {
        Report {
            schema: crate::REPORT_SCHEMA,
            group_by: HTML_DIMENSIONS.iter().map(|d| d.as_str().into()).collect(),
            rows,
            totals: figures(0, Some(0.0)),
            warnings: vec![],
        }
    }

    fn r(day: &str, model: &str, dev: &str, session: &str, tokens: u64, cost: f64) -> Row {
        row(
            &[
                ("day", day),
                ("model", model),
                ("developer", dev),
                ("repo", "r1"),
                ("branch", "main"),
                ("task_type", "other"),
                ("session", session),
            ],
            tokens,
            Some(cost),
        )
    }

    #[test]
    fn sums_series_and_breakdowns_by_hand() {
        let mut child = r("2026-11-02", "gpt-5", "bo", "c", 50, 0.5);
        child.key.insert("parent".into(), "s1".into());
        let rep = report(vec![
            r("2026-11-01", "gpt-5", "al", "s1", 100, 1.0),
            r("2026-11-02", "gpt-5", "al", "s1", 200, 2.0),
            // The child's usage, rolled into its root s1 …
            r("2026-11-02", "gpt-5", "bo", "s1", 50, 0.5),
            // … and listed on its own.
            child,
            r("2026-11-02", "o3", "bo", "s2", 1000, 4.0),
        ]);
        let mut tallies = HashMap::new();
        for (id, tools, fails) in [("s1", 3, 1), ("c", 2, 2), ("s2", 0, 0)] {
            tallies.insert(
                id.to_owned(),
                Tally {
                    harness: "codex".into(),
                    tool_calls: tools,
                    tool_failures: fails,
                    ..Tally::default()
                },
            );
        }
        let alerts = HashMap::from([("c".to_owned(), 2)]);
        let o = Overview::build(&rep, &tallies, &alerts, 12);
        assert_eq!(o.days, ["2026-11-01", "2026-11-02"]);
        // o3 costs more than gpt-5 (4.0 against 3.5): first.
        assert_eq!(o.by_model[0].name, "o3");
        assert_eq!(o.by_model[0].cost, [0.0, 4.0]);
        assert_eq!(o.by_model[1].cost, [1.0, 2.5]);
        assert_eq!(o.by_model[1].tokens, [110, 270]);
        assert!(o.by_harness.is_empty(), "one harness: no harness series");
        assert_eq!(o.models.len(), 2);
        assert_eq!(o.models[1].sum.input_tokens, 350);
        // bo: 0.5 (child, rolled into s1) + 4.0 (s2); al: 3.0.
        assert_eq!(o.developer[0].name, "bo");
        assert!((o.developer[0].sum.cost_usd - 4.5).abs() < 1e-12);
        assert!((o.developer[1].sum.cost_usd - 3.0).abs() < 1e-12);
        // Sessions: s2 (4.0), s1 (3.5, with its child), then the child c (0.5).
        let ids: Vec<_> = o.sessions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["s2", "s1", "c"]);
        let s1 = &o.sessions[1];
        assert_eq!((s1.tools, s1.failures, s1.alerts), (5, 3, 2));
        assert_eq!(s1.day, "2026-11-01");
        assert_eq!(s1.sum.input_tokens, 350);
        let c = &o.sessions[2];
        assert_eq!(c.parent.as_deref(), Some("s1"));
        assert_eq!((c.tools, c.failures, c.alerts), (2, 2, 2));
        assert!(!o.sessions[0].detail);
    }

    #[test]
    fn stacks_by_harness_only_when_there_are_two() {
        let rep = report(vec![
            r("2026-11-01", "gpt-5", "al", "a", 100, 1.0),
            r("2026-11-02", "claude-opus-4-5", "al", "b", 10, 2.0),
            r("2026-11-02", "gpt-5", "al", "c", 10, 0.25),
        ]);
        let tally = |h: &str| Tally {
            harness: h.into(),
            ..Tally::default()
        };
        let tallies = HashMap::from([
            ("a".to_owned(), tally("codex")),
            ("b".to_owned(), tally("claude_code")),
            ("c".to_owned(), tally("codex")),
        ]);
        let o = Overview::build(&rep, &tallies, &HashMap::new(), 12);
        let names: Vec<_> = o.by_harness.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["claude_code", "codex"]);
        assert_eq!(o.by_harness[1].cost, [1.0, 0.25]);
        assert_eq!(o.by_harness[0].tokens, [0, 20]);
        assert_eq!(o.sessions[0].harness, "claude_code");
    }

    #[test]
    fn folds_the_tail_and_keeps_unpriced_visible() {
        let mut groups = HashMap::new();
        for (i, c) in [5.0, 1.0, 3.0, 2.0, 4.0].into_iter().enumerate() {
            let mut s = Sum::default();
            s.add(&figures(10, Some(c)));
            groups.insert(format!("v{i}"), s);
        }
        let mut s = Sum::default();
        s.add(&figures(7, None));
        groups.insert("mystery".into(), s);
        let bars = fold(groups, 4);
        let names: Vec<_> = bars.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["v0", "v4", "v2", "other"]);
        let other = &bars[3];
        // 2.0 + 1.0 + the unpriced group's 0.
        assert_eq!(other.folded, 3);
        assert!((other.sum.cost_usd - 3.0).abs() < 1e-12);
        assert!(
            other.sum.unpriced,
            "an unpriced value stays flagged after folding"
        );
        assert_eq!(other.sum.input_tokens, 10 + 10 + 7);
    }

    #[test]
    fn picks_top_n_roots_and_every_alerted_session() {
        let rep = report(vec![
            r("2026-11-01", "gpt-5", "al", "a", 1, 1.0),
            r("2026-11-01", "gpt-5", "al", "b", 1, 3.0),
            r("2026-11-01", "gpt-5", "al", "c", 1, 2.0),
        ]);
        let o = Overview::build(&rep, &HashMap::new(), &HashMap::new(), 12);
        let picked = pick_detail(&o.sessions, 2, ["a"]);
        assert_eq!(picked, BTreeSet::from(["a".into(), "b".into(), "c".into()]));
        let picked = pick_detail(&o.sessions, 1, []);
        assert_eq!(picked, BTreeSet::from(["b".into()]));
        assert_eq!(o.sessions[0].harness, "-");
    }
}
