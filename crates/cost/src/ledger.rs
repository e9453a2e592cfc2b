//! Roll-ups: usage and cost grouped by any set of dimensions.
//!
//! Sources reduce each thread to [`ThreadFacts`] (who, where, what) and a list of
//! [`UsageBucket`]s (usage of requests sharing a 15-minute slot, model, service tier and prompt
//! size class). Buckets are exact for pricing — every request in one is priced at the same
//! rates — and for any calendar roll-up in any time zone, since every zone offset is a multiple
//! of 15 minutes. The [`Ledger`] prices buckets and sums them into rows.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;

use agentobs_schema::{Timestamp, TokenUsage};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::{PriceBook, ServiceTier};

/// Length of a bucket's time slot.
pub const SLOT_MILLIS: i64 = 15 * 60 * 1000;

/// Prompt-size classes: the long-context thresholds of the price book fall on these bounds
/// (128k, 200k, 272k prompt tokens), so a class is priced exactly.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct PromptClass(pub u8);

impl PromptClass {
    /// Upper bounds (inclusive) of classes 0, 1, 2; class 3 is above the last.
    pub const BOUNDS: [u64; 3] = [128_000, 200_000, 272_000];

    /// The class of a request with this many prompt tokens.
    pub fn of(prompt_tokens: u64) -> Self {
        PromptClass(Self::BOUNDS.iter().filter(|b| prompt_tokens > **b).count() as u8)
    }

    /// A prompt size inside the class, used to pick the price tier.
    pub fn representative(self) -> u64 {
        match self.0 {
            0 => 0,
            n => {
                let i = usize::from(n).saturating_sub(1);
                Self::BOUNDS
                    .get(i)
                    .or(Self::BOUNDS.last())
                    .map_or(0, |b| b.saturating_add(1))
            }
        }
    }
}

/// Usage of the requests of one thread that share slot, model, tier and prompt class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageBucket {
    /// Start of the 15-minute slot (UTC).
    pub slot: Timestamp,
    /// Model name as reported (or inferred).
    pub model: String,
    /// The model was inferred, not reported.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub model_inferred: bool,
    /// Service tier reported by the source, when it reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<ServiceTier>,
    /// Prompt-size class.
    #[serde(default)]
    pub prompt_class: PromptClass,
    /// Summed usage.
    pub usage: TokenUsage,
    /// Number of requests.
    pub requests: u64,
}

/// Adds one request to a bucket list, merging with an existing bucket when all keys match.
pub fn add_request(
    buckets: &mut Vec<UsageBucket>,
    at: Timestamp,
    model: &str,
    model_inferred: bool,
    service_tier: Option<ServiceTier>,
    prompt_tokens: u64,
    usage: TokenUsage,
) {
    let slot = Timestamp::from_unix_millis(
        at.unix_millis()
            .div_euclid(SLOT_MILLIS)
            .saturating_mul(SLOT_MILLIS),
    );
    let class = PromptClass::of(prompt_tokens);
    // Requests arrive in time order: the match is almost always among the last few buckets.
    for b in buckets.iter_mut().rev().take(8) {
        if b.slot == slot
            && b.prompt_class == class
            && b.service_tier == service_tier
            && b.model_inferred == model_inferred
            && b.model == model
        {
            b.usage += usage;
            b.requests = b.requests.saturating_add(1);
            return;
        }
    }
    buckets.push(UsageBucket {
        slot,
        model: model.to_owned(),
        model_inferred,
        service_tier,
        prompt_class: class,
        usage,
        requests: 1,
    });
}

/// What a thread is, for grouping. Strings are already normalised by the source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadFacts {
    /// The thread's id.
    pub thread_id: String,
    /// The thread it was forked or spawned from, when any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Normalised repository (e.g. `github.com/acme/widgets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Git branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Developer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer: Option<String>,
    /// Originating client (`codex_cli_rs`, `codex_exec`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub originator: Option<String>,
    /// Session source (`cli`, `exec`, `vscode`, `subagent`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Task type from the user's rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// The harness that wrote the thread (`codex`, `claude_code`, `gemini_cli`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness: Option<String>,
}

