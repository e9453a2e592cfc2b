//! Token usage: `token_count` rows (cumulative totals, the oldest bare usages) and
//! `token_usage_record`s (one per response, 0.169+), billed once between them; rate limits.
//! The rules themselves are in [`crate::accounting`].

use agentobs_schema::{
    EventKind, RateLimitSnapshot, RateLimitWindow, Timestamp, TokenUsage, TokenUsageEvent,
    WarningKind,
};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::envelope::Src;
use super::output::Core;
use crate::accounting::{Accountant, Merge, ResponseIds, RowOutcome, Totals, to_usage};
use crate::names;
use crate::raw;

/// The accounting state of a thread.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct UsageTracker {
    /// The `token_count` totals.
    acct: Accountant,
    /// Records and total changes, billed once between them.
    merge: Merge,
    /// Response ids billed or replayed.
    responses: ResponseIds,
    /// The previous record's thread total, for records that give only that.
    record_total: Option<TokenUsage>,
    /// The model's context window, once a row or turn start has said.
    pub(super) context_window: Option<u64>,
}

/// What a billed row says besides the billed usage.
#[derive(Default)]
struct UsageDetail {
    last: Option<TokenUsage>,
    cumulative: Option<TokenUsage>,
    window: Option<u64>,
    turn_id: Option<String>,
    response_id: Option<String>,
}

/// A rate-limit window; `resets_at` from the absolute time, else from `at` plus the
/// seconds left.
fn rate_window(w: Option<raw::RateWindow>, at: Timestamp) -> Option<RateLimitWindow> {
    let w = w?;
    let resets_at = w
        .resets_at
        .map(|s| Timestamp::from_unix_millis(s.saturating_mul(1000)))
        .or_else(|| {
            w.resets_in_seconds.map(|s| {
                Timestamp::from_unix_millis(at.unix_millis().saturating_add(s.saturating_mul(1000)))
            })
        });
    let mut window = RateLimitWindow::new(w.used_percent?);
    window.window_minutes = w.window_minutes;
    window.resets_at = resets_at;
    Some(window)
}

/// `Billed(usage)` unless there is nothing to bill.
fn billed_or_unchanged(usage: TokenUsage) -> RowOutcome {
    if usage.is_zero() {
        RowOutcome::Unchanged
    } else {
        RowOutcome::Billed(usage)
    }
}

impl Core {
    /// Billed usage needs a model to price it by: the default one when no line named any.
    fn ensure_model(&mut self) {
        if self.st.ctx.model.is_none() {
            let ctx = self.ctx_mut();
            ctx.model = Some(names::INFERRED_DEFAULT_MODEL.to_owned());
            ctx.model_inferred = true;
        }
    }

    /// Counts a usage row by its outcome; a billed one becomes a `token_usage` event.
    fn bill(&mut self, outcome: RowOutcome, at: Timestamp, n: u64, detail: UsageDetail) {
        let stats = &mut self.st.stats;
        match outcome {
            RowOutcome::Billed(usage) => {
                stats.billed_rows = stats.billed_rows.saturating_add(1);
                self.ensure_model();
                // The price tier follows the prompt of the request: the last request's when
                // the source says, else the billed input.
                let prompt_tokens = detail.last.map_or(usage.input_tokens, |l| l.input_tokens);
                let mut ev = TokenUsageEvent::new(usage);
                ev.cumulative = detail.cumulative;
                ev.prompt_tokens = Some(prompt_tokens);
                ev.context_window = detail.window.or(self.st.usage.context_window);
                ev.turn_id = detail.turn_id.or_else(|| self.st.turn.turn_id.clone());
                ev.response_id = detail.response_id;
                self.emit(at, n, EventKind::TokenUsage(ev));
            }
            RowOutcome::Unchanged => stats.unchanged_rows = stats.unchanged_rows.saturating_add(1),
            RowOutcome::Replayed => stats.replayed_rows = stats.replayed_rows.saturating_add(1),
            RowOutcome::OverflowFill => {
                stats.overflow_fills = stats.overflow_fills.saturating_add(1)
            }
            RowOutcome::Stale => stats.stale_rows = stats.stale_rows.saturating_add(1),
        }
    }

    /// `token_usage_record` (0.169+): one per model response, with the response's own usage.
    /// Once a file has them they are authoritative: per-response usage deduplicated by
    /// response id needs no cumulative arithmetic, and `token_count` rows only move the
    /// baseline. (The record's thread total does not follow `token_count`'s overflow reset, so
    /// the two totals must never be mixed.)
    pub(super) fn usage_record(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        let rec = match src.parse_or(crate::fastpath::usage_record) {
            Ok(r) => r,
            Err(e) => return self.bad(n, "token_usage_record", &e),
        };
        let usage = &mut self.st.usage;
        if self.st.lineage.replaying {
            if let Some(id) = rec.response_id.as_deref() {
                usage.responses.insert(id);
            }
            self.st.stats.replayed_rows = self.st.stats.replayed_rows.saturating_add(1);
            return;
        }
        let thread_total = rec.thread_token_usage.map(Totals::from);
        let own = match (rec.usage.map(to_usage), thread_total, usage.record_total) {
            (Some(u), _, _) => u,
            (None, Some(t), Some(prev)) => t.usage.delta_since(&prev),
            (None, Some(t), None) => t.usage,
            (None, None, _) => return,
        };
        if thread_total.is_some() {
            usage.record_total = thread_total.map(|t| t.usage);
        }
        // A response is billed once, by its id; without an id, every record counts.
        let first_time = rec
            .response_id
            .as_deref()
            .is_none_or(|id| usage.responses.insert(id));
        let added = if first_time {
            usage.merge.record(own)
        } else {
            TokenUsage::default()
        };
        let detail = UsageDetail {
            last: Some(own),
            cumulative: thread_total.map(|t| t.usage),
            window: None,
            turn_id: rec.turn_id,
            response_id: rec.response_id,
        };
        self.bill(billed_or_unchanged(added), at, n, detail);
    }

