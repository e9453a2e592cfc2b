//! Exact token accounting over Codex's cumulative totals and per-response records.
//!
//! Codex writes the thread's running total (`total_token_usage`, with the request's own
//! `last_token_usage`) after each model response, and again, unchanged, whenever rate limits
//! refresh. 0.169 and later also write one `token_usage_record` per response. Forks and
//! sub-agents replay the parent's rows into the child's file. On context overflow the total
//! is overwritten with a fill value (`total_tokens` = window, every component 0).
//!
//! The rules (each is a row of the table in the crate README, with its test):
//!
//! - bill the change of the total; an unchanged total bills nothing;
//! - replayed rows (before the child's first own turn) only set the baseline;
//! - a fill row (zero components, `total_tokens` at 90% of a known window or more) is a new
//!   baseline and bills nothing; a zero-component row without a known window is a total-only
//!   row and changes nothing;
//! - a total that falls is a restart only on evidence: its components equal the row's own
//!   `last_token_usage` (one request since counting restarted), or, without a
//!   `last_token_usage`, the next row grows from it without regaining the old total; anything
//!   else is a stale snapshot and bills nothing;
//! - a total where some components grew and others fell bills only what grew past the highest
//!   value seen (the baseline is a high-water mark), so alternating snapshots bill once;
//! - records and totals are two readings of the same usage: per component, the bill is the
//!   larger of the two running sums ([`Merge`]), so a response is never billed by both, and a
//!   lost record is still billed by its total;
//! - a record is billed once per response id, however long the session (the ids seen are kept
//!   as 64-bit hashes, never forgotten).

use std::collections::HashSet;

use agentobs_schema::TokenUsage;
use serde::{Deserialize, Serialize};

use crate::raw::RawUsage;

/// The version of the billing rules: bumped whenever a rule changes what a file bills, so
/// that caches of earlier results are not served.
pub const ACCOUNTING_VERSION: u32 = 3;

/// A cumulative total as Codex wrote it, with the raw `total_tokens` field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Totals {
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
        // Codex reports no cache-write lifetimes.
        cache_write_1h_input_tokens: 0,
    }
}

/// Component-wise maximum.
fn max(a: &TokenUsage, b: &TokenUsage) -> TokenUsage {
    TokenUsage {
        input_tokens: a.input_tokens.max(b.input_tokens),
        cached_input_tokens: a.cached_input_tokens.max(b.cached_input_tokens),
        cache_write_input_tokens: a.cache_write_input_tokens.max(b.cache_write_input_tokens),
        output_tokens: a.output_tokens.max(b.output_tokens),
        reasoning_output_tokens: a.reasoning_output_tokens.max(b.reasoning_output_tokens),
        cache_write_1h_input_tokens: a
            .cache_write_1h_input_tokens
            .max(b.cache_write_1h_input_tokens),
    }
}

/// What a usage row turned out to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowOutcome {
    /// New usage to bill.
    Billed(TokenUsage),
    /// Same total as before (rate-limit refresh, a total-only row, or a response already
    /// billed through the other reading).
    Unchanged,
    /// Replayed from the parent thread: sets the baseline only.
    Replayed,
    /// Context-overflow fill: new baseline, nothing billed.
    OverflowFill,
    /// A lower total with no evidence of a restart: ignored (kept aside in case the next row
    /// proves a restart).
    Stale,
}

/// Per-thread accounting of cumulative totals. Serializable, so a reader can stop and resume.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Accountant {
    /// The baseline: the high-water mark of the totals since the last restart or fill.
    prev: Option<Totals>,
    /// A lower total not yet explained (stale, or the first row after a restart).
    #[serde(default)]
    pending_drop: Option<TokenUsage>,
    /// The last per-request usage billed without totals (oldest builds), to drop repeats.
    prev_last: Option<TokenUsage>,
    /// Counting restarted because the total fell (not a fill, not stale).
    pub restarts: u64,
}

