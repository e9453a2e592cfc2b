//! Price book and per-request cost accounting for coding-agent token usage.
//!
//! A [`PriceBook`] maps model keys to [`ModelPrice`]s (USD per token). The crate embeds a dated
//! snapshot ([`PriceBook::embedded`]); an override file in our TOML format or in LiteLLM's JSON
//! shape can be overlaid on it ([`PriceBook::load_file`], [`PriceBook::overlay`],
//! [`PriceBook::from_env`] with [`PRICE_BOOK_ENV`]).
//!
//! Usage follows Codex semantics ([`TokenUsage`](agentobs_schema::TokenUsage)): cached and
//! cache-write tokens are parts of the input, reasoning is part of the output. One request
//! costs
//!
//! `(input − cached − cache_write)·p_in + cached·p_cached + cache_write·p_write + output·p_out`
//!
//! where a missing `p_cached` or `p_write` is `p_in` (so OpenAI models, which have no write
//! price, never pay a cache-write premium) and reasoning is never billed on its own. An
//! unknown model has no price ([`PriceBook::price`] returns `None`), never $0.

#![warn(unreachable_pub, missing_debug_implementations)]

mod book;
mod error;
pub mod ledger;
mod litellm;
mod model;
mod normalise;
mod request;

pub use book::{PriceBook, Resolved};
pub use error::{ParseServiceTierError, PriceError};
pub use ledger::{
    Dimension, Ledger, LedgerRow, PromptClass, RowKey, ThreadFacts, TierPolicy, UsageBucket,
};
pub use model::{CostBreakdown, LongContextTier, ModelPrice, ServiceTier, TierRates};
pub use request::{Request, UNKNOWN_MODEL};

/// Environment variable naming a price-book override file (`.json`: LiteLLM shape, anything
/// else: our TOML format). [`PriceBook::from_env`] overlays it on the embedded snapshot.
pub const PRICE_BOOK_ENV: &str = "AGENTOBS_PRICE_BOOK";

#[cfg(test)]
mod tests;
