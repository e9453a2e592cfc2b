//! A circuit breaker for exporters: after a failed export, the next ones fail at once (and
//! are counted) until a back-off has passed, so a dead collector costs one timeout per
//! back-off window, not one per batch. The back-off doubles on each failure, from
//! [`MIN_BACKOFF`] up to [`MAX_BACKOFF`], and resets on success.

use std::time::{Duration, Instant};

/// First back-off after a failure.
pub(crate) const MIN_BACKOFF: Duration = Duration::from_millis(500);
/// Longest back-off.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub(crate) struct Breaker {
    open_until: Option<Instant>,
    backoff: Duration,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            open_until: None,
            backoff: MIN_BACKOFF,
        }
    }
}

impl Breaker {
    /// True when an export may be tried now.
    pub(crate) fn allow(&self) -> bool {
        self.open_until.is_none_or(|t| Instant::now() >= t)
    }

    /// The last export worked.
    pub(crate) fn success(&mut self) {
        self.open_until = None;
        self.backoff = MIN_BACKOFF;
    }

    /// The last export failed: wait the back-off before the next try.
    pub(crate) fn failure(&mut self) {
        self.open_until = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    /// Lets the next export through whatever the back-off (the last chance at shutdown).
    pub(crate) fn half_open(&mut self) {
        self.open_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_on_failure_doubles_and_resets() {
        let mut b = Breaker::default();
        assert!(b.allow());
        b.failure();
        assert!(!b.allow());
        assert_eq!(b.backoff, MIN_BACKOFF * 2);
        for _ in 0..20 {
            b.failure();
        }
        assert_eq!(b.backoff, MAX_BACKOFF);
        b.half_open();
        assert!(b.allow());
        b.success();
        assert_eq!(b.backoff, MIN_BACKOFF);
    }
}