/// A grouping dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Dimension {
    /// Calendar day in the report's time zone (`2026-11-10`).
    Day,
    /// ISO week (`2026-W46`).
    Week,
    /// Calendar month (`2026-11`).
    Month,
    /// Session: forks and sub-agents roll up into their root, and are listed on their own.
    Session,
    /// Model.
    Model,
    /// Repository.
    Repo,
    /// Branch.
    Branch,
    /// Developer.
    Developer,
    /// Originator.
    Originator,
    /// Session source.
    Source,
    /// Task type.
    TaskType,
    /// The harness that wrote the thread: `codex`, `claude_code`, `gemini_cli`.
    Harness,
}

impl Dimension {
    /// The name used on the command line and as JSON key.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Day => "day",
            Dimension::Week => "week",
            Dimension::Month => "month",
            Dimension::Session => "session",
            Dimension::Model => "model",
            Dimension::Repo => "repo",
            Dimension::Branch => "branch",
            Dimension::Developer => "developer",
            Dimension::Originator => "originator",
            Dimension::Source => "source",
            Dimension::TaskType => "task_type",
            Dimension::Harness => "harness",
        }
    }

    /// Every dimension.
    pub const ALL: [Dimension; 12] = [
        Dimension::Day,
        Dimension::Week,
        Dimension::Month,
        Dimension::Session,
        Dimension::Model,
        Dimension::Repo,
        Dimension::Branch,
        Dimension::Developer,
        Dimension::Originator,
        Dimension::Source,
        Dimension::TaskType,
        Dimension::Harness,
    ];
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Dimension {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == s || (s == "task" && *d == Dimension::TaskType))
            .ok_or_else(|| {
                format!(
                    "unknown dimension {s:?} (one of: {})",
                    Dimension::ALL.map(Dimension::as_str).join(", ")
                )
            })
    }
}

/// How to choose the service tier a bucket is billed at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierPolicy {
    /// Bill everything at this tier (a command-line choice).
    pub forced: Option<ServiceTier>,
    /// The tier when the source did not say (e.g. Codex `config.toml` `service_tier`).
    pub default: Option<ServiceTier>,
}

impl TierPolicy {
    /// The tier for a bucket.
    pub fn tier(&self, reported: Option<ServiceTier>) -> ServiceTier {
        self.forced
            .or(reported)
            .or(self.default)
            .unwrap_or_default()
    }
}

/// Per-token rates (plain input, cached, cache write, one-hour cache write, output) of a model at a tier and prompt
/// class; `None` when the model has no price.
type RatesFor = ((ServiceTier, PromptClass), Option<[f64; 5]>);

/// The key of a row: one value per dimension, in the order asked.
pub type RowKey = Vec<(Dimension, String)>;

/// One row of a roll-up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LedgerRow {
    /// Summed usage.
    pub usage: TokenUsage,
    /// Summed cost of the priced part.
    pub cost_usd: f64,
    /// Models in this row without a price (the row's cost is then unknown).
    pub unpriced_models: BTreeSet<String>,
    /// Models in this row that were inferred.
    pub inferred_models: BTreeSet<String>,
    /// Distinct threads in this row.
    pub sessions: u64,
    /// The `add_thread` call that last counted a thread here.
    last_thread: u64,
    /// Requests.
    pub requests: u64,
    /// For session rows of forks and sub-agents: the root session they roll up into.
    pub parent: Option<String>,
}

impl LedgerRow {
    fn add(&mut self, thread: u64, b: &UsageBucket, cost: Option<f64>) {
        self.usage += b.usage;
        self.requests = self.requests.saturating_add(b.requests);
        match cost {
            Some(c) => self.cost_usd += c,
            None if !self.unpriced_models.contains(&b.model) => {
                self.unpriced_models.insert(b.model.clone());
            }
            None => {}
        }
        if b.model_inferred && !self.inferred_models.contains(&b.model) {
            self.inferred_models.insert(b.model.clone());
        }
        if self.last_thread != thread {
            self.last_thread = thread;
            self.sessions = self.sessions.saturating_add(1);
        }
    }

