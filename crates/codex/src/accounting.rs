//! Exact token accounting over Codex's cumulative totals.
//!
//! Codex writes the thread's running total (`total_token_usage`) after each model response,
//! and again, unchanged, whenever rate limits refresh. Forks and sub-agents replay the
//! parent's rows into the child's file. On context overflow the total is overwritten with a
//! fill value (`total_tokens` = window, every component 0). The rules here:
//!
//! - bill the change of the total; an unchanged total bills nothing;
//! - replayed rows (before the child's first own turn) only set the baseline;
//! - a fill row is a new baseline and bills nothing (the failed request used nothing billable);
//! - a slightly smaller total that arrives late is stale and ignored;
//! - any other drop restarts counting: the row's own total is new usage.

use agentobs_schema::TokenUsage;
use serde::{Deserialize, Serialize};

use crate::raw::RawUsage;

/// A cumulative total as Codex wrote it, with the raw `total_tokens` field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// The components.
    pub usage: TokenUsage,
    /// The `total_tokens` field as written (differs from input + output on a fill row).
    pub total_tokens: u64,
}

impl From<RawUsage> for Totals {
    fn from(r: RawUsage) -> Self {
        let usage = to_usage(r);
        Totals {
            total_tokens: r.total_tokens.unwrap_or_else(|| usage.total_tokens()),
            usage,
        }
    }
}

pub(crate) fn to_usage(r: RawUsage) -> TokenUsage {
    TokenUsage {
        input_tokens: r.input_tokens,
        cached_input_tokens: r.cached_input_tokens.min(r.input_tokens),
        cache_write_input_tokens: r
            .cache_write_input_tokens
            .min(r.input_tokens.saturating_sub(r.cached_input_tokens)),
        output_tokens: r.output_tokens,
        reasoning_output_tokens: r.reasoning_output_tokens.min(r.output_tokens),
    }
}

/// What a usage row turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOutcome {
    /// New usage to bill.
    Billed(TokenUsage),
    /// Same total as before (rate-limit refresh, or the record and the `token_count` of one
    /// response).
    Unchanged,
    /// Replayed from the parent thread: sets the baseline only.
    Replayed,
    /// Context-overflow fill: new baseline, nothing billed.
    OverflowFill,
    /// An older snapshot arriving late: ignored.
    Stale,
}

/// Per-thread accounting state. Serializable, so a reader can stop and resume.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accountant {
    prev: Option<Totals>,
    /// The last per-request usage billed without totals (oldest builds), to drop repeats.
    prev_last: Option<TokenUsage>,
    /// Counting restarted because the total fell (not a fill, not stale).
    pub restarts: u64,
}

/// A drop to no less than this share of the previous total is a stale snapshot.
const STALE_SHARE_PERCENT: u64 = 90;

impl Accountant {
    /// The baseline: the last total seen.
    pub fn baseline(&self) -> Option<Totals> {
        self.prev
    }

    /// Feeds one cumulative total. `replaying` marks rows copied from a parent thread.
    pub fn on_total(&mut self, total: Totals, window: Option<u64>, replaying: bool) -> RowOutcome {
        if replaying {
            self.prev = Some(total);
            return RowOutcome::Replayed;
        }
        let u = total.usage;
        let is_fill = u.input_tokens == 0
            && u.output_tokens == 0
            && total.total_tokens > 0
            && window.is_none_or(|w| total.total_tokens >= w.saturating_mul(9) / 10);
        if is_fill {
            self.prev = Some(total);
            return RowOutcome::OverflowFill;
        }
        let Some(prev) = self.prev else {
            self.prev = Some(total);
            return if u.is_zero() {
                RowOutcome::Unchanged
            } else {
                RowOutcome::Billed(u)
            };
        };
        if prev.usage == u {
            // A total that only differs in `total_tokens` is a compaction estimate or a repeat.
            if prev.total_tokens != total.total_tokens {
                self.prev = Some(total);
            }
            return RowOutcome::Unchanged;
        }
        if u.dominates(&prev.usage) {
            self.prev = Some(total);
            return RowOutcome::Billed(u.delta_since(&prev.usage));
        }
        if prev.usage.dominates(&u) {
            let before = prev.usage.total_tokens();
            let now = u.total_tokens();
            if now.saturating_mul(100) >= before.saturating_mul(STALE_SHARE_PERCENT) {
                return RowOutcome::Stale;
            }
            self.restarts = self.restarts.saturating_add(1);
            self.prev = Some(total);
            return RowOutcome::Billed(u);
        }
        // Some components grew, others shrank: bill what grew.
        self.prev = Some(total);
        RowOutcome::Billed(u.delta_since(&prev.usage))
    }

