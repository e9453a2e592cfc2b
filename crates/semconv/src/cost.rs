//! Cost on records: a [`Pricer`] the mapper asks for each model request.
//!
//! This crate has no price book of its own (it depends on the schema only); the `agentobs`
//! facade implements [`Pricer`] with `agentobs-cost`'s book, and a user can bring their own.

use agentobs_schema::{SessionContext, TokenUsageEvent};

/// The cost of one model request in USD, split by price class.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Cost {
    /// Plain (uncached) input.
    pub input_usd: f64,
    /// Prompt-cache reads.
    pub cached_input_usd: f64,
    /// Prompt-cache writes.
    pub cache_write_usd: f64,
    /// Output, reasoning included.
    pub output_usd: f64,
}

impl Cost {
    /// A cost from its four parts.
    pub fn new(
        input_usd: f64,
        cached_input_usd: f64,
        cache_write_usd: f64,
        output_usd: f64,
    ) -> Self {
        Cost {
            input_usd,
            cached_input_usd,
            cache_write_usd,
            output_usd,
        }
    }

    /// The prompt side: input, cache reads and cache writes.
    pub fn prompt_usd(&self) -> f64 {
        self.input_usd + self.cached_input_usd + self.cache_write_usd
    }

    /// The sum of the parts.
    pub fn total_usd(&self) -> f64 {
        self.prompt_usd() + self.output_usd
    }

    /// Component-wise sum.
    pub fn add(&mut self, o: &Cost) {
        self.input_usd += o.input_usd;
        self.cached_input_usd += o.cached_input_usd;
        self.cache_write_usd += o.cache_write_usd;
        self.output_usd += o.output_usd;
    }
}

/// Prices model requests.
pub trait Pricer: Send {
    /// The cost of `request` in session `ctx`, or `None` when the model has no price (the
    /// records then say the request is unpriced instead of claiming $0).
    fn price(&self, ctx: &SessionContext, request: &TokenUsageEvent) -> Option<Cost>;
}

/// Prices nothing: every request is unpriced.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPrices;

impl Pricer for NoPrices {
    fn price(&self, _ctx: &SessionContext, _request: &TokenUsageEvent) -> Option<Cost> {
        None
    }
}

impl<F> Pricer for F
where
    F: Fn(&SessionContext, &TokenUsageEvent) -> Option<Cost> + Send,
{
    fn price(&self, ctx: &SessionContext, request: &TokenUsageEvent) -> Option<Cost> {
        self(ctx, request)
    }
}