    /// The cost, or `None` when a model in the row has no price.
    pub fn cost(&self) -> Option<f64> {
        self.unpriced_models.is_empty().then_some(self.cost_usd)
    }
}

/// Prices buckets and groups them into rows.
///
/// ```
/// use agentobs_cost::{Dimension, Ledger, PriceBook, ThreadFacts, TierPolicy, ledger::add_request};
/// use agentobs_schema::{Timestamp, TokenUsage};
///
/// let mut buckets = Vec::new();
/// let at = Timestamp::parse_rfc3339("2026-11-10T23:30:00Z").unwrap();
/// let usage = TokenUsage { input_tokens: 1_000_000, output_tokens: 100_000, ..Default::default() };
/// add_request(&mut buckets, at, "gpt-5", false, None, 1_000_000, usage);
/// let mut ledger = Ledger::new(vec![Dimension::Day], jiff::tz::TimeZone::UTC, PriceBook::embedded(), TierPolicy::default());
/// ledger.add_thread(&ThreadFacts { thread_id: "t1".into(), ..Default::default() }, &buckets);
/// let (key, row) = ledger.rows().next().unwrap();
/// assert_eq!(key[0].1, "2026-11-10");
/// assert!((row.cost().unwrap() - 2.25).abs() < 1e-9); // 1M × $1.25 + 0.1M × $10
/// ```
#[derive(Debug)]
pub struct Ledger {
    dims: Vec<Dimension>,
    tz: TimeZone,
    book: PriceBook,
    policy: TierPolicy,
    rows: BTreeMap<RowKey, LedgerRow>,
    totals: LedgerRow,
    roots: HashMap<String, String>,
    parents: HashMap<String, String>,
    since: Option<jiff::civil::Date>,
    until: Option<jiff::civil::Date>,
    price_cache: HashMap<String, Vec<RatesFor>>,
    calendar: HashMap<(i64, Dimension), String>,
    threads_added: u64,
}

impl Ledger {
    /// A ledger grouping by `dims` (none: one row), calendar dimensions in `tz`.
    pub fn new(dims: Vec<Dimension>, tz: TimeZone, book: PriceBook, policy: TierPolicy) -> Self {
        Ledger {
            dims,
            tz,
            book,
            policy,
            rows: BTreeMap::new(),
            totals: LedgerRow::default(),
            roots: HashMap::new(),
            parents: HashMap::new(),
            since: None,
            until: None,
            price_cache: HashMap::new(),
            calendar: HashMap::new(),
            threads_added: 0,
        }
    }

    /// Keeps only usage on or after `since` and on or before `until` (local dates, inclusive).
    pub fn with_dates(
        mut self,
        since: Option<jiff::civil::Date>,
        until: Option<jiff::civil::Date>,
    ) -> Self {
        self.since = since;
        self.until = until;
        self
    }

    /// Declares thread lineage before adding usage: `child` was forked or spawned from
    /// `parent`. Needed for session roll-ups when a parent is added after its child.
    pub fn link(&mut self, child: &str, parent: &str) {
        if child != parent {
            self.parents.insert(child.to_owned(), parent.to_owned());
            self.roots.clear();
        }
    }

    fn root_of(&mut self, thread: &str) -> String {
        if let Some(r) = self.roots.get(thread) {
            return r.clone();
        }
        let mut cur = thread.to_owned();
        let mut hops = 0u32;
        while let Some(p) = self.parents.get(&cur) {
            cur = p.clone();
            hops = hops.saturating_add(1);
            if hops > 64 {
                break; // a cycle in bad input: stop
            }
        }
        self.roots.insert(thread.to_owned(), cur.clone());
        cur
    }

