//! Finding Gemini CLI chat logs: `$GEMINI_CLI_HOME/.gemini` or `~/.gemini`, `tmp/*/chats/`.

use std::io;
use std::path::{Path, PathBuf};

/// One file of a Gemini home.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChatFile {
    /// Its path.
    pub path: PathBuf,
}

/// A directory could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct DiscoverError {
    /// The directory.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

/// The default Gemini home: `$GEMINI_CLI_HOME/.gemini` when set, else `~/.gemini`; only when
/// it exists.
pub fn default_homes() -> Vec<PathBuf> {
    let base = std::env::var_os("GEMINI_CLI_HOME").or_else(|| std::env::var_os("HOME"));
    base.map(|b| PathBuf::from(b).join(".gemini"))
        .filter(|h| h.is_dir())
        .into_iter()
        .collect()
}

/// Every chat log under the default homes, sorted by path.
pub fn discover() -> Result<Vec<ChatFile>, DiscoverError> {
    let mut out = Vec::new();
    for home in default_homes() {
        out.extend(discover_in(&home)?);
    }
    Ok(out)
}

/// Every `tmp/<project>/chats/*.jsonl` under `home`, sorted; a missing directory is empty.
pub fn discover_in(home: &Path) -> Result<Vec<ChatFile>, DiscoverError> {
    let mut out = Vec::new();
    for project in list(&home.join("tmp"))? {
        for file in list(&project.join("chats"))? {
            if file.extension().is_some_and(|e| e == "jsonl") && file.is_file() {
                out.push(ChatFile { path: file });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, DiscoverError> {
    match std::fs::read_dir(dir) {
        Ok(e) => Ok(e.flatten().map(|e| e.path()).collect()),
        Err(e)
            if e.kind() == io::ErrorKind::NotFound || e.kind() == io::ErrorKind::NotADirectory =>
        {
            Ok(Vec::new())
        }
        Err(source) => Err(DiscoverError {
            path: dir.display().to_string(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_chat_logs() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("tmp/proj/chats");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(c.join("session-2026-11-25T08-48-9f06dd96.jsonl"), "").unwrap();
        std::fs::write(dir.path().join("tmp/proj/logs.json"), "").unwrap();
        let found = discover_in(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert!(discover_in(&dir.path().join("none")).unwrap().is_empty());
    }
}
