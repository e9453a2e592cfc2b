//! Turning command-line paths into rollout files.

use std::path::PathBuf;

use agentobs_codex::{RolloutFile, default_codex_home, discover};

/// Paths and Codex homes given on the command line.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Rollout files or folders to read.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Codex home to read (`sessions/` and `archived_sessions/`); repeatable.
    /// Default when no PATH is given: $CODEX_HOME, else ~/.codex.
    #[arg(long = "codex-home", value_name = "DIR")]
    pub codex_homes: Vec<PathBuf>,
}

impl InputArgs {
    /// Every rollout, deduplicated; an error message for an unusable path.
    pub fn files(&self) -> Result<Vec<RolloutFile>, String> {
        let roots = self.roots();
        if roots.is_empty() {
            return Err("no input: give a PATH or --codex-home (HOME is not set)".into());
        }
        discover(&roots).map_err(|e| e.to_string())
    }

    /// The paths to read: PATHs and homes, else the default Codex home(s).
    pub fn roots(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = self.paths.clone();
        roots.extend(self.codex_homes.iter().cloned());
        if roots.is_empty() {
            if let Some(v) = std::env::var_os("CODEX_HOME").filter(|v| !v.is_empty()) {
                roots.extend(
                    v.to_string_lossy()
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(PathBuf::from),
                );
            } else if let Some(home) = default_codex_home() {
                roots.push(home);
            }
        }
        roots
    }
}
