//! Token usage with Codex (OpenAI Responses) semantics.

use serde::{Deserialize, Serialize};

/// Token counts of one model request, or a sum of requests.
///
/// The semantics are Codex's, whatever the harness:
/// - `input_tokens` is the **whole** prompt; `cached_input_tokens` and
///   `cache_write_input_tokens` are parts of it;
/// - `output_tokens` is the whole completion; `reasoning_output_tokens` is part of it;
/// - the total is `input_tokens + output_tokens`, never more.
///
/// Harnesses that count differently convert at the edge: Anthropic reports input *without*
/// cache reads and writes, so its reader adds them back; Gemini already includes cached tokens.
///
/// ```
/// use agentobs_schema::TokenUsage;
/// let u = TokenUsage { input_tokens: 4210, cached_input_tokens: 3968, output_tokens: 57,
///                      reasoning_output_tokens: 32, ..TokenUsage::default() };
/// assert_eq!(u.total_tokens(), 4267);
/// assert_eq!(u.uncached_input_tokens(), 242);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(default)]
pub struct TokenUsage {
    /// Whole prompt, cached part included.
    pub input_tokens: u64,
    /// Prompt tokens read from the prompt cache (part of `input_tokens`).
    pub cached_input_tokens: u64,
    /// Prompt tokens written to the prompt cache (part of `input_tokens`).
    pub cache_write_input_tokens: u64,
    /// Whole completion, reasoning included.
    pub output_tokens: u64,
    /// Hidden reasoning tokens (part of `output_tokens`).
    pub reasoning_output_tokens: u64,
    /// Cache writes with a one-hour lifetime (part of `cache_write_input_tokens`; the rest
    /// are five-minute writes). Anthropic prices the two apart; other providers report none.
    /// Left out of human-readable output (JSON) when zero.
    pub cache_write_1h_input_tokens: u64,
}

impl Serialize for TokenUsage {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        // Binary formats (the report cache) always carry every field, in order.
        let one_hour = self.cache_write_1h_input_tokens != 0 || !s.is_human_readable();
        let mut st = s.serialize_struct("TokenUsage", 5 + usize::from(one_hour))?;
        st.serialize_field("input_tokens", &self.input_tokens)?;
        st.serialize_field("cached_input_tokens", &self.cached_input_tokens)?;
        st.serialize_field("cache_write_input_tokens", &self.cache_write_input_tokens)?;
        st.serialize_field("output_tokens", &self.output_tokens)?;
        st.serialize_field("reasoning_output_tokens", &self.reasoning_output_tokens)?;
        if one_hour {
            st.serialize_field(
                "cache_write_1h_input_tokens",
                &self.cache_write_1h_input_tokens,
            )?;
        } else {
            st.skip_field("cache_write_1h_input_tokens")?;
        }
        st.end()
    }
}

impl TokenUsage {
    /// `input_tokens + output_tokens`.
    pub fn total_tokens(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }

    /// Prompt tokens billed at the plain input rate: input minus cache reads and writes.
    pub fn uncached_input_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_sub(self.cached_input_tokens)
            .saturating_sub(self.cache_write_input_tokens)
    }

    /// True when every count is zero.
    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    /// Component-wise saturating sum.
    pub fn saturating_add(&self, o: &TokenUsage) -> TokenUsage {
        TokenUsage {
            input_tokens: self.input_tokens.saturating_add(o.input_tokens),
            cached_input_tokens: self
                .cached_input_tokens
                .saturating_add(o.cached_input_tokens),
            cache_write_input_tokens: self
                .cache_write_input_tokens
                .saturating_add(o.cache_write_input_tokens),
            output_tokens: self.output_tokens.saturating_add(o.output_tokens),
            reasoning_output_tokens: self
                .reasoning_output_tokens
                .saturating_add(o.reasoning_output_tokens),
            cache_write_1h_input_tokens: self
                .cache_write_1h_input_tokens
                .saturating_add(o.cache_write_1h_input_tokens),
        }
    }

    /// Component-wise `self - earlier`, clamped at zero, with the subset relations kept
    /// (cached and cache-write never exceed input, reasoning never exceeds output).
    pub fn delta_since(&self, earlier: &TokenUsage) -> TokenUsage {
        let input = self.input_tokens.saturating_sub(earlier.input_tokens);
        let output = self.output_tokens.saturating_sub(earlier.output_tokens);
        let cached = self
            .cached_input_tokens
            .saturating_sub(earlier.cached_input_tokens)
            .min(input);
        let write = self
            .cache_write_input_tokens
            .saturating_sub(earlier.cache_write_input_tokens)
            .min(input - cached);
        TokenUsage {
            input_tokens: input,
            cached_input_tokens: cached,
            cache_write_input_tokens: write,
            output_tokens: output,
            reasoning_output_tokens: self
                .reasoning_output_tokens
                .saturating_sub(earlier.reasoning_output_tokens)
                .min(output),
            cache_write_1h_input_tokens: self
                .cache_write_1h_input_tokens
                .saturating_sub(earlier.cache_write_1h_input_tokens)
                .min(write),
        }
    }

    /// True when no component of `self` is smaller than the same component of `other`.
    pub fn dominates(&self, other: &TokenUsage) -> bool {
        self.input_tokens >= other.input_tokens
            && self.cached_input_tokens >= other.cached_input_tokens
            && self.cache_write_input_tokens >= other.cache_write_input_tokens
            && self.output_tokens >= other.output_tokens
            && self.reasoning_output_tokens >= other.reasoning_output_tokens
            && self.cache_write_1h_input_tokens >= other.cache_write_1h_input_tokens
    }
}

impl std::ops::AddAssign for TokenUsage {
    fn add_assign(&mut self, o: TokenUsage) {
        *self = self.saturating_add(&o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usage() -> impl Strategy<Value = TokenUsage> {
        (0u64..1 << 40, 0u64..1 << 40, 0u64..1 << 40).prop_flat_map(|(i, o, _)| {
            (0..=i, 0..=o).prop_map(move |(c, r)| TokenUsage {
                input_tokens: i,
                cached_input_tokens: c,
                cache_write_input_tokens: (i - c) / 3,
                output_tokens: o,
                reasoning_output_tokens: r,
                cache_write_1h_input_tokens: (i - c) / 7,
            })
        })
    }

    proptest! {
        #[test]
        fn delta_of_sum_is_the_addend(a in usage(), b in usage()) {
            prop_assert_eq!(a.saturating_add(&b).delta_since(&a), b);
        }

        #[test]
        fn delta_keeps_subsets(a in usage(), b in usage()) {
            let d = a.delta_since(&b);
            prop_assert!(d.cached_input_tokens + d.cache_write_input_tokens <= d.input_tokens);
            prop_assert!(d.reasoning_output_tokens <= d.output_tokens);
            prop_assert!(d.cache_write_1h_input_tokens <= d.cache_write_input_tokens);
        }
    }

    #[test]
    fn one_hour_writes_are_left_out_of_json_when_zero_but_never_out_of_binary() {
        let mut u = TokenUsage {
            input_tokens: 10,
            cache_write_input_tokens: 4,
            ..TokenUsage::default()
        };
        let json = serde_json::to_string(&u).unwrap();
        assert!(!json.contains("1h"), "{json}");
        assert_eq!(serde_json::from_str::<TokenUsage>(&json).unwrap(), u);
        u.cache_write_1h_input_tokens = 3;
        let json = serde_json::to_string(&u).unwrap();
        assert!(json.contains("\"cache_write_1h_input_tokens\":3"), "{json}");
        assert_eq!(serde_json::from_str::<TokenUsage>(&json).unwrap(), u);
    }
}