    /// Rates per token (plain input, cached, cache write, output) for a bucket, or `None`.
    fn rates(&mut self, b: &UsageBucket) -> Option<[f64; 5]> {
        let tier = self.policy.tier(b.service_tier);
        let key = (tier, b.prompt_class);
        if let Some(r) = self
            .price_cache
            .get(b.model.as_str())
            .and_then(|v| v.iter().find(|(k, _)| *k == key))
        {
            return r.1;
        }
        // Price one token of each class at the bucket's tier and prompt class.
        let rep = b.prompt_class.representative();
        let unit = |u: TokenUsage| self.book.price(&b.model, &u, rep, tier);
        let one = |f: fn(&mut TokenUsage)| {
            let mut u = TokenUsage::default();
            f(&mut u);
            u
        };
        let r = (|| {
            let input = unit(one(|u| u.input_tokens = 1))?.total_usd();
            let cached = unit(one(|u| {
                u.input_tokens = 1;
                u.cached_input_tokens = 1;
            }))?
            .total_usd();
            let write = unit(one(|u| {
                u.input_tokens = 1;
                u.cache_write_input_tokens = 1;
            }))?
            .total_usd();
            let write_1h = unit(one(|u| {
                u.input_tokens = 1;
                u.cache_write_input_tokens = 1;
                u.cache_write_1h_input_tokens = 1;
            }))?
            .total_usd();
            let output = unit(one(|u| u.output_tokens = 1))?.total_usd();
            Some([input, cached, write, write_1h, output])
        })();
        self.price_cache
            .entry(b.model.clone())
            .or_default()
            .push((key, r));
        r
    }

    fn cost(&mut self, b: &UsageBucket) -> Option<f64> {
        let [p_in, p_cached, p_write, p_write_1h, p_out] = self.rates(b)?;
        let u = &b.usage;
        let write_1h = u
            .cache_write_1h_input_tokens
            .min(u.cache_write_input_tokens);
        let write_5m = u.cache_write_input_tokens.saturating_sub(write_1h);
        Some(
            u.uncached_input_tokens() as f64 * p_in
                + u.cached_input_tokens as f64 * p_cached
                + write_5m as f64 * p_write
                + write_1h as f64 * p_write_1h
                + u.output_tokens as f64 * p_out,
        )
    }

    fn value(&mut self, d: Dimension, f: &ThreadFacts, b: &UsageBucket, session: &str) -> String {
        let none = || "-".to_owned();
        match d {
            Dimension::Day | Dimension::Week | Dimension::Month => {
                if let Some(v) = self.calendar.get(&(b.slot.unix_millis(), d)) {
                    return v.clone();
                }
                let zoned = jiff::Timestamp::from_millisecond(b.slot.unix_millis())
                    .map(|t| t.to_zoned(self.tz.clone()));
                let v = match zoned {
                    Ok(z) => {
                        let date = z.date();
                        match d {
                            Dimension::Day => date.to_string(),
                            Dimension::Month => format!("{:04}-{:02}", date.year(), date.month()),
                            _ => {
                                let w = date.iso_week_date();
                                format!("{:04}-W{:02}", w.year(), w.week())
                            }
                        }
                    }
                    Err(_) => none(),
                };
                self.calendar.insert((b.slot.unix_millis(), d), v.clone());
                v
            }
            Dimension::Session => session.to_owned(),
            Dimension::Model => b.model.clone(),
            Dimension::Repo => f.repo.clone().unwrap_or_else(none),
            Dimension::Branch => f.branch.clone().unwrap_or_else(none),
            Dimension::Developer => f.developer.clone().unwrap_or_else(none),
            Dimension::Originator => f.originator.clone().unwrap_or_else(none),
            Dimension::Source => f.source.clone().unwrap_or_else(none),
            Dimension::TaskType => f.task_type.clone().unwrap_or_else(|| "other".into()),
            Dimension::Harness => f.harness.clone().unwrap_or_else(none),
        }
    }

    fn in_range(&self, slot: Timestamp) -> bool {
        in_local_dates(slot, &self.tz, self.since, self.until)
    }