impl Accountant {
    /// Feeds one cumulative total and the row's own per-request usage (`last`), when given.
    /// `replaying` marks rows copied from a parent thread.
    pub(crate) fn on_total(
        &mut self,
        total: Totals,
        last: Option<TokenUsage>,
        window: Option<u64>,
        replaying: bool,
    ) -> RowOutcome {
        if replaying {
            self.prev = Some(total);
            self.pending_drop = None;
            return RowOutcome::Replayed;
        }
        let u = total.usage;
        if u.input_tokens == 0 && u.output_tokens == 0 && total.total_tokens > 0 {
            let fill = window.is_some_and(|w| total.total_tokens >= w.saturating_mul(9) / 10);
            if fill {
                self.prev = Some(total);
                self.pending_drop = None;
                return RowOutcome::OverflowFill;
            }
            // Only a `total_tokens`: no components to bill or to measure from.
            return RowOutcome::Unchanged;
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
            self.pending_drop = None;
            // A total that only differs in `total_tokens` is a compaction estimate or a repeat.
            if prev.total_tokens != total.total_tokens {
                self.prev = Some(total);
            }
            return RowOutcome::Unchanged;
        }
        if u.dominates(&prev.usage) {
            // Growth past the old total: any lower row kept aside was stale.
            self.pending_drop = None;
            self.prev = Some(total);
            return RowOutcome::Billed(u.delta_since(&prev.usage));
        }
        let restart = match (last, self.pending_drop) {
            // The total is just this request: counting started again.
            (Some(l), _) => l == u,
            // The row grew from the lower one kept aside without regaining the old total.
            (None, Some(low)) => u.dominates(&low),
            (None, None) => false,
        };
        if restart {
            self.restarts = self.restarts.saturating_add(1);
            self.pending_drop = None;
            self.prev = Some(total);
            return RowOutcome::Billed(u);
        }
        if prev.usage.dominates(&u) {
            if last.is_none() {
                self.pending_drop = Some(u);
            }
            return RowOutcome::Stale;
        }
        // Some components grew, others fell: bill only what grew past the high-water mark.
        let high = max(&prev.usage, &u);
        self.prev = Some(Totals {
            usage: high,
            total_tokens: high.total_tokens(),
        });
        let grown = high.delta_since(&prev.usage);
        if grown.is_zero() {
            RowOutcome::Unchanged
        } else {
            RowOutcome::Billed(grown)
        }
    }

    /// Feeds a per-request usage without any total (builds that wrote a bare usage).
    /// An identical repeat of the previous one is treated as a re-emit.
    pub(crate) fn on_last_only(&mut self, last: TokenUsage, replaying: bool) -> RowOutcome {
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

/// Merges the two readings of one thread's usage: per-response records and the changes of
/// the cumulative total. Each is summed on its own; what is billed is, per component, the
/// larger sum. A response seen by both is billed once, whichever comes first; a response
/// seen by one only (a lost or damaged line) is still billed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Merge {
    records: TokenUsage,
    totals: TokenUsage,
}

impl Merge {
    fn billed(&self) -> TokenUsage {
        max(&self.records, &self.totals)
    }

    /// Adds a record's usage; returns what it adds to the bill.
    pub(crate) fn record(&mut self, usage: TokenUsage) -> TokenUsage {
        let before = self.billed();
        self.records = self.records.saturating_add(&usage);
        self.billed().delta_since(&before)
    }

