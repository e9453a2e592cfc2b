//! Claude Code and Gemini CLI transcripts, read into the same per-file summaries as rollouts.
//!
//! They are read afresh on every run (no cache): Gemini's chat log is a patch log whose
//! records are rewritten by id, and Claude's usage is billed once per message id + request id
//! across files, so a file's figures depend on the files read before it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use agentobs_codex::{Warning, WarningKind, guard_file};
use rayon::prelude::*;

use crate::scan::{FileSummary, SummarySink};

/// A transcript of a harness other than Codex.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transcript {
    /// A Claude Code transcript (`~/.claude/projects/<project>/<session>.jsonl`).
    Claude(PathBuf),
    /// A Gemini CLI chat log (`~/.gemini/tmp/<project>/chats/session-*.jsonl`).
    Gemini(PathBuf),
}

impl Transcript {
    /// The file's path.
    pub fn path(&self) -> &Path {
        match self {
            Transcript::Claude(p) | Transcript::Gemini(p) => p,
        }
    }
}

fn io_warning(path: &Path, message: String) -> Warning {
    Warning {
        path: path.display().to_string().into(),
        line: 0,
        kind: WarningKind::Io,
        message,
    }
}

/// Reads one file into a summary; a panic while reading becomes this file's warning.
fn summarize(
    path: &Path,
    read: impl FnOnce(&mut SummarySink<'_>) -> Result<(), String>,
) -> FileSummary {
    let label: Arc<str> = path.display().to_string().into();
    let mut summary = FileSummary::default();
    let result = guard_file(label, || {
        let mut sink = SummarySink {
            summary: &mut summary,
        };
        read(&mut sink)
    });
    match result {
        Ok(Ok(())) => summary,
        Ok(Err(message)) => {
            summary.warnings.push(io_warning(path, message));
            summary
        }
        // The file's figures are left out: only its warning remains.
        Err(w) => FileSummary {
            warnings: vec![w],
            ..FileSummary::default()
        },
    }
}

/// The project folder of a Claude transcript: the folder under `projects/` it is in (a
/// sub-agent's file is two levels further down, under `<session>/subagents/`).
fn claude_project(path: &Path) -> &Path {
    path.ancestors()
        .skip(1)
        .find(|a| {
            a.parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == "projects")
        })
        // Not under a `projects/` folder: the file's own folder.
        .unwrap_or_else(|| path.parent().unwrap_or(path))
}

/// Reads every transcript into `(file, summary)`, in the order given. Claude transcripts of
/// one project folder are read in order with one shared [`agentobs_claude::SeenRequests`] (a
/// session copied by `--resume` or `--continue` bills once, in the first file that has it);
/// project folders and Gemini logs are read in parallel. `progress` is bumped once per file.
pub fn scan_transcripts(
    files: &[Transcript],
    max_line_bytes: usize,
    progress: &AtomicUsize,
) -> Vec<(Transcript, FileSummary)> {
    // A summary holds usage and the first prompt: the reader skips the rest.
    let claude_opts = agentobs_claude::ReadOptions::tokens()
        .with_content(true)
        .with_max_line_bytes(max_line_bytes);
    let gemini_opts = agentobs_gemini::ReadOptions::default()
        .with_content(true)
        .with_max_line_bytes(max_line_bytes);
    // Claude Code keeps a session, its `--resume` copies and its sub-agents under one project
    // folder (`projects/<dash-encoded cwd>/`), so responses repeat only within a folder:
    // folders are read in parallel, each in order with its own `SeenRequests`.
    let mut projects: std::collections::BTreeMap<&Path, Vec<(usize, &Path)>> =
        std::collections::BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        if let Transcript::Claude(p) = f {
            projects.entry(claude_project(p)).or_default().push((i, p));
        }
    }
    let projects: Vec<Vec<(usize, &Path)>> = projects.into_values().collect();
    let (claude, gemini) = rayon::join(
        || {
            projects
                .par_iter()
                .flat_map_iter(|group| {
                    let mut seen = agentobs_claude::SeenRequests::default();
                    group
                        .iter()
                        .map(|&(i, p)| {
                            let s = summarize(p, |sink| {
                                let mut r =
                                    agentobs_claude::TranscriptReader::open(p, claude_opts.clone())
                                        .map_err(|e| e.source.to_string())?;
                                let _ = r.feed_with(&mut seen, sink);
                                Ok(())
                            });
                            progress.fetch_add(1, Ordering::Relaxed);
                            (i, s)
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        },
        || {
            files
                .par_iter()
                .enumerate()
                .filter_map(|(i, f)| match f {
                    Transcript::Gemini(p) => Some((i, p)),
                    Transcript::Claude(_) => None,
                })
                .map(|(i, p)| {
                    let s = summarize(p, |sink| {
                        let mut r = agentobs_gemini::ChatReader::open(p, gemini_opts.clone())
                            .map_err(|e| e.source.to_string())?;
                        let _ = r.feed(sink);
                        Ok(())
                    });
                    progress.fetch_add(1, Ordering::Relaxed);
                    (i, s)
                })
                .collect::<Vec<_>>()
        },
    );
    let mut out: Vec<(usize, FileSummary)> = claude.into_iter().chain(gemini).collect();
    out.sort_unstable_by_key(|(i, _)| *i);
    out.into_iter()
        .filter_map(|(i, s)| files.get(i).map(|f| (f.clone(), s)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sessions_files_and_its_sub_agents_share_one_project() {
        let main = Path::new("/h/.claude/projects/-w-a/s1.jsonl");
        let copy = Path::new("/h/.claude/projects/-w-a/s2.jsonl");
        let sub = Path::new("/h/.claude/projects/-w-a/s1/subagents/agent-x.jsonl");
        let other = Path::new("/h/.claude/projects/-w-b/s3.jsonl");
        let loose = Path::new("/tmp/t/s4.jsonl");
        let p = Path::new("/h/.claude/projects/-w-a");
        assert_eq!(claude_project(main), p);
        assert_eq!(claude_project(copy), p);
        assert_eq!(claude_project(sub), p);
        assert_eq!(claude_project(other), Path::new("/h/.claude/projects/-w-b"));
        assert_eq!(claude_project(loose), Path::new("/tmp/t"));
    }
}
