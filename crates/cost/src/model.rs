//! Per-model rates, service tiers and the per-request cost formula.

use std::fmt;
use std::str::FromStr;

use agentobs_schema::TokenUsage;
use serde::{Deserialize, Serialize};

use crate::error::ParseServiceTierError;

/// Rates of one service tier (priority, flex or batch), USD per token.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRates {
    /// Plain (uncached) input.
    pub input: f64,
    /// Prompt-cache reads; `None` bills them at [`input`](Self::input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    /// Output, reasoning included.
    pub output: f64,
}

/// Rates that replace the standard ones for a whole request whose prompt is larger than
/// `threshold_tokens`, USD per token.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongContextTier {
    /// The tier applies when the request's prompt has strictly more tokens than this.
    pub threshold_tokens: u64,
    /// Plain (uncached) input.
    pub input: f64,
    /// Prompt-cache reads; `None` bills them at [`input`](Self::input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    /// Prompt-cache writes; `None` bills them at [`input`](Self::input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// One-hour prompt-cache writes; `None` bills them at this tier's cache-write rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
    /// Output, reasoning included.
    pub output: f64,
}

/// The price of one model, USD **per token**.
///
/// (The TOML price-book files state USD per 1M tokens; they are converted on load. The serde
/// form of this struct is per token.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Plain (uncached) input.
    pub input: f64,
    /// Prompt-cache reads; `None` bills them at [`input`](Self::input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input: Option<f64>,
    /// Prompt-cache writes; `None` (every OpenAI model) bills them at [`input`](Self::input),
    /// never at a premium. For Anthropic models these are five-minute writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
    /// One-hour prompt-cache writes (Anthropic); `None` bills them at the
    /// [`cache_write`](Self::cache_write) rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<f64>,
    /// Output, reasoning included.
    pub output: f64,
    /// Rates for requests with a prompt above a threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_context: Option<LongContextTier>,
    /// Priority ("fast") tier rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<TierRates>,
    /// Flex tier rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flex: Option<TierRates>,
    /// Batch tier rates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<TierRates>,
    /// Maximum prompt size in tokens, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
}

/// The service tier a request ran on.
///
/// Parsing is case-insensitive: `standard`/`default` → [`Standard`](Self::Standard),
/// `priority`/`fast` → [`Priority`](Self::Priority), `flex`, `batch`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ServiceTier {
    /// The default tier.
    #[default]
    Standard,
    /// Priority processing (Codex "fast").
    Priority,
    /// Flex processing.
    Flex,
    /// Batch API.
    Batch,
}

impl ServiceTier {
    /// The canonical lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceTier::Standard => "standard",
            ServiceTier::Priority => "priority",
            ServiceTier::Flex => "flex",
            ServiceTier::Batch => "batch",
        }
    }
}

impl fmt::Display for ServiceTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceTier {
    type Err = ParseServiceTierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "standard" | "default" => Ok(ServiceTier::Standard),
            "priority" | "fast" => Ok(ServiceTier::Priority),
            "flex" => Ok(ServiceTier::Flex),
            "batch" => Ok(ServiceTier::Batch),
            _ => Err(ParseServiceTierError(s.to_owned())),
        }
    }
}

/// The cost of one request (or of usage priced as one request), in USD, split by price class.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CostBreakdown {
    /// Plain input: `input − cached − cache_write` tokens.
    pub input_usd: f64,
    /// Prompt-cache reads.
    pub cached_input_usd: f64,
    /// Prompt-cache writes.
    pub cache_write_usd: f64,
    /// Output, reasoning included.
    pub output_usd: f64,
    /// The long-context tier that was billed, e.g. `"above_272k"` or `"above_200k"`
    /// (`"long_context"` for a threshold without a well-known name); `None` for base rates.
    pub tier_applied: Option<&'static str>,
    /// The service tier whose rates were billed: [`ServiceTier::Standard`] after a fallback.
    pub service_tier: ServiceTier,
    /// True when the requested service tier has no rates for this model, so standard rates
    /// were billed instead.
    pub tier_fallback: bool,
}

impl CostBreakdown {
    /// The sum of the four parts.
    pub fn total_usd(&self) -> f64 {
        self.input_usd + self.cached_input_usd + self.cache_write_usd + self.output_usd
    }
}

/// The name of a long-context tier, from its threshold.
fn tier_label(threshold: u64) -> &'static str {
    match threshold {
        128_000 => "above_128k",
        200_000 => "above_200k",
        272_000 => "above_272k",
        _ => "long_context",
    }
}

/// One complete rate set, defaults resolved.
struct Rates {
    input: f64,
    cached: f64,
    write: f64,
    write_1h: f64,
    output: f64,
}

