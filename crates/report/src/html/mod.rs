//! One self-contained HTML page of a report: charts, breakdowns, a session table and a page
//! per chosen session, readable offline.
//!
//! Everything is aggregated here, in Rust; the page gets the result as JSON in a
//! `<script type="application/json">` block and draws it with the embedded Chart.js (see
//! the crate README for why that library). The page makes no network request: its
//! Content-Security-Policy forbids every fetch.
//!
//! The parts come from three places:
//! - the report itself ([`crate::run`] grouped by [`HTML_DIMENSIONS`]), for every figure of
//!   cost and tokens;
//! - one pass of the event stream over every file into [`Tallies`] (tool calls, failures,
//!   errors per thread), usually next to an anomaly engine whose alerts become
//!   [`AlertNote`]s;
//! - a second pass over the files of the chosen sessions only ([`pick_detail`]: the top N
//!   by cost and every session with an alert) into a [`DetailSink`].
//!
//! ```
//! use std::collections::{BTreeMap, HashMap};
//! use agentobs_report::html::{HtmlOptions, Overview, Page, render};
//!
//! let report = agentobs_report::Report::from_ledger(
//!     &agentobs_cost::Ledger::new(
//!         agentobs_report::html::HTML_DIMENSIONS.to_vec(),
//!         jiff::tz::TimeZone::UTC,
//!         agentobs_cost::PriceBook::embedded(),
//!         Default::default(),
//!     ),
//!     vec![],
//! );
//! let opts = HtmlOptions::default();
//! let overview = Overview::build(&report, &HashMap::new(), &HashMap::new(), opts.max_bars);
//! let page = Page::new(&report, overview, vec![], BTreeMap::new(), &opts)
//!     .with_price_book(&agentobs_cost::PriceBook::embedded());
//! let mut html = Vec::new();
//! render(&page, &mut html).unwrap();
//! assert!(String::from_utf8(html).unwrap().starts_with("<!DOCTYPE html>"));
//! ```

mod detail;
mod model;
mod render;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use detail::{
    AlertNote, DetailSink, Entry, SessionDetail, Tallies, Tally, TurnSpan, What, thread_key,
};
pub use model::{Bar, HTML_DIMENSIONS, Overview, Series, SessionRow, Sum, pick_detail};
pub use render::{CHART_JS_VERSION, render};

use crate::{Figures, Report};

/// How the page is made. Start from [`HtmlOptions::default`] (each field's default is in
/// its doc) and change what differs:
///
/// ```
/// use agentobs_report::html::HtmlOptions;
///
/// let opts = HtmlOptions::default().with_top_n(10).with_title("Team A, November");
/// assert_eq!(opts.top_n, 10);
/// assert_eq!(opts.max_bars, 12);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HtmlOptions {
    /// The page title. Default: `agentobs report`.
    pub title: String,
    /// Sessions with a page: this many of the most expensive, plus every session with an
    /// alert. Default: 50.
    pub top_n: usize,
    /// Bars per breakdown (developer, repo, branch, task type); the rest is folded into
    /// one `other` bar. Default: 12.
    pub max_bars: usize,
    /// Timeline entries kept per session page; later ones are counted, not shown.
    /// Default: 2,000.
    pub max_entries: usize,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            title: "agentobs report".into(),
            top_n: 50,
            max_bars: 12,
            max_entries: 2_000,
        }
    }
}

impl HtmlOptions {
    /// The page title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Pages for the `n` most expensive sessions (and every session with an alert).
    pub fn with_top_n(mut self, n: usize) -> Self {
        self.top_n = n;
        self
    }

    /// At most `n` bars per breakdown.
    pub fn with_max_bars(mut self, n: usize) -> Self {
        self.max_bars = n;
        self
    }

    /// At most `n` timeline entries per session page.
    pub fn with_max_entries(mut self, n: usize) -> Self {
        self.max_entries = n;
        self
    }
}

/// What the page says about how it was made.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Meta {
    /// Page title.
    pub title: String,
    /// agentobs version.
    pub version: String,
    /// When it was made (RFC 3339), when the caller says.
    pub generated: Option<String>,
    /// Time zone of the days.
    pub timezone: Option<String>,
    /// First day included, when limited.
    pub since: Option<String>,
    /// Last day included, when limited.
    pub until: Option<String>,
    /// Snapshot date of the price book.
    pub price_book_date: String,
    /// Where the price book came from.
    pub price_book_source: String,
    /// Session pages: the top N by cost (and every session with an alert).
    pub top_n: usize,
    /// Problems met while reading (see `agentobs report` for each).
    pub warnings: usize,
}

/// Everything the page shows, as the JSON it embeds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Page {
    /// How it was made.
    pub meta: Meta,
    /// The report's totals (every request once).
    pub totals: Figures,
    /// Charts, breakdowns and the session table.
    pub overview: Overview,
    /// Every alert, in report order.
    pub alerts: Vec<AlertNote>,
    /// Session pages by session key.
    pub details: BTreeMap<String, SessionDetail>,
}

impl Page {
    /// A page of `report`: `alerts` are pinned to the entries of the `details` of their
    /// sessions, and sessions with a page are marked in the table.
    pub fn new(
        report: &Report,
        mut overview: Overview,
        alerts: Vec<AlertNote>,
        mut details: BTreeMap<String, SessionDetail>,
        opts: &HtmlOptions,
    ) -> Page {
        let mut by_session: HashMap<&str, Vec<&AlertNote>> = HashMap::new();
        for a in &alerts {
            if let Some(s) = &a.session {
                by_session.entry(s).or_default().push(a);
            }
        }
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for s in &overview.sessions {
            if let Some(p) = &s.parent {
                children.entry(p).or_default().push(&s.id);
            }
        }
        // A root's page shows its forks' and sub-agents' alerts too, as its table row counts
        // them.
        for (id, d) in &mut details {
            let mut mine: Vec<AlertNote> = std::iter::once(id.as_str())
                .chain(children.get(id.as_str()).into_iter().flatten().copied())
                .filter_map(|t| by_session.get(t))
                .flatten()
                .map(|a| (*a).clone())
                .collect();
            mine.sort_by_key(|a| a.at_ms);
            d.pin(mine);
        }
        for s in &mut overview.sessions {
            s.detail = details.contains_key(&s.id);
        }
        Page {
            meta: Meta {
                title: opts.title.clone(),
                version: env!("CARGO_PKG_VERSION").into(),
                top_n: opts.top_n,
                warnings: report.warnings.iter().filter(|w| !w.is_notice()).count(),
                ..Meta::default()
            },
            totals: report.totals.clone(),
            overview,
            alerts,
            details,
        }
    }

    /// Names the price book's date and source on the page.
    pub fn with_price_book(mut self, book: &agentobs_cost::PriceBook) -> Self {
        self.meta.price_book_date = book.snapshot_date().to_owned();
        self.meta.price_book_source = book.source().to_owned();
        self
    }

    /// Names the time zone and date range of the days.
    pub fn with_dates(
        mut self,
        timezone: Option<String>,
        since: Option<jiff::civil::Date>,
        until: Option<jiff::civil::Date>,
    ) -> Self {
        self.meta.timezone = timezone;
        self.meta.since = since.map(|d| d.to_string());
        self.meta.until = until.map(|d| d.to_string());
        self
    }

    /// Says when the page was made.
    pub fn with_generated(mut self, at: impl Into<String>) -> Self {
        self.meta.generated = Some(at.into());
        self
    }
}
