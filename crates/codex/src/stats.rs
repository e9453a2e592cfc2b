//! Per-file counts of the rollout reader.

use serde::{Deserialize, Serialize};

/// Counts for one file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStats {
    /// Bytes consumed.
    pub bytes: u64,
    /// Lines seen.
    pub lines: u64,
    /// Lines parsed.
    pub parsed: u64,
    /// Lines skipped by the prefilter (known kinds the mode does not need) or blank.
    pub skipped: u64,
    /// Lines that could not be read (each has a warning).
    pub bad: u64,
    /// The last line is incomplete (file still being written).
    pub incomplete_tail: bool,
    /// Usage rows that billed something.
    pub billed_rows: u64,
    /// Usage rows that repeated the previous total.
    pub unchanged_rows: u64,
    /// Usage rows replayed from a parent thread.
    pub replayed_rows: u64,
    /// Context-overflow fill rows.
    pub overflow_fills: u64,
    /// Stale (late, smaller) totals ignored.
    pub stale_rows: u64,
}
