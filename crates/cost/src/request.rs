//! One priced request, taken from a usage event: the single place where an
//! [`Event`] becomes something the cost model can price or roll up.

use agentobs_schema::{Event, EventKind, SessionContext, Timestamp, TokenUsage, TokenUsageEvent};

use crate::ledger::{UsageBucket, add_request};
use crate::{CostBreakdown, PriceBook, ServiceTier};

/// The model name used when a usage event's session names none.
pub const UNKNOWN_MODEL: &str = "unknown";

/// A model request as the cost model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
        }
    }

    /// The request's cost at `default_tier` (used when the session names no tier), or `None`
    /// when the book has no price for the model.
    pub fn cost(&self, book: &PriceBook, default_tier: ServiceTier) -> Option<CostBreakdown> {
        let tier = self.service_tier.unwrap_or(default_tier);
        book.price(self.model, &self.usage, self.prompt_tokens, tier)
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
