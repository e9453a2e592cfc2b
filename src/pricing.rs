//! [`BookPricer`]: `agentobs-cost`'s price book as the mapper's [`Pricer`].

use agentobs_cost::{PriceBook, Request, ServiceTier};
use agentobs_schema::{SessionContext, Timestamp, TokenUsageEvent};
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
        let c =
            Request::new(Timestamp::default(), ctx, request).cost(&self.book, self.default_tier)?;
        Some(Cost::new(
            c.input_usd,
            c.cached_input_usd,
            c.cache_write_usd,
            c.output_usd,
        ))
    }
}