    /// Adds a thread's buckets. Each thread is added once (its `sessions` count is one per
    /// call).
    pub fn add_thread(&mut self, facts: &ThreadFacts, buckets: &[UsageBucket]) {
        self.threads_added = self.threads_added.saturating_add(1);
        let seq = self.threads_added;
        if let Some(p) = &facts.parent_id {
            self.link(&facts.thread_id, p);
        }
        let by_session = self.dims.contains(&Dimension::Session);
        let root = if by_session {
            self.root_of(&facts.thread_id)
        } else {
            facts.thread_id.clone()
        };
        for b in buckets {
            if !self.in_range(b.slot) {
                continue;
            }
            let cost = self.cost(b);
            self.totals.add(seq, b, cost);
            let mut key: RowKey = Vec::with_capacity(self.dims.len());
            for i in 0..self.dims.len() {
                let d = self.dims[i];
                key.push((d, self.value(d, facts, b, &root)));
            }
            self.rows.entry(key).or_default().add(seq, b, cost);
            if by_session && root != facts.thread_id {
                let mut key: RowKey = Vec::with_capacity(self.dims.len());
                for i in 0..self.dims.len() {
                    let d = self.dims[i];
                    key.push((d, self.value(d, facts, b, &facts.thread_id)));
                }
                let row = self.rows.entry(key).or_default();
                row.parent = Some(root.clone());
                row.add(seq, b, cost);
            }
        }
    }

    /// The rows, ordered by key (for sessions, each root before its children).
    pub fn rows(&self) -> impl Iterator<Item = (&RowKey, &LedgerRow)> {
        let mut v: Vec<_> = self.rows.iter().collect();
        if self.dims.contains(&Dimension::Session) {
            let sort_key = |k: &RowKey, r: &LedgerRow| -> RowKey {
                k.iter()
                    .map(|(d, v)| {
                        if *d == Dimension::Session {
                            let root = r.parent.clone().unwrap_or_else(|| v.clone());
                            let child = if r.parent.is_some() {
                                v.clone()
                            } else {
                                String::new()
                            };
                            (*d, format!("{root}\u{0}{child}"))
                        } else {
                            (*d, v.clone())
                        }
                    })
                    .collect()
            };
            v.sort_by_cached_key(|(k, r)| sort_key(k, r));
        }
        v.into_iter()
    }

    /// The totals: every bucket once (child session rows are not added again).
    pub fn totals(&self) -> &LedgerRow {
        &self.totals
    }

    /// The dimensions.
    pub fn dims(&self) -> &[Dimension] {
        &self.dims
    }
}

