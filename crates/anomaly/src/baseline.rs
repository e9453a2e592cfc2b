//! Baselines: what normal sessions look like, learned from history, so that rules can say
//! "above 2 × the p95" instead of guessing absolute numbers.
//!
//! [`BaselineBuilder`] is an [`EventSink`]: feed it the events of past sessions, then
//! [`finish`](BaselineBuilder::finish) gives [`Baselines`] — one [`BaselineStats`] for all
//! sessions, and one per repository, per model and per (repository, model) that has at
//! least `min_sessions` sessions. Its JSON form, `agentobs.baseline/v1`, is what
//! `agentobs baseline --output FILE` writes and `agentobs check --baseline FILE` reads.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use agentobs_schema::{Event, EventKind, EventSink, SourceEnd, Warning};
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::rule::{Context, Rule};

/// Schema id of a baseline file.
pub const BASELINE_SCHEMA: &str = "agentobs.baseline/v1";

/// Default least number of sessions a group needs to get its own baseline.
pub const DEFAULT_MIN_SESSIONS: u64 = 20;

/// Quantiles of one measure over a group's samples (nearest-rank).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// Number of samples.
    pub samples: u64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Largest sample.
    pub max: f64,
}

impl Quantiles {
    /// Quantiles of `values` (sorted in place); `None` when there are none.
    pub fn of(values: &mut [f64]) -> Option<Quantiles> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        Some(Quantiles {
            samples: values.len() as u64,
            p50: nearest_rank(values, 0.50),
            p95: nearest_rank(values, 0.95),
            max: values.last().copied().unwrap_or(0.0),
        })
    }
}

/// The nearest-rank quantile `q` of sorted, non-empty `values`.
pub(crate) fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let rank = (q * n as f64).ceil() as usize;
    sorted
        .get(rank.clamp(1, n.max(1)) - 1)
        .copied()
        .unwrap_or(0.0)
}

/// What normal looks like for one group of sessions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct BaselineStats {
    /// The repository (`host/owner/repo`) of the group; `None`: any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The model of the group; `None`: any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Sessions in the group.
    pub sessions: u64,
    /// Billed tokens per session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_tokens: Option<Quantiles>,
    /// Cost per session, USD (priced sessions only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_cost_usd: Option<Quantiles>,
    /// Tool calls per session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_tool_calls: Option<Quantiles>,
    /// Billed tokens per turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_tokens: Option<Quantiles>,
    /// Duration of a model API request, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_duration_ms: Option<Quantiles>,
    /// Duration of a turn, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_duration_ms: Option<Quantiles>,
}

/// Baselines for groups of sessions, learned by [`BaselineBuilder`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Baselines {
    /// Always [`BASELINE_SCHEMA`].
    pub schema: String,
    /// The least number of sessions a group needed.
    #[serde(default)]
    pub min_sessions: u64,
    /// The groups, most general first.
    #[serde(default)]
    pub groups: Vec<BaselineStats>,
}

/// Why a baseline file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a baseline.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

impl Baselines {
    /// No baselines: every rule falls back on its absolute defaults.
    pub fn none() -> Baselines {
        Baselines {
            schema: BASELINE_SCHEMA.to_owned(),
            min_sessions: DEFAULT_MIN_SESSIONS,
            groups: Vec::new(),
        }
    }

    /// Reads a baseline file written by [`Baselines::to_json`].
    pub fn load(path: &Path) -> Result<Baselines, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Baselines::from_json(&text, &path.display().to_string())
    }

    /// Parses the JSON form; `origin` names the text in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Baselines, BaselineError> {
        let parse_error = |line, column, message| BaselineError::Parse {
            path: origin.to_owned(),
            line,
            column,
            message,
        };
        let b: Baselines =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
                let text = e.to_string();
                let message = match text.rfind(" at line ") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                };
                parse_error(e.line(), e.column(), message)
            })?;
        if b.schema != BASELINE_SCHEMA {
            return Err(parse_error(
                1,
                1,
                format!("schema {:?}, expected {BASELINE_SCHEMA:?}", b.schema),
            ));
        }
        Ok(b)
    }

    /// The JSON form, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The most specific group for a session of `repo` and `model`: (repo, model), then
    /// model, then repo, then all.
    pub fn lookup(&self, repo: Option<&str>, model: Option<&str>) -> Option<&BaselineStats> {
        let find = |r: Option<&str>, m: Option<&str>| {
            self.groups
                .iter()
                .find(|g| g.repo.as_deref() == r && g.model.as_deref() == m)
        };
        let exact = match (repo, model) {
            (Some(_), Some(_)) => find(repo, model),
            _ => None,
        };
        exact
            .or_else(|| model.and_then(|m| find(None, Some(m))))
            .or_else(|| repo.and_then(|r| find(Some(r), None)))
            .or_else(|| find(None, None))
    }
}

