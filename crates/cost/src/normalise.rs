// Model names come from untrusted files: no index or slice that can panic, no overflow.
#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::arithmetic_side_effects)
)]

//! The documented model-name normalisation steps used by [`PriceBook::resolve`].
//!
//! [`PriceBook::resolve`]: crate::PriceBook::resolve

/// The names to try after the exact name, in order, each the result of one more step:
///
/// 1. lowercase (ASCII) and trim;
/// 2. strip a provider prefix: everything up to and including the last `/`
///    (`openai/gpt-5`, `openrouter/openai/gpt-5` → `gpt-5`);
/// 3. for `claude…` names, dotted versions become dashed (`claude-sonnet-4.5` →
///    `claude-sonnet-4-5`), so dated first-party keys still match exactly;
/// 4. strip a trailing date `-YYYY-MM-DD` or `-YYYYMMDD` (`gpt-4.1-2025-04-14` → `gpt-4.1`).
///
/// Steps that change nothing add no name; the exact input itself is not included.
pub(crate) fn candidates(model: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(4);
    let mut push = |s: &str| {
        if s != model && !out.iter().any(|c| c == s) {
            out.push(s.to_owned());
        }
    };

    let mut name = model.trim().to_ascii_lowercase();
    push(&name);

    if let Some((_, last)) = name.rsplit_once('/') {
        name = last.to_owned();
        push(&name);
    }

    if name.starts_with("claude") {
        name = dots_between_digits_to_dashes(&name);
        push(&name);
    }

    if let Some(stem) = strip_date_suffix(&name) {
        name = stem.to_owned();
        push(&name);
    }
    out
}

/// `claude-sonnet-4.5` → `claude-sonnet-4-5`: a `.` with a digit on both sides becomes `-`.
fn dots_between_digits_to_dashes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(ch) = chars.next() {
        let is_version_dot = ch == '.'
            && prev.is_some_and(|p| p.is_ascii_digit())
            && chars.peek().is_some_and(char::is_ascii_digit);
        out.push(if is_version_dot { '-' } else { ch });
        prev = Some(ch);
    }
    out
}

/// The name without a trailing `-YYYY-MM-DD` or `-YYYYMMDD` (a plausible 20xx date), if any.
fn strip_date_suffix(s: &str) -> Option<&str> {
    let num = |r: &str| -> Option<u32> {
        (!r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
            .then(|| r.parse().ok())
            .flatten()
    };
    let plausible = |y: &str, m: &str, d: &str| {
        y.len() == 4
            && y.starts_with("20")
            && num(y).is_some()
            && num(m).is_some_and(|m| (1..=12).contains(&m))
            && num(d).is_some_and(|d| (1..=31).contains(&d))
    };
    // -YYYY-MM-DD
    if let Some((stem, date)) = s.len().checked_sub(11).and_then(|i| s.split_at_checked(i)) {
        let mut parts = date.split('-');
        if let (Some(""), Some(y), Some(m), Some(d), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) && !stem.is_empty()
            && m.len() == 2
            && d.len() == 2
            && plausible(y, m, d)
        {
            return Some(stem);
        }
    }
    // -YYYYMMDD
    if let Some((stem, date)) = s.len().checked_sub(9).and_then(|i| s.split_at_checked(i))
        && !stem.is_empty()
        && let Some(date) = date.strip_prefix('-')
        && date.is_ascii()
        && let (Some(y), Some(m), Some(d)) = (date.get(..4), date.get(4..6), date.get(6..))
        && d.len() == 2
        && plausible(y, m, d)
    {
        return Some(stem);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_in_order() {
        assert_eq!(
            candidates("OpenRouter/Anthropic/Claude-Sonnet-4.5-20250929 "),
            vec![
                "openrouter/anthropic/claude-sonnet-4.5-20250929",
                "claude-sonnet-4.5-20250929",
                "claude-sonnet-4-5-20250929",
                "claude-sonnet-4-5",
            ]
        );
        assert!(candidates("gpt-5").is_empty());
        assert_eq!(candidates("gpt-4.1-2025-04-14"), vec!["gpt-4.1"]);
    }

    #[test]
    fn dots_only_between_digits_and_only_for_claude() {
        assert_eq!(
            dots_between_digits_to_dashes("claude-3.5-sonnet"),
            "claude-3-5-sonnet"
        );
        assert_eq!(dots_between_digits_to_dashes("claude.x.1"), "claude.x.1");
        assert_eq!(candidates("gpt-5.1"), Vec::<String>::new());
    }

    #[test]
    fn date_suffixes() {
        assert_eq!(strip_date_suffix("gpt-4.1-2025-04-14"), Some("gpt-4.1"));
        assert_eq!(
            strip_date_suffix("claude-haiku-4-5-20251001"),
            Some("claude-haiku-4-5")
        );
        assert_eq!(strip_date_suffix("gpt-5"), None);
        assert_eq!(strip_date_suffix("model-12345678"), None); // not a 20xx date
        assert_eq!(strip_date_suffix("model-20251399"), None); // month 13
        assert_eq!(strip_date_suffix("-20250929"), None); // nothing left
        assert_eq!(strip_date_suffix("x-2025-0a-01"), None);
        // Non-ASCII names never split inside a character.
        assert_eq!(strip_date_suffix("é-2025-04-14"), Some("é"));
        assert_eq!(strip_date_suffix("ééééééééééé"), None);
        assert_eq!(strip_date_suffix("x日本語2025"), None);
        assert_eq!(dots_between_digits_to_dashes("é4.5.x"), "é4-5.x");
        assert_eq!(
            strip_date_suffix("anthropic.claude-sonnet-4-20250514-v1:0"),
            None
        );
    }
}
