//! Content capture: which kinds of content reach the dialects, and how much of it.
//!
//! The [`Mapper`](crate::Mapper) applies the policy to every event *before* a dialect sees it:
//! content of a kind that is off is withheld (its length kept), so no dialect — ours or a
//! user's — can put it on a record.

use std::borrow::Cow;

use agentobs_schema::{Event, EventKind, Redacted};

/// Which content is captured. The default captures nothing.
///
/// ```
/// use agentobs_semconv::ContentPolicy;
/// let policy = ContentPolicy::default().with_prompts(true).with_max_chars(Some(1000));
/// assert!(policy.prompts && !policy.tool_output);
/// assert_eq!(ContentPolicy::all().max_chars, Some(ContentPolicy::DEFAULT_MAX_CHARS));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContentPolicy {
    /// User prompts. Default off.
    pub prompts: bool,
    /// Tool call arguments. Default off.
    pub tool_arguments: bool,
    /// Tool output. Default off.
    pub tool_output: bool,
    /// Text written by the model or a reviewer: guardian rationales, compaction summaries.
    /// Default off.
    pub assistant_text: bool,
    /// Longest captured text in characters; longer text is cut and marked. Default
    /// [`DEFAULT_MAX_CHARS`](Self::DEFAULT_MAX_CHARS); `None` keeps everything.
    pub max_chars: Option<usize>,
}

impl Default for ContentPolicy {
    fn default() -> Self {
        ContentPolicy {
            prompts: false,
            tool_arguments: false,
            tool_output: false,
            assistant_text: false,
            max_chars: Some(Self::DEFAULT_MAX_CHARS),
        }
    }
}

impl ContentPolicy {
    /// The default truncation limit, in characters.
    pub const DEFAULT_MAX_CHARS: usize = 8192;

    /// Nothing captured (the default).
    pub fn none() -> Self {
        Self::default()
    }

    /// Every kind captured, with the default limit.
    pub fn all() -> Self {
        ContentPolicy {
            prompts: true,
            tool_arguments: true,
            tool_output: true,
            assistant_text: true,
            ..Self::default()
        }
    }

    /// Sets prompt capture.
    pub fn with_prompts(mut self, on: bool) -> Self {
        self.prompts = on;
        self
    }

    /// Sets tool-argument capture.
    pub fn with_tool_arguments(mut self, on: bool) -> Self {
        self.tool_arguments = on;
        self
    }

    /// Sets tool-output capture.
    pub fn with_tool_output(mut self, on: bool) -> Self {
        self.tool_output = on;
        self
    }

    /// Sets assistant-text capture.
    pub fn with_assistant_text(mut self, on: bool) -> Self {
        self.assistant_text = on;
        self
    }

    /// Sets the truncation limit.
    pub fn with_max_chars(mut self, max: Option<usize>) -> Self {
        self.max_chars = max;
        self
    }

    /// True when some kind is captured.
    pub fn captures_any(&self) -> bool {
        self.prompts || self.tool_arguments || self.tool_output || self.assistant_text
    }

    /// The event as dialects may see it: content of kinds that are off withheld.
    pub fn apply<'e>(&self, event: &'e Event) -> Cow<'e, Event> {
        if !self.leaks(event) {
            return Cow::Borrowed(event);
        }
        let mut owned = event.clone();
        match &mut owned.kind {
            EventKind::UserPrompt(p) => withhold(&mut p.text, self.prompts),
            EventKind::ToolResult(r) => {
                withhold(&mut r.arguments, self.tool_arguments);
                withhold(&mut r.output, self.tool_output);
            }
            EventKind::GuardianReview(g) => {
                if let Some(r) = &mut g.rationale {
                    withhold(r, self.assistant_text);
                }
            }
            EventKind::Compaction(c) => {
                if let Some(s) = &mut c.summary {
                    withhold(s, self.assistant_text);
                }
            }
            _ => {}
        }
        Cow::Owned(owned)
    }

    /// True when the event shows content this policy withholds.
    fn leaks(&self, event: &Event) -> bool {
        let shown = |r: &Redacted<String>| !r.is_withheld();
        match &event.kind {
            EventKind::UserPrompt(p) => !self.prompts && shown(&p.text),
            EventKind::ToolResult(r) => {
                (!self.tool_arguments && shown(&r.arguments))
                    || (!self.tool_output && shown(&r.output))
            }
            EventKind::GuardianReview(g) => {
                !self.assistant_text && g.rationale.as_ref().is_some_and(shown)
            }
            EventKind::Compaction(c) => {
                !self.assistant_text && c.summary.as_ref().is_some_and(shown)
            }
            _ => false,
        }
    }

    /// Captured text, cut to the limit: `None` when withheld.
    ///
    /// A cut text ends with `…[truncated, N chars]`, N the full length.
    pub fn text<'a>(&self, content: &'a Redacted<String>) -> Option<Cow<'a, str>> {
        let text = content.value()?;
        let Some(max) = self.max_chars else {
            return Some(Cow::Borrowed(text));
        };
        match text.char_indices().nth(max) {
            None => Some(Cow::Borrowed(text)),
            Some((cut, _)) => {
                let total = text.chars().count();
                let head = text.get(..cut).unwrap_or_default();
                Some(Cow::Owned(format!("{head}…[truncated, {total} chars]")))
            }
        }
    }
}

fn withhold(content: &mut Redacted<String>, keep: bool) {
    if !keep && !content.is_withheld() {
        *content = Redacted::withheld(content.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::{Harness, SessionContext, Timestamp, ToolResult, UserPrompt};
    use std::sync::Arc;

    fn prompt(text: &str) -> Event {
        let mut p = UserPrompt::default();
        p.text = Redacted::shown(text.to_owned());
        let ctx = Arc::new(SessionContext::new(Harness::Codex));
        Event::new(Timestamp::default(), ctx, EventKind::UserPrompt(p))
    }

    #[test]
    fn off_kinds_are_withheld_before_mapping() {
        let ev = prompt("secret plan");
        let seen = ContentPolicy::default().apply(&ev);
        let EventKind::UserPrompt(p) = &seen.kind else {
            unreachable!()
        };
        assert_eq!(p.text, Redacted::withheld(11));
        let seen = ContentPolicy::default().with_prompts(true).apply(&ev);
        assert!(matches!(seen, Cow::Borrowed(_)));
    }

    #[test]
    fn tool_kinds_are_separate() {
        let mut r = ToolResult::new("shell");
        r.arguments = Redacted::shown("ls".into());
        r.output = Redacted::shown("a b".into());
        let ctx = Arc::new(SessionContext::new(Harness::Codex));
        let ev = Event::new(Timestamp::default(), ctx, EventKind::ToolResult(r));
        let seen = ContentPolicy::default()
            .with_tool_arguments(true)
            .apply(&ev);
        let EventKind::ToolResult(r) = &seen.kind else {
            unreachable!()
        };
        assert_eq!(r.arguments.value().map(String::as_str), Some("ls"));
        assert_eq!(r.output, Redacted::withheld(3));
    }

    #[test]
    fn truncation_is_by_characters_and_marked() {
        let p = ContentPolicy::all().with_max_chars(Some(3));
        let text = Redacted::shown("ééééé".to_owned());
        assert_eq!(p.text(&text).as_deref(), Some("ééé…[truncated, 5 chars]"));
        let short = Redacted::shown("ab".to_owned());
        assert_eq!(p.text(&short).as_deref(), Some("ab"));
        assert_eq!(p.text(&Redacted::withheld(4)), None);
    }
}
