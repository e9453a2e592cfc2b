//! Content that may be withheld: prompts, tool arguments, tool output.

use serde::{Deserialize, Serialize};

/// A piece of content that is shown only when the configuration opts in.
///
/// Sources always know the length, so a redacted value still says how big it was.
/// In JSON a shown value is the value itself; a withheld one is `{"redacted":true,"len":N}`.
///
/// ```
/// use agentobs_schema::Redacted;
/// let hidden = Redacted::<String>::withheld(12);
/// assert_eq!(serde_json::to_string(&hidden).unwrap(), r#"{"redacted":true,"len":12}"#);
/// let shown = Redacted::shown("ls -la".to_string());
/// assert_eq!(shown.len(), 6);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Redacted<T> {
    /// The content, kept because the configuration allows it.
    Shown(T),
    /// The content was withheld; only its length (in characters) is known.
    Withheld(WithheldMarker),
}

/// What stands in for withheld content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithheldMarker {
    /// Always `true`; tells a reader that content was withheld on purpose.
    pub redacted: bool,
    /// Length of the withheld content in characters.
    pub len: u64,
}

impl<T> Redacted<T> {
    /// Content withheld, length known.
    pub fn withheld(len: u64) -> Self {
        Redacted::Withheld(WithheldMarker {
            redacted: true,
            len,
        })
    }

    /// Content shown.
    pub fn shown(value: T) -> Self {
        Redacted::Shown(value)
    }

    /// The content when shown.
    pub fn value(&self) -> Option<&T> {
        match self {
            Redacted::Shown(v) => Some(v),
            Redacted::Withheld(_) => None,
        }
    }

    /// True when the content was withheld.
    pub fn is_withheld(&self) -> bool {
        matches!(self, Redacted::Withheld(_))
    }
}

/// The default is content withheld with length 0 (`{"redacted":true,"len":0}`): nothing is
/// shown unless a source sets it, and no `T: Default` is needed.
impl<T> Default for Redacted<T> {
    fn default() -> Self {
        Redacted::withheld(0)
    }
}

impl Redacted<String> {
    /// Keeps `text` when `show` is true, else only its length in characters.
    pub fn from_text(text: &str, show: bool) -> Self {
        if show {
            Redacted::Shown(text.to_owned())
        } else {
            Redacted::withheld(text.chars().count() as u64)
        }
    }

    /// Length in characters, shown or not.
    pub fn len(&self) -> u64 {
        match self {
            Redacted::Shown(v) => v.chars().count() as u64,
            Redacted::Withheld(m) => m.len,
        }
    }

    /// True when the content is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
