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

/// The text a long read shows after `i/n files`, from the sink's state.
pub type Progress<'a, S> = &'a dyn Fn(&S) -> String;

/// Reads every file into `sink`, a failure in one file (even a bug of ours) costing only
/// that file: an unopenable file or a panic becomes a warning to the sink. On a terminal,
/// `progress` gives the text shown after `i/n files`.
pub fn read_files<S: agentobs_schema::EventSink>(
    files: &[RolloutFile],
    opts: &agentobs_codex::ReadOptions,
    sink: &mut S,
    progress: Option<Progress<'_, S>>,
) {
    use std::io::IsTerminal;
    use std::ops::ControlFlow;
    let progress = progress.filter(|_| std::io::stderr().is_terminal());
    let mut shown = std::time::Instant::now();
    for (i, f) in files.iter().enumerate() {
        if let Some(text) = progress
            && shown.elapsed() >= std::time::Duration::from_millis(100)
        {
            shown = std::time::Instant::now();
            eprint!("\r{i}/{} files{} ", files.len(), text(sink));
        }
        let label = f.path.display().to_string();
        let read =
            agentobs_codex::guard_file(
                label.clone(),
                || match agentobs_codex::RolloutReader::open(&f.path, opts.clone()) {
                    Ok(mut reader) => reader.feed(&mut *sink),
                    Err(e) => {
                        sink.warning(&agentobs_codex::Warning {
                            path: label.as_str().into(),
                            line: 0,
                            kind: agentobs_codex::WarningKind::Io,
                            message: e.to_string(),
                        });
                        ControlFlow::Continue(())
                    }
                },
            );
        if let Err(w) = read {
            sink.warning(&w);
        }
    }
    if progress.is_some() {
        eprint!("\r\x1b[K");
    }
}
