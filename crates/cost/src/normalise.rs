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

    if let Some(i) = name.rfind('/') {
        name = name[i + 1..].to_owned();
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
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, ch) in s.char_indices() {
        let is_version_dot = ch == '.'
            && i > 0
            && b[i - 1].is_ascii_digit()
            && b.get(i + 1).is_some_and(u8::is_ascii_digit);
        out.push(if is_version_dot { '-' } else { ch });
    }
    out
}

/// The name without a trailing `-YYYY-MM-DD` or `-YYYYMMDD` (a plausible 20xx date), if any.
fn strip_date_suffix(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let num = |r: &[u8]| r.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let plausible = |y: &[u8], m: &[u8], d: &[u8]| {
        digits(y)
            && digits(m)
            && digits(d)
            && y.starts_with(b"20")
            && (1..=12).contains(&num(m))
            && (1..=31).contains(&num(d))
    };
    let n = b.len();
    // -YYYY-MM-DD
    if n > 11 && b[n - 11] == b'-' && b[n - 6] == b'-' && b[n - 3] == b'-' {
        let (y, m, d) = (&b[n - 10..n - 6], &b[n - 5..n - 3], &b[n - 2..]);
        if plausible(y, m, d) {
            return Some(&s[..n - 11]);
        }
    }
    // -YYYYMMDD
    if n > 9 && b[n - 9] == b'-' {
        let (y, m, d) = (&b[n - 8..n - 4], &b[n - 4..n - 2], &b[n - 2..]);
        if plausible(y, m, d) {
            return Some(&s[..n - 9]);
        }
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
        assert_eq!(
            strip_date_suffix("anthropic.claude-sonnet-4-20250514-v1:0"),
            None
        );
    }
}
