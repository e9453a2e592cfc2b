//! Hand-rolled readers for compact lines: the hottest kinds are read without a JSON parse.
//! Anything unexpected returns `None` and the caller falls back to the full JSON parser, so
//! results never depend on the path taken.
//!
//! - [`usage`]: the usage objects of `token_count` and `token_usage_record`.
//! - [`members`]: a walker over an object's top-level members, and the readers built on it
//!   (`task_started`, `turn_context`, `thread_settings_applied`, `session_meta`).
//!
//! Finding a key by searching for `"name":` is exact in JSON text: inside a string every quote
//! is escaped, so an unescaped `"name":` can only be a key.

use memchr::memmem;

/// The bytes after the first match of `finder`, with a prebuilt searcher (building one per call
/// dominates on short lines).
fn find_with<'a>(hay: &'a [u8], finder: &memmem::Finder<'_>) -> Option<&'a [u8]> {
    let i = finder.find(hay)?;
    hay.get(i.checked_add(finder.needle().len())?..)
}

/// Like [`find_with`], looking first after `from` (where Codex's key order puts the key) and
/// only then from the start: the result is the same, the search usually much shorter.
fn find_after<'a>(
    hay: &'a [u8],
    from: usize,
    finder: &memmem::Finder<'_>,
) -> Option<(&'a [u8], usize)> {
    let n = finder.needle().len();
    let (before, after) = hay.split_at(from.min(hay.len()));
    let at = finder
        .find(after)
        .and_then(|i| i.checked_add(before.len()))
        .or_else(|| finder.find(before))?;
    let end = at.checked_add(n)?;
    Some((hay.get(end..)?, end))
}

macro_rules! finder {
    ($name:ident, $lit:expr) => {
        static $name: std::sync::LazyLock<memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memmem::Finder::new($lit));
    };
}

mod members;
mod usage;

pub(crate) use members::{session_meta, task_started, thread_settings_applied, turn_context};
pub(crate) use usage::{token_count_info, usage_record};

/// A run of ASCII digits as a `u64`, and the bytes after it; `None` on no digits or overflow.
fn number(b: &[u8]) -> Option<(u64, &[u8])> {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 20 {
        return None;
    }
    let (digits, rest) = b.split_at(n);
    let mut v: u64 = 0;
    for &c in digits {
        // Every byte is an ASCII digit; an overflow (> u64::MAX) falls back to the full parser.
        v = v
            .checked_mul(10)?
            .checked_add(u64::from(c.checked_sub(b'0')?))?;
    }
    Some((v, rest))
}

/// The payload object of a compact envelope line.
fn payload(line: &[u8]) -> Option<&[u8]> {
    static KEY: std::sync::LazyLock<memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memmem::Finder::new(b"\"payload\":"));
    let i = KEY.find(line)?;
    line.get(i.checked_add(b"\"payload\":".len())?..)
}