    /// Feeds a per-request usage without any total (builds that wrote a bare usage).
    /// An identical repeat of the previous one is treated as a re-emit.
    pub fn on_last_only(&mut self, last: TokenUsage, replaying: bool) -> RowOutcome {
        if replaying {
            self.prev_last = Some(last);
            return RowOutcome::Replayed;
        }
        if self.prev_last == Some(last) {
            return RowOutcome::Unchanged;
        }
        self.prev_last = Some(last);
        if last.is_zero() {
            RowOutcome::Unchanged
        } else {
            RowOutcome::Billed(last)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(i: u64, c: u64, o: u64, r: u64) -> Totals {
        let usage = TokenUsage {
            input_tokens: i,
            cached_input_tokens: c,
            cache_write_input_tokens: 0,
            output_tokens: o,
            reasoning_output_tokens: r,
        };
        Totals {
            usage,
            total_tokens: i + o,
        }
    }

    #[test]
    fn bills_deltas_and_ignores_repeats() {
        let mut a = Accountant::default();
        assert_eq!(
            a.on_total(t(100, 50, 10, 5), None, false),
            RowOutcome::Billed(t(100, 50, 10, 5).usage)
        );
        assert_eq!(
            a.on_total(t(100, 50, 10, 5), None, false),
            RowOutcome::Unchanged
        );
        assert_eq!(
            a.on_total(t(250, 120, 30, 5), None, false),
            RowOutcome::Billed(t(150, 70, 20, 0).usage)
        );
    }

    #[test]
    fn replay_sets_baseline_only() {
        let mut a = Accountant::default();
        assert_eq!(
            a.on_total(t(1000, 0, 100, 0), None, true),
            RowOutcome::Replayed
        );
        assert_eq!(
            a.on_total(t(1500, 400, 150, 0), None, false),
            RowOutcome::Billed(t(500, 400, 50, 0).usage)
        );
    }

    #[test]
    fn overflow_fill_bills_nothing_and_resets() {
        let mut a = Accountant::default();
        a.on_total(t(9000, 0, 100, 0), Some(258_400), false);
        let fill = Totals {
            usage: TokenUsage::default(),
            total_tokens: 258_400,
        };
        assert_eq!(
            a.on_total(fill, Some(258_400), false),
            RowOutcome::OverflowFill
        );
        let mut next = t(3000, 1000, 40, 0);
        next.total_tokens = 258_400 + 3040;
        assert_eq!(
            a.on_total(next, Some(258_400), false),
            RowOutcome::Billed(t(3000, 1000, 40, 0).usage)
        );
    }

    #[test]
    fn stale_snapshot_is_ignored_big_drop_restarts() {
        let mut a = Accountant::default();
        a.on_total(t(10_000, 0, 1000, 0), None, false);
        assert_eq!(
            a.on_total(t(9_900, 0, 1000, 0), None, false),
            RowOutcome::Stale
        );
        assert_eq!(
            a.on_total(t(10_500, 0, 1100, 0), None, false),
            RowOutcome::Billed(t(500, 0, 100, 0).usage)
        );
        assert_eq!(
            a.on_total(t(200, 0, 20, 0), None, false),
            RowOutcome::Billed(t(200, 0, 20, 0).usage)
        );
        assert_eq!(a.restarts, 1);
    }
}