/// Samples of one group.
#[derive(Debug, Default)]
struct Samples {
    sessions: u64,
    session_tokens: Vec<f64>,
    session_cost_usd: Vec<f64>,
    session_tool_calls: Vec<f64>,
    turn_tokens: Vec<f64>,
    api_duration_ms: Vec<f64>,
    turn_duration_ms: Vec<f64>,
}

type GroupKey = (Option<Arc<str>>, Option<Arc<str>>);

/// Per-session samples the collecting rule keeps until the session ends.
#[derive(Debug, Default)]
struct Collecting {
    turn_tokens: Vec<f64>,
    api_duration_ms: Vec<f64>,
    turn_duration_ms: Vec<f64>,
    last_turn_tokens: u64,
    in_turn: bool,
}

/// The rule that collects baseline samples (it never raises).
#[derive(Debug, Default)]
struct Collect {
    groups: Arc<Mutex<BTreeMap<GroupKey, Samples>>>,
}

impl Rule for Collect {
    type State = Collecting;

    fn id(&self) -> &str {
        "baseline"
    }

    fn event(&self, st: &mut Collecting, event: &Event, cx: &mut Context<'_>) {
        match &event.kind {
            EventKind::TurnStarted(_) => {
                if st.in_turn {
                    st.turn_tokens.push(st.last_turn_tokens as f64);
                }
                st.in_turn = true;
                st.last_turn_tokens = 0;
            }
            EventKind::TokenUsage(_) => st.last_turn_tokens = cx.session().turn_tokens,
            EventKind::TurnCompleted(t) => {
                if st.in_turn {
                    st.turn_tokens.push(cx.session().turn_tokens as f64);
                }
                st.in_turn = false;
                if let Some(d) = t.duration_ms {
                    st.turn_duration_ms.push(d as f64);
                }
            }
            EventKind::ApiRequest(r) => {
                if let Some(d) = r.duration_ms {
                    st.api_duration_ms.push(d as f64);
                }
            }
            _ => {}
        }
    }

    fn session_end(&self, st: &mut Collecting, cx: &mut Context<'_>) {
        if st.in_turn {
            st.turn_tokens.push(st.last_turn_tokens as f64);
        }
        let s = cx.session();
        if s.requests == 0 && s.tool_calls == 0 {
            return; // nothing happened: not a session worth learning from
        }
        let repo = s.repo.clone();
        let model: Option<Arc<str>> = s.model().map(Arc::from);
        let keys: [GroupKey; 4] = [
            (None, None),
            (None, model.clone()),
            (repo.clone(), None),
            (repo, model),
        ];
        let mut groups = self.groups.lock().unwrap_or_else(PoisonError::into_inner);
        let mut seen: Vec<&GroupKey> = Vec::with_capacity(4);
        for key in &keys {
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let g = groups.entry(key.clone()).or_default();
            g.sessions += 1;
            g.session_tokens.push(s.tokens() as f64);
            if s.unpriced_requests == 0 {
                g.session_cost_usd.push(s.cost_usd);
            }
            g.session_tool_calls.push(s.tool_calls as f64);
            g.turn_tokens.extend_from_slice(&st.turn_tokens);
            g.api_duration_ms.extend_from_slice(&st.api_duration_ms);
            g.turn_duration_ms.extend_from_slice(&st.turn_duration_ms);
        }
    }
}

/// Learns [`Baselines`] from the events of past sessions.
#[derive(Debug)]
pub struct BaselineBuilder {
    engine: Engine,
    groups: Arc<Mutex<BTreeMap<GroupKey, Samples>>>,
}

