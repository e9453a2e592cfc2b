//! Finding Claude Code transcripts: `$CLAUDE_CONFIG_DIR/projects` or `~/.claude/projects`.

use std::io;
use std::path::{Path, PathBuf};

/// One transcript file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TranscriptFile {
    /// Its path.
    pub path: PathBuf,
    /// True for a sub-agent transcript (under `<session>/subagents/`).
    pub sidechain: bool,
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

/// The default Claude Code homes: every entry of a comma-separated `$CLAUDE_CONFIG_DIR`, else
/// `~/.claude`. Only directories that exist are returned.
pub fn default_homes() -> Vec<PathBuf> {
    let from_env = std::env::var_os("CLAUDE_CONFIG_DIR")
        .map(|v| {
            v.to_string_lossy()
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| PathBuf::from(s.trim()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let homes = if from_env.is_empty() {
        std::env::var_os("HOME")
            .map(|h| vec![PathBuf::from(h).join(".claude")])
            .unwrap_or_default()
    } else {
        from_env
    };
    homes.into_iter().filter(|h| h.is_dir()).collect()
}

/// Every transcript under the default homes (see [`default_homes`]), sorted by path.
pub fn discover() -> Result<Vec<TranscriptFile>, DiscoverError> {
    let mut out = Vec::new();
    for home in default_homes() {
        out.extend(discover_in(&home)?);
    }
    Ok(out)
}

/// Every `*.jsonl` transcript under `home/projects` (or under `home` itself when it has no
/// `projects` directory), sorted by path; a missing directory is an empty list.
pub fn discover_in(home: &Path) -> Result<Vec<TranscriptFile>, DiscoverError> {
    let projects = home.join("projects");
    let root = if projects.is_dir() {
        projects
    } else {
        home.to_path_buf()
    };
    let mut out = Vec::new();
    walk(&root, 0, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn walk(dir: &Path, depth: u32, out: &mut Vec<TranscriptFile>) -> Result<(), DiscoverError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(DiscoverError {
                path: dir.display().to_string(),
                source,
            });
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth < 4 {
            walk(&path, depth + 1, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "jsonl") {
            let sidechain = path
                .parent()
                .and_then(|p| p.file_name())
                .is_some_and(|n| n == "subagents");
            out.push(TranscriptFile { path, sidechain });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sessions_and_subagents() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("projects/-home-u-w");
        std::fs::create_dir_all(p.join("s1/subagents")).unwrap();
        std::fs::write(p.join("s1.jsonl"), "").unwrap();
        std::fs::write(p.join("s1/subagents/agent-a1.jsonl"), "").unwrap();
        std::fs::write(p.join("notes.txt"), "").unwrap();
        let found = discover_in(dir.path()).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found.iter().filter(|f| f.sidechain).count(), 1);
        let main = found.iter().find(|f| !f.sidechain).unwrap();
        assert!(main.path.ends_with("s1.jsonl"));
        assert!(discover_in(&dir.path().join("none")).unwrap().is_empty());
    }
}