    /// Adds the change of the total; returns what it adds to the bill.
    pub(crate) fn total(&mut self, delta: TokenUsage) -> TokenUsage {
        let before = self.billed();
        self.totals = self.totals.saturating_add(&delta);
        self.billed().delta_since(&before)
    }
}

/// The response ids a thread has billed (or replayed), as 64-bit hashes: a long session
/// never forgets one, at 8 bytes an id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResponseIds(HashSet<u64>);

impl ResponseIds {
    /// FNV-1a: stable across runs and builds (the ids are saved in the cache), and two ids
    /// of one thread collide with a chance of about 2^-64.
    fn key(id: &str) -> u64 {
        id.bytes().fold(0xcbf2_9ce4_8422_2325, |h: u64, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// Records `id`; false when it was already there.
    pub(crate) fn insert(&mut self, id: &str) -> bool {
        self.0.insert(Self::key(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(i: u64, c: u64, o: u64, r: u64) -> TokenUsage {
        TokenUsage {
            input_tokens: i,
            cached_input_tokens: c,
            cache_write_input_tokens: 0,
            output_tokens: o,
            reasoning_output_tokens: r,
            cache_write_1h_input_tokens: 0,
        }
    }

    fn t(i: u64, c: u64, o: u64, r: u64) -> Totals {
        Totals {
            usage: u(i, c, o, r),
            total_tokens: i + o,
        }
    }

    fn total_only(total: u64) -> Totals {
        Totals {
            usage: TokenUsage::default(),
            total_tokens: total,
        }
    }

    /// Feeds rows without `last_token_usage` and no window; returns the sum billed.
    fn bill(rows: &[Totals]) -> TokenUsage {
        let mut a = Accountant::default();
        let mut sum = TokenUsage::default();
        for r in rows {
            if let RowOutcome::Billed(b) = a.on_total(*r, None, None, false) {
                sum += b;
            }
        }
        sum
    }

    #[test]
    fn bills_deltas_and_ignores_repeats() {
        let mut a = Accountant::default();
        let b = a.on_total(t(100, 50, 10, 5), None, None, false);
        assert_eq!(b, RowOutcome::Billed(u(100, 50, 10, 5)));
        let b = a.on_total(t(100, 50, 10, 5), None, None, false);
        assert_eq!(b, RowOutcome::Unchanged);
        let b = a.on_total(t(250, 120, 30, 5), None, None, false);
        assert_eq!(b, RowOutcome::Billed(u(150, 70, 20, 0)));
    }

    #[test]
    fn replay_sets_baseline_only() {
        let mut a = Accountant::default();
        let b = a.on_total(t(1000, 0, 100, 0), None, None, true);
        assert_eq!(b, RowOutcome::Replayed);
        let b = a.on_total(t(1500, 400, 150, 0), None, None, false);
        assert_eq!(b, RowOutcome::Billed(u(500, 400, 50, 0)));
    }

    #[test]
    fn overflow_fill_bills_nothing_and_resets() {
        let mut a = Accountant::default();
        a.on_total(t(9000, 0, 100, 0), None, Some(258_400), false);
        let fill = total_only(258_400);
        assert_eq!(
            a.on_total(fill, None, Some(258_400), false),
            RowOutcome::OverflowFill
        );
        // Counting starts from zero again: 3000/1000/40 is all new.
        let mut next = t(3000, 1000, 40, 0);
        next.total_tokens = 258_400 + 3040;
        let b = a.on_total(next, None, Some(258_400), false);
        assert_eq!(b, RowOutcome::Billed(u(3000, 1000, 40, 0)));
    }

    #[test]
    fn a_total_only_row_without_a_window_is_not_a_fill() {
        // {in 1000, out 100}, {total 1100 only}, {in 2000, out 200}: 2000 + 200 = 2,200 in all.
        let billed = bill(&[t(1000, 0, 100, 0), total_only(1100), t(2000, 0, 200, 0)]);
        assert_eq!(billed, u(2000, 0, 200, 0));
        assert_eq!(billed.total_tokens(), 2200);
    }

    #[test]
    fn a_late_lower_snapshot_then_a_higher_one_bills_the_higher_only() {
        // 120k, then a stale 50k, then 130k: 130k of usage in all, not 250k.
        let billed = bill(&[t(120_000, 0, 0, 0), t(50_000, 0, 0, 0), t(130_000, 0, 0, 0)]);
        assert_eq!(billed, u(130_000, 0, 0, 0));
    }

    #[test]
    fn alternating_snapshots_bill_the_high_water_mark() {
        // {100,10}, {90,12}, {100,12}: 100 input and 12 output, not 110 input.
        let billed = bill(&[t(100, 0, 10, 0), t(90, 0, 12, 0), t(100, 0, 12, 0)]);
        assert_eq!(billed, u(100, 0, 12, 0));
    }

    #[test]
    fn a_drop_is_a_restart_when_the_row_is_its_own_request() {
        // 10000/1000, then 200/20 whose last_token_usage is 200/20: one request since counting
        // restarted. 10000 + 200 input, 1000 + 20 output.
        let mut a = Accountant::default();
        a.on_total(
            t(10_000, 0, 1000, 0),
            Some(u(10_000, 0, 1000, 0)),
            None,
            false,
        );
        let b = a.on_total(t(200, 0, 20, 0), Some(u(200, 0, 20, 0)), None, false);
        assert_eq!(b, RowOutcome::Billed(u(200, 0, 20, 0)));
        assert_eq!(a.restarts, 1);
        // A lower total whose last request is smaller than it is a late snapshot.
        let b = a.on_total(t(150, 0, 10, 0), Some(u(50, 0, 5, 0)), None, false);
        assert_eq!(b, RowOutcome::Stale);
    }

    #[test]
    fn a_drop_without_last_usage_is_decided_by_the_next_row() {
        // 120k, 50k, 60k: the third row grows from 50k without regaining 120k, so counting
        // restarted at 50k: 120k + 60k.
        let billed = bill(&[t(120_000, 0, 0, 0), t(50_000, 0, 0, 0), t(60_000, 0, 0, 0)]);
        assert_eq!(billed, u(180_000, 0, 0, 0));
        // A drop at the very end, with nothing after it, bills nothing.
        assert_eq!(
            bill(&[t(120_000, 0, 0, 0), t(50_000, 0, 0, 0)]),
            u(120_000, 0, 0, 0)
        );
    }

    #[test]
    fn merge_bills_a_response_once_whichever_reading_comes_first() {
        let mut m = Merge::default();
        // Record first, then the total's change for the same response.
        assert_eq!(m.record(u(4210, 3968, 57, 32)), u(4210, 3968, 57, 32));
        assert_eq!(m.total(u(4210, 3968, 57, 32)), TokenUsage::default());
        // Total first (its record comes late), then the record.
        assert_eq!(m.total(u(4570, 4096, 38, 0)), u(4570, 4096, 38, 0));
        assert_eq!(m.record(u(4570, 4096, 38, 0)), TokenUsage::default());
        // Two different responses with the same numbers are both billed.
        assert_eq!(m.record(u(10, 0, 1, 0)), u(10, 0, 1, 0));
        assert_eq!(m.record(u(10, 0, 1, 0)), u(10, 0, 1, 0));
        assert_eq!(m.total(u(20, 0, 2, 0)), TokenUsage::default());
        // A lost record: the total still bills it.
        assert_eq!(m.total(u(7, 0, 1, 0)), u(7, 0, 1, 0));
    }

    #[test]
    fn a_repeated_bare_usage_bills_once() {
        // 100/10, the same again (a re-emit), then 50/5: 150 / 15.
        let mut a = Accountant::default();
        assert_eq!(
            a.on_last_only(u(100, 0, 10, 0), false),
            RowOutcome::Billed(u(100, 0, 10, 0))
        );
        assert_eq!(
            a.on_last_only(u(100, 0, 10, 0), false),
            RowOutcome::Unchanged
        );
        assert_eq!(
            a.on_last_only(u(50, 0, 5, 0), false),
            RowOutcome::Billed(u(50, 0, 5, 0))
        );
    }

    #[test]
    fn response_ids_are_never_forgotten() {
        let mut ids = ResponseIds::default();
        for i in 0..10_000 {
            assert!(ids.insert(&format!("resp_{i}")));
        }
        assert!(
            !ids.insert("resp_0"),
            "the first id is still known after 10,000"
        );
    }
}