/// True when `at`'s date in `tz` lies from `since` to `until` (inclusive; `None`: open). The
/// one date filter of `report`, `map` and `export`.
pub fn in_local_dates(
    at: Timestamp,
    tz: &jiff::tz::TimeZone,
    since: Option<jiff::civil::Date>,
    until: Option<jiff::civil::Date>,
) -> bool {
    if since.is_none() && until.is_none() {
        return true;
    }
    let Ok(t) = jiff::Timestamp::from_millisecond(at.unix_millis()) else {
        return false;
    };
    let date = t.to_zoned(tz.clone()).date();
    since.is_none_or(|s| date >= s) && until.is_none_or(|u| date <= u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn ledger(dims: Vec<Dimension>) -> Ledger {
        Ledger::new(
            dims,
            TimeZone::UTC,
            PriceBook::embedded(),
            TierPolicy::default(),
        )
    }

    fn thread(id: &str) -> ThreadFacts {
        ThreadFacts {
            thread_id: id.into(),
            ..Default::default()
        }
    }

    fn u(i: u64, c: u64, o: u64) -> TokenUsage {
        TokenUsage {
            input_tokens: i,
            cached_input_tokens: c,
            output_tokens: o,
            ..TokenUsage::default()
        }
    }

    #[test]
    fn prompt_classes() {
        assert_eq!(PromptClass::of(0), PromptClass(0));
        assert_eq!(PromptClass::of(128_000), PromptClass(0));
        assert_eq!(PromptClass::of(200_001), PromptClass(2));
        assert_eq!(PromptClass::of(272_001), PromptClass(3));
        assert_eq!(PromptClass(3).representative(), 272_001);
    }

    #[test]
    fn tier_is_chosen_per_request() {
        // gpt-5.4: 2.50 / 0.25 / 15.00; above 272k: 5.00 / 0.50 / 22.50 (per 1M).
        let mut b = Vec::new();
        let t = at("2026-11-10T10:00:00Z");
        add_request(
            &mut b,
            t,
            "gpt-5.4",
            false,
            None,
            100_000,
            u(100_000, 0, 1_000),
        );
        add_request(
            &mut b,
            t,
            "gpt-5.4",
            false,
            None,
            300_000,
            u(300_000, 0, 1_000),
        );
        assert_eq!(b.len(), 2);
        let mut l = ledger(vec![]);
        l.add_thread(&thread("a"), &b);
        // 100k×2.5 + 1k×15 = 0.25 + 0.015 = 0.265; 300k×5 + 1k×22.5 = 1.5 + 0.0225 = 1.5225
        let cost = l.totals().cost().unwrap();
        assert!((cost - 1.7875).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn unknown_model_makes_the_row_unpriced() {
        let mut b = Vec::new();
        let t = at("2026-11-10T10:00:00Z");
        add_request(&mut b, t, "gpt-5", false, None, 10, u(10, 0, 1));
        add_request(&mut b, t, "mystery-model", false, None, 10, u(10, 0, 1));
        let mut l = ledger(vec![Dimension::Model]);
        l.add_thread(&thread("a"), &b);
        let rows: Vec<_> = l
            .rows()
            .map(|(k, r)| (k[0].1.clone(), r.cost().is_some()))
            .collect();
        assert_eq!(
            rows,
            [("gpt-5".into(), true), ("mystery-model".into(), false)]
        );
        assert_eq!(l.totals().cost(), None);
        assert!(l.totals().unpriced_models.contains("mystery-model"));
    }

    #[test]
    fn days_follow_the_time_zone() {
        let mut b = Vec::new();
        add_request(
            &mut b,
            at("2026-11-10T23:30:00Z"),
            "gpt-5",
            false,
            None,
            1,
            u(1, 0, 0),
        );
        let tz = TimeZone::get("Asia/Kolkata").unwrap(); // +05:30
        let mut l = Ledger::new(
            vec![Dimension::Day, Dimension::Week, Dimension::Month],
            tz,
            PriceBook::embedded(),
            TierPolicy::default(),
        );
        l.add_thread(&thread("a"), &b);
        let (k, _) = l.rows().next().unwrap();
        assert_eq!(k[0].1, "2026-11-11");
        assert_eq!(k[1].1, "2026-W46");
        assert_eq!(k[2].1, "2026-11");
    }

    #[test]
    fn children_roll_up_into_their_root() {
        let t = at("2026-11-10T10:00:00Z");
        let mut parent = Vec::new();
        add_request(&mut parent, t, "gpt-5", false, None, 1, u(100, 0, 10));
        let mut child = Vec::new();
        add_request(&mut child, t, "gpt-5", false, None, 1, u(50, 0, 5));
        let mut l = ledger(vec![Dimension::Session]);
        l.add_thread(
            &ThreadFacts {
                thread_id: "child".into(),
                parent_id: Some("root".into()),
                ..Default::default()
            },
            &child,
        );
        l.add_thread(&thread("root"), &parent);
        let rows: Vec<_> = l
            .rows()
            .map(|(k, r)| (k[0].1.clone(), r.parent.clone(), r.usage.input_tokens))
            .collect();
        assert_eq!(
            rows,
            [
                ("root".into(), None, 150),
                ("child".into(), Some("root".into()), 50)
            ]
        );
        assert_eq!(l.totals().usage.input_tokens, 150);
    }

    #[test]
    fn service_tier_policy() {
        let p = TierPolicy {
            forced: None,
            default: Some(ServiceTier::Priority),
        };
        assert_eq!(p.tier(None), ServiceTier::Priority);
        assert_eq!(p.tier(Some(ServiceTier::Flex)), ServiceTier::Flex);
        let p = TierPolicy {
            forced: Some(ServiceTier::Standard),
            default: None,
        };
        assert_eq!(p.tier(Some(ServiceTier::Flex)), ServiceTier::Standard);
    }
}