impl ModelPrice {
    /// The cost of `usage` as one request whose prompt had `prompt_tokens` tokens.
    ///
    /// Rate selection:
    /// - [`ServiceTier::Standard`]: the long-context rates when the model has them and
    ///   `prompt_tokens > threshold_tokens` (for the whole request), else the base rates;
    /// - another tier: that tier's rates when the model has them. The price tables have no
    ///   long-context variant of the service tiers, so the tier's rates are used whatever the
    ///   prompt size. When the model lacks the tier, standard rates are billed (long context
    ///   included) and [`CostBreakdown::tier_fallback`] is set.
    ///
    /// Within the chosen rate set a missing cache-read or cache-write rate is billed at that
    /// set's input rate; the service tiers carry no cache-write rate, so cache writes under
    /// them are billed at the tier's input rate.
    ///
    /// Token counts follow Codex semantics: cached and cache-write tokens are parts of
    /// `input_tokens` (clamped to it when a caller reports more), reasoning is part of
    /// `output_tokens` and is not billed separately.
    pub fn cost(&self, usage: &TokenUsage, prompt_tokens: u64, tier: ServiceTier) -> CostBreakdown {
        let service = match tier {
            ServiceTier::Standard => None,
            ServiceTier::Priority => Some(self.priority.as_ref()),
            ServiceTier::Flex => Some(self.flex.as_ref()),
            ServiceTier::Batch => Some(self.batch.as_ref()),
        };
        let (rates, tier_applied, billed, fallback) = match service {
            Some(Some(t)) => (
                Rates {
                    input: t.input,
                    cached: t.cached_input.unwrap_or(t.input),
                    write: t.input,
                    write_1h: t.input,
                    output: t.output,
                },
                None,
                tier,
                false,
            ),
            other => {
                let (rates, applied) = self.standard_rates(prompt_tokens);
                (rates, applied, ServiceTier::Standard, other.is_some())
            }
        };

        let input = usage.input_tokens;
        let cached = usage.cached_input_tokens.min(input);
        let write = usage
            .cache_write_input_tokens
            .min(input.saturating_sub(cached));
        let plain = input.saturating_sub(cached).saturating_sub(write);
        let write_1h = usage.cache_write_1h_input_tokens.min(write);
        let write_5m = write.saturating_sub(write_1h);
        CostBreakdown {
            input_usd: plain as f64 * rates.input,
            cached_input_usd: cached as f64 * rates.cached,
            cache_write_usd: write_5m as f64 * rates.write + write_1h as f64 * rates.write_1h,
            output_usd: usage.output_tokens as f64 * rates.output,
            tier_applied,
            service_tier: billed,
            tier_fallback: fallback,
        }
    }

    fn standard_rates(&self, prompt_tokens: u64) -> (Rates, Option<&'static str>) {
        match &self.long_context {
            Some(lc) if prompt_tokens > lc.threshold_tokens => (
                Rates {
                    input: lc.input,
                    cached: lc.cached_input.unwrap_or(lc.input),
                    write: lc.cache_write.unwrap_or(lc.input),
                    write_1h: lc.cache_write_1h.or(lc.cache_write).unwrap_or(lc.input),
                    output: lc.output,
                },
                Some(tier_label(lc.threshold_tokens)),
            ),
            _ => (
                Rates {
                    input: self.input,
                    cached: self.cached_input.unwrap_or(self.input),
                    write: self.cache_write.unwrap_or(self.input),
                    write_1h: self
                        .cache_write_1h
                        .or(self.cache_write)
                        .unwrap_or(self.input),
                    output: self.output,
                },
                None,
            ),
        }
    }

    /// Every rate with its field name, for validation.
    fn rates(&self) -> Vec<(&'static str, f64)> {
        let mut v = vec![("input", self.input), ("output", self.output)];
        v.extend(self.cached_input.map(|r| ("cached_input", r)));
        v.extend(self.cache_write.map(|r| ("cache_write", r)));
        v.extend(self.cache_write_1h.map(|r| ("cache_write_1h", r)));
        if let Some(lc) = &self.long_context {
            v.push(("long_context.input", lc.input));
            v.push(("long_context.output", lc.output));
            v.extend(lc.cached_input.map(|r| ("long_context.cached_input", r)));
            v.extend(lc.cache_write.map(|r| ("long_context.cache_write", r)));
            v.extend(
                lc.cache_write_1h
                    .map(|r| ("long_context.cache_write_1h", r)),
            );
        }
        for (i, c, o, t) in [
            (
                "priority.input",
                "priority.cached_input",
                "priority.output",
                &self.priority,
            ),
            ("flex.input", "flex.cached_input", "flex.output", &self.flex),
            (
                "batch.input",
                "batch.cached_input",
                "batch.output",
                &self.batch,
            ),
        ] {
            if let Some(t) = t {
                v.push((i, t.input));
                v.push((o, t.output));
                v.extend(t.cached_input.map(|r| (c, r)));
            }
        }
        v
    }

    /// Checks that every rate is finite and not negative; the message names the model key.
    pub(crate) fn validate(&self, key: &str) -> Result<(), String> {
        for (field, rate) in self.rates() {
            if !rate.is_finite() || rate < 0.0 {
                return Err(format!(
                    "model {key:?}: price `{field}` is {rate}, expected a finite number >= 0"
                ));
            }
        }
        Ok(())
    }

    /// The same price with every rate divided by `divisor` (1e6 converts per-1M to per-token).
    pub(crate) fn divided_by(&self, divisor: f64) -> ModelPrice {
        let s = |r: f64| r / divisor;
        let so = |r: Option<f64>| r.map(s);
        let tier = |t: &Option<TierRates>| {
            t.map(|t| TierRates {
                input: s(t.input),
                cached_input: so(t.cached_input),
                output: s(t.output),
            })
        };
        ModelPrice {
            input: s(self.input),
            cached_input: so(self.cached_input),
            cache_write: so(self.cache_write),
            cache_write_1h: so(self.cache_write_1h),
            output: s(self.output),
            long_context: self.long_context.map(|lc| LongContextTier {
                threshold_tokens: lc.threshold_tokens,
                input: s(lc.input),
                cached_input: so(lc.cached_input),
                cache_write: so(lc.cache_write),
                cache_write_1h: so(lc.cache_write_1h),
                output: s(lc.output),
            }),
            priority: tier(&self.priority),
            flex: tier(&self.flex),
            batch: tier(&self.batch),
            context_window: self.context_window,
        }
    }
}
