//! [`BookPricer`]: `agentobs-cost`'s price book as the mapper's [`Pricer`].

use agentobs_cost::{PriceBook, ServiceTier, UNKNOWN_MODEL};
use agentobs_schema::{SessionContext, TokenUsageEvent};
use agentobs_semconv::{Cost, Pricer};

/// Prices model requests with a [`PriceBook`], the same way `agentobs report` does: the
/// session's model and service tier (else `default_tier`), long-context tiers by prompt
/// size. Unknown models are unpriced, never $0.
///
/// ```
/// use agentobs::BookPricer;
/// use agentobs::cost::{PriceBook, ServiceTier};
/// use agentobs::semconv::{dialects::GenAi, Mapper, Signals};
/// let mapper = Mapper::new(GenAi::v1_41(), Signals::default())
///     .with_pricer(BookPricer::new(PriceBook::embedded(), ServiceTier::Standard));
/// # let _ = mapper;
/// ```
#[derive(Debug)]
pub struct BookPricer {
    book: PriceBook,
    default_tier: ServiceTier,
}

impl BookPricer {
    /// A pricer over `book`, billing `default_tier` when a session names no tier.
    pub fn new(book: PriceBook, default_tier: ServiceTier) -> Self {
        BookPricer { book, default_tier }
    }

    /// The book.
    pub fn book(&self) -> &PriceBook {
        &self.book
    }
}

impl Pricer for BookPricer {
    fn price(&self, ctx: &SessionContext, request: &TokenUsageEvent) -> Option<Cost> {
        // The same reading as `agentobs_cost::Request::from_event`.
        let model = ctx.model.as_deref().unwrap_or(UNKNOWN_MODEL);
        let tier = ctx
            .service_tier
            .as_deref()
            .and_then(|t| t.parse::<ServiceTier>().ok())
            .unwrap_or(self.default_tier);
        let prompt = request.prompt_tokens.unwrap_or(request.usage.input_tokens);
        let c = self.book.price(model, &request.usage, prompt, tier)?;
        Some(Cost::new(
            c.input_usd,
            c.cached_input_usd,
            c.cache_write_usd,
            c.output_usd,
        ))
    }
}
