//! Keeping a failure inside its file: a panic while reading one file (a bug, never the
//! input's fault) becomes a warning for that file, and every other file is still read.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use agentobs_schema::{Warning, WarningKind};

/// Runs `read` (the reading of the file `path`) and turns a panic inside it into an
/// [`WarningKind::Internal`] warning naming the file, so a caller reading many files keeps
/// the others' results. Whatever `read` had produced for this file must then be dropped by
/// the caller: it may be partial.
///
/// ```
/// use agentobs_codex::{WarningKind, guard_file};
/// let w = guard_file("a.jsonl", || -> u32 { panic!("boom") }).unwrap_err();
/// assert_eq!(w.kind, WarningKind::Internal);
/// assert!(w.to_string().starts_with("a.jsonl: internal error"));
/// assert_eq!(guard_file("b.jsonl", || 7), Ok(7));
/// ```
pub fn guard_file<T>(path: impl Into<Arc<str>>, read: impl FnOnce() -> T) -> Result<T, Warning> {
    catch_unwind(AssertUnwindSafe(read)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        Warning {
            path: path.into(),
            line: 0,
            kind: WarningKind::Internal,
            message: format!(
                "internal error while reading this file ({what}); its figures are left out, \
                 every other file is read"
            ),
        }
    })
}
