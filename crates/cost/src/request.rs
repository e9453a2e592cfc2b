//! One priced request, taken from a usage event: the single place where an
//! [`Event`] becomes something the cost model can price or roll up.

use agentobs_schema::{Event, EventKind, SessionContext, Timestamp, TokenUsage, TokenUsageEvent};

use crate::ledger::{UsageBucket, add_request};
use crate::{CostBreakdown, PriceBook, ServiceTier};

/// The model name used when a usage event's session names none.
pub const UNKNOWN_MODEL: &str = "unknown";

/// A model request as the cost model sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request<'a> {
    /// When the usage was recorded.
    pub at: Timestamp,
    /// The model, as the session names it ([`UNKNOWN_MODEL`] when it names none).
    pub model: &'a str,
    /// The model was not named by the source but inferred.
    pub model_inferred: bool,
    /// The session's service tier, when it names one this crate knows.
    pub service_tier: Option<ServiceTier>,
    /// The prompt size that selects a long-context price tier: the request's own input when
    /// the source gives it, else the billed input.
    pub prompt_tokens: u64,
    /// The tokens billed for this request.
    pub usage: TokenUsage,
    /// What the harness itself billed for it, in USD, when it says
    /// ([`TokenUsageEvent::reported_cost_usd`]).
    pub reported_cost_usd: Option<f64>,
}

impl<'a> Request<'a> {
    /// The request of a [`EventKind::TokenUsage`] event; `None` for any other event.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use agentobs_cost::{PriceBook, Request, ServiceTier};
    /// use agentobs_schema::*;
    ///
    /// let mut ctx = SessionContext::new(Harness::Codex);
    /// ctx.model = Some("gpt-5".into());
    /// let usage = TokenUsage { input_tokens: 1_000_000, ..TokenUsage::default() };
    /// let mut u = TokenUsageEvent::default();
    /// u.usage = usage;
    /// let event = Event::new(Timestamp::default(), Arc::new(ctx), EventKind::TokenUsage(u));
    /// let request = Request::from_event(&event).unwrap();
    /// assert_eq!(request.model, "gpt-5");
    /// let cost = request.cost(&PriceBook::embedded(), ServiceTier::Standard).unwrap();
    /// assert!(cost.total_usd() > 0.0);
    /// ```
    pub fn from_event(event: &'a Event) -> Option<Self> {
        let EventKind::TokenUsage(u) = &event.kind else {
            return None;
        };
        Some(Self::new(event.at, &event.ctx, u))
    }

    /// The request of usage `u` recorded at `at` in session `ctx`: the session names the
    /// model and the service tier.
    pub fn new(at: Timestamp, ctx: &'a SessionContext, u: &TokenUsageEvent) -> Self {
        Request {
            at,
            model: ctx.model.as_deref().unwrap_or(UNKNOWN_MODEL),
            model_inferred: ctx.model_inferred,
            service_tier: ctx
                .service_tier
                .as_deref()
                .and_then(|t| t.parse::<ServiceTier>().ok()),
            prompt_tokens: u.prompt_tokens.unwrap_or(u.usage.input_tokens),
            usage: u.usage,
            reported_cost_usd: u.reported_cost_usd,
        }
    }

    /// The request's cost at `default_tier` (used when the session names no tier), or `None`
    /// when the book has no price for the model.
    ///
    /// Cache writes whose lifetime the source does not give (one-hour part 0, as in Claude
    /// Code's OTLP) are five-minute writes, unless the harness's own
    /// [`reported_cost_usd`](Self::reported_cost_usd) shows how many were one-hour writes:
    /// see [`one_hour_writes`](Self::one_hour_writes).
    pub fn cost(&self, book: &PriceBook, default_tier: ServiceTier) -> Option<CostBreakdown> {
        let tier = self.service_tier.unwrap_or(default_tier);
        let mut usage = self.usage;
        if let Some(n) = self.one_hour_writes(book, default_tier) {
            usage.cache_write_1h_input_tokens = n;
        }
        book.price(self.model, &usage, self.prompt_tokens, tier)
    }

    /// How many of the request's cache writes were one-hour writes, as its reported cost shows,
    /// when the source gave the writes without their lifetime; `None` when it gave the split,
    /// reported no cost, or the cost does not single out a split.
    ///
    /// A write costs the same whatever its lifetime except for the premium of the one-hour
    /// rate, so with every other token priced, `n = (reported − cost with no one-hour
    /// writes) ÷ (one-hour rate − five-minute rate)`. The answer is used only when it is a
    /// whole number of tokens (within 0.01) between 1 and the writes, and pricing the
    /// request with it gives the reported cost back (within a millionth of it, or 10⁻⁹ USD):
    /// otherwise the harness priced with other rates, and the book's own reading stands.
    ///
    /// ```
    /// use agentobs_cost::{PriceBook, Request, ServiceTier};
    /// use agentobs_schema::*;
    ///
    /// // Claude Code 2.1.332's own OTLP for one request: 200 of its 1,010 writes were
    /// // one-hour writes, which only its cost_usd shows.
    /// let mut ctx = SessionContext::new(Harness::ClaudeCode);
    /// ctx.model = Some("claude-opus-5-5".into());
    /// let mut u = TokenUsageEvent::new(TokenUsage {
    ///     input_tokens: 4_211,
    ///     cached_input_tokens: 3_100,
    ///     cache_write_input_tokens: 1_010,
    ///     output_tokens: 21,
    ///     ..TokenUsage::default()
    /// });
    /// u.reported_cost_usd = Some(0.007094);
    /// let r = Request::new(Timestamp::default(), &ctx, &u);
    /// let book = PriceBook::embedded();
    /// assert_eq!(r.one_hour_writes(&book, ServiceTier::Standard), Some(200));
    /// let cost = r.cost(&book, ServiceTier::Standard).unwrap();
    /// assert!((cost.total_usd() - 0.007094).abs() < 1e-12);
    /// ```
    pub fn one_hour_writes(&self, book: &PriceBook, default_tier: ServiceTier) -> Option<u64> {
        let reported = self.reported_cost_usd.filter(|c| c.is_finite())?;
        let writes = self.usage.cache_write_input_tokens;
        if writes == 0 || self.usage.cache_write_1h_input_tokens != 0 {
            return None;
        }
        let tier = self.service_tier.unwrap_or(default_tier);
        let price = |one_hour: u64| {
            let mut u = self.usage;
            u.cache_write_1h_input_tokens = one_hour;
            book.price(self.model, &u, self.prompt_tokens, tier)
                .map(|c| c.total_usd())
        };
        let none = price(0)?;
        let premium = (price(writes)? - none) / writes as f64;
        if premium <= 0.0 {
            return None;
        }
        let n = (reported - none) / premium;
        let whole = n.round();
        if (n - whole).abs() > 0.01 || whole < 1.0 || whole > writes as f64 {
            return None;
        }
        let n = whole as u64;
        let again = price(n)?;
        ((again - reported).abs() <= (reported * 1e-6).max(1e-9)).then_some(n)
    }

    /// Adds the request to a list of usage buckets (see [`add_request`]).
    pub fn add_to(&self, buckets: &mut Vec<UsageBucket>) {
        add_request(
            buckets,
            self.at,
            self.model,
            self.model_inferred,
            self.service_tier,
            self.prompt_tokens,
            self.usage,
        );
    }
}
