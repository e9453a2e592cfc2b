// Price files are user input: no index or slice that can panic, no overflow.
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

//! Reading LiteLLM's `model_prices_and_context_window.json` shape.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::error::PriceError;
use crate::model::{LongContextTier, ModelPrice, TierRates};

/// Long-context key suffixes LiteLLM uses, with their thresholds; the lowest present wins.
const LONG_CONTEXT: [(u64, &str); 3] = [
    (128_000, "above_128k_tokens"),
    (200_000, "above_200k_tokens"),
    (272_000, "above_272k_tokens"),
];

/// Models parsed from LiteLLM JSON, and the number of entries skipped (no input or output
/// cost per token: `sample_spec`, image, audio or embedding-only entries, …).
pub(crate) fn parse(
    text: &str,
    origin: &str,
) -> Result<(BTreeMap<String, ModelPrice>, usize), PriceError> {
    let root: Map<String, Value> =
        serde_json::from_str(text).map_err(|source| PriceError::Json {
            path: PathBuf::from(origin),
            source,
        })?;
    let mut models = BTreeMap::new();
    let mut skipped: usize = 0;
    for (key, entry) in root {
        match entry.as_object().and_then(|e| entry_price(&key, e)) {
            Some(price) => {
                price
                    .validate(&key)
                    .map_err(|message| PriceError::Invalid {
                        path: PathBuf::from(origin),
                        message,
                    })?;
                models.insert(key, price);
            }
            None => skipped = skipped.saturating_add(1),
        }
    }
    Ok((models, skipped))
}

fn num(e: &Map<String, Value>, key: &str) -> Option<f64> {
    e.get(key).and_then(Value::as_f64)
}

/// The price of one entry, or `None` when it has no per-token input and output cost.
///
/// A tier-specific key that is missing falls back to the standard key of the same kind
/// (as LiteLLM's own cost calculation does), so e.g. a long-context tier without its own
/// cache-read price keeps the standard cache-read price.
fn entry_price(key: &str, e: &Map<String, Value>) -> Option<ModelPrice> {
    if key == "sample_spec" {
        return None;
    }
    let input = num(e, "input_cost_per_token")?;
    let output = num(e, "output_cost_per_token")?;
    let cached_input = num(e, "cache_read_input_token_cost");
    let cache_write = num(e, "cache_creation_input_token_cost");
    let cache_write_1h = num(e, "cache_creation_input_token_cost_above_1hr");

    let long_context = LONG_CONTEXT.iter().find_map(|&(threshold, suffix)| {
        let lin = num(e, &format!("input_cost_per_token_{suffix}"));
        let lout = num(e, &format!("output_cost_per_token_{suffix}"));
        if lin.is_none() && lout.is_none() {
            return None;
        }
        Some(LongContextTier {
            threshold_tokens: threshold,
            input: lin.unwrap_or(input),
            cached_input: num(e, &format!("cache_read_input_token_cost_{suffix}")).or(cached_input),
            cache_write: num(e, &format!("cache_creation_input_token_cost_{suffix}"))
                .or(cache_write),
            cache_write_1h: num(
                e,
                &format!("cache_creation_input_token_cost_above_1hr_{suffix}"),
            )
            .or(cache_write_1h),
            output: lout.unwrap_or(output),
        })
    });

    let tier = |suffix: &str| {
        let tin = num(e, &format!("input_cost_per_token_{suffix}"));
        let tout = num(e, &format!("output_cost_per_token_{suffix}"));
        if tin.is_none() && tout.is_none() {
            return None;
        }
        Some(TierRates {
            input: tin.unwrap_or(input),
            cached_input: num(e, &format!("cache_read_input_token_cost_{suffix}")).or(cached_input),
            output: tout.unwrap_or(output),
        })
    };

    let context_window = e.get("max_input_tokens").and_then(|v| {
        v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        })
    });

    Some(ModelPrice {
        input,
        cached_input,
        cache_write,
        cache_write_1h,
        output,
        long_context,
        priority: tier("priority"),
        flex: tier("flex"),
        batch: tier("batches"),
        context_window,
    })
}
