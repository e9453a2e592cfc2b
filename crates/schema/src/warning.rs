//! What went wrong with a line of a source.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Kinds of trouble a source reports. Reading always goes on with the next line (or file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum WarningKind {
    /// The line is not valid JSON.
    InvalidJson,
    /// The line is not valid UTF-8.
    InvalidUtf8,
    /// Valid JSON of a kind this version does not know; kept as an `Other` event.
    UnknownKind,
    /// A known kind with a value of the wrong shape.
    BadValue,
    /// The line is longer than the configured cap and was skipped.
    Oversized,
    /// The last line has no newline and does not parse: the file is still being written.
    Incomplete,
    /// The file could not be read.
    Io,
    /// Reading the file failed inside agentobs (a bug): the file's results so far are
    /// dropped, every other file is still read.
    Internal,
}

/// A problem with one line of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The file.
    pub path: Arc<str>,
    /// 1-based line number (0 when the problem concerns the whole file).
    pub line: u64,
    /// What kind of problem.
    pub kind: WarningKind,
    /// A readable explanation.
    pub message: String,
}

impl WarningKind {
    /// True for notices that are not errors (a file still being written).
    pub fn is_notice(self) -> bool {
        self == WarningKind::Incomplete
    }
}

impl Warning {
    /// True for notices that are not errors (a file still being written).
    pub fn is_notice(&self) -> bool {
        self.kind.is_notice()
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.path, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}