    /// `token_count`: the thread's running total (or, in the oldest builds, a bare
    /// per-request usage), and in full mode the rate limits.
    pub(super) fn token_count(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        // Token mode needs no rate limits: read the compact form by hand when it is one.
        let full = self.full();
        let fast = |b| {
            let info = crate::fastpath::token_count_info(b).filter(|_| !full)?;
            Some(raw::TokenCount {
                info,
                ..raw::TokenCount::default()
            })
        };
        let tc = match src.parse_or(fast) {
            Ok(t) => t,
            Err(e) => return self.bad(n, "token_count", &e),
        };
        if full && let Some(rl) = tc.rate_limits {
            self.rate_limits(rl, at, n);
        }
        let Some((outcome, detail)) = self.token_count_row(tc) else {
            return;
        };
        // The change of the total is billed only where the records have not billed it.
        let outcome = match outcome {
            RowOutcome::Billed(delta) => billed_or_unchanged(self.st.usage.merge.total(delta)),
            other => other,
        };
        self.bill(outcome, at, n, detail);
    }

    /// The accountant's verdict on a `token_count` row; `None` for a row without usage
    /// (`info: null`: rate limits only).
    fn token_count_row(&mut self, tc: raw::TokenCount<'_>) -> Option<(RowOutcome, UsageDetail)> {
        let replaying = self.st.lineage.replaying;
        let usage = &mut self.st.usage;
        if let Some(info) = tc.info {
            if info.model_context_window.is_some() {
                usage.context_window = info.model_context_window;
            }
            let last = info.last_token_usage.map(to_usage);
            let detail = UsageDetail {
                last,
                window: info.model_context_window,
                ..UsageDetail::default()
            };
            if let Some(total) = info.total_token_usage {
                let total = Totals::from(total);
                let window = info.model_context_window.or(usage.context_window);
                let o = usage.acct.on_total(total, last, window, replaying);
                let detail = UsageDetail {
                    cumulative: Some(total.usage),
                    ..detail
                };
                return Some((o, detail));
            }
            let l = last?;
            return Some((usage.acct.on_last_only(l, replaying), detail));
        }
        if tc.input_tokens.is_none() && tc.output_tokens.is_none() {
            return None;
        }
        // The oldest shape: a bare per-request usage.
        let l = to_usage(raw::RawUsage {
            input_tokens: tc.input_tokens.unwrap_or(0),
            cached_input_tokens: tc.cached_input_tokens.unwrap_or(0),
            cache_write_input_tokens: 0,
            output_tokens: tc.output_tokens.unwrap_or(0),
            reasoning_output_tokens: tc.reasoning_output_tokens.unwrap_or(0),
            total_tokens: None,
        });
        let detail = UsageDetail {
            last: Some(l),
            ..UsageDetail::default()
        };
        Some((usage.acct.on_last_only(l, replaying), detail))
    }

    /// A `token_count`'s rate limits, as an event when they say anything.
    fn rate_limits(&mut self, raw_rl: &RawValue, at: Timestamp, n: u64) {
        let rl = match serde_json::from_str::<raw::RateLimits>(raw_rl.get()) {
            Ok(rl) => rl,
            Err(e) => {
                // The usage of the line is kept; only the rate limits are unusable.
                let msg = format!("token_count rate_limits: {e}; rate limits skipped");
                return self.warn(n, WarningKind::BadValue, msg);
            }
        };
        let primary = rate_window(rl.primary, at).or_else(|| {
            rl.primary_used_percent.map(|p| {
                let mut window = RateLimitWindow::new(p);
                window.window_minutes = rl.primary_window_minutes;
                window
            })
        });
        let secondary = rate_window(rl.secondary, at).or_else(|| {
            rl.secondary_used_percent.map(|p| {
                let mut window = RateLimitWindow::new(p);
                window.window_minutes = rl.secondary_window_minutes;
                window
            })
        });
        let mut snap = RateLimitSnapshot::default();
        snap.limit_id = rl.limit_id;
        snap.primary = primary;
        snap.secondary = secondary;
        snap.plan_type = rl.plan_type;
        snap.credits_balance = rl.credits.and_then(|c| c.balance);
        snap.reached = rl.rate_limit_reached_type;
        let informative = snap.primary.is_some()
            || snap.secondary.is_some()
            || snap.credits_balance.is_some()
            || snap.reached.is_some();
        if informative {
            self.emit(at, n, EventKind::RateLimits(snap));
        }
    }
}