impl BaselineBuilder {
    /// A builder pricing sessions with `book`.
    pub fn new(book: agentobs_cost::PriceBook) -> Self {
        let collect = Collect::default();
        let groups = collect.groups.clone();
        let engine = Engine::builder().price_book(book).rule(collect).build();
        BaselineBuilder { engine, groups }
    }

    /// Ends every open session and computes the baselines of the groups with at least
    /// `min_sessions` sessions (the group of all sessions is always kept when it has any).
    pub fn finish(mut self, min_sessions: u64) -> Baselines {
        let _ = self.engine.finish();
        let groups =
            std::mem::take(&mut *self.groups.lock().unwrap_or_else(PoisonError::into_inner));
        let mut out = Baselines::none();
        out.min_sessions = min_sessions;
        for ((repo, model), mut s) in groups {
            let general = repo.is_none() && model.is_none();
            if s.sessions < min_sessions && !general {
                continue;
            }
            out.groups.push(BaselineStats {
                repo: repo.map(|r| r.to_string()),
                model: model.map(|m| m.to_string()),
                sessions: s.sessions,
                session_tokens: Quantiles::of(&mut s.session_tokens),
                session_cost_usd: Quantiles::of(&mut s.session_cost_usd),
                session_tool_calls: Quantiles::of(&mut s.session_tool_calls),
                turn_tokens: Quantiles::of(&mut s.turn_tokens),
                api_duration_ms: Quantiles::of(&mut s.api_duration_ms),
                turn_duration_ms: Quantiles::of(&mut s.turn_duration_ms),
            });
        }
        out
    }
}

impl EventSink for BaselineBuilder {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.engine.event(event)
    }

    fn warning(&mut self, warning: &Warning) {
        self.engine.warning(warning);
    }

    fn end(&mut self, end: &SourceEnd) {
        self.engine.end(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_by_hand() {
        // 20 values 1..=20: p95 is the 19th (ceil(0.95·20) = 19), p50 the 10th.
        let mut v: Vec<f64> = (1..=20).map(f64::from).collect();
        let q = Quantiles::of(&mut v).unwrap();
        assert_eq!((q.samples, q.p50, q.p95, q.max), (20, 10.0, 19.0, 20.0));
        // One value: every quantile is it.
        let q = Quantiles::of(&mut [7.0]).unwrap();
        assert_eq!((q.p50, q.p95), (7.0, 7.0));
        assert_eq!(Quantiles::of(&mut []), None);
    }

    #[test]
    fn lookup_prefers_the_most_specific_group() {
        let group = |repo: Option<&str>, model: Option<&str>, sessions| BaselineStats {
            repo: repo.map(Into::into),
            model: model.map(Into::into),
            sessions,
            ..BaselineStats::default()
        };
        let mut b = Baselines::none();
        b.groups = vec![
            group(None, None, 100),
            group(None, Some("gpt-5"), 40),
            group(Some("r"), None, 30),
            group(Some("r"), Some("gpt-5"), 25),
        ];
        assert_eq!(b.lookup(Some("r"), Some("gpt-5")).unwrap().sessions, 25);
        assert_eq!(b.lookup(Some("other"), Some("gpt-5")).unwrap().sessions, 40);
        assert_eq!(b.lookup(Some("r"), Some("o3")).unwrap().sessions, 30);
        assert_eq!(b.lookup(None, None).unwrap().sessions, 100);
        assert_eq!(Baselines::none().lookup(None, None), None);
    }

    #[test]
    fn json_round_trips_and_errors_name_the_place() {
        let mut b = Baselines::none();
        b.groups.push(BaselineStats {
            sessions: 3,
            session_tokens: Quantiles::of(&mut [1.0, 2.0, 3.0]),
            ..BaselineStats::default()
        });
        let text = b.to_json();
        assert_eq!(Baselines::from_json(&text, "b.json").unwrap(), b);
        let err = Baselines::from_json("{\n  \"schema\": 3\n}", "b.json").unwrap_err();
        assert!(err.to_string().starts_with("b.json:2:"), "{err}");
        let err = Baselines::from_json(r#"{"schema":"x"}"#, "b.json").unwrap_err();
        assert!(
            err.to_string()
                .contains("expected \"agentobs.baseline/v1\""),
            "{err}"
        );
    }
}
