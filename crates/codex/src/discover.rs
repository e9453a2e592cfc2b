//! Finding rollouts: files, folder trees and Codex homes.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;

/// A rollout file found on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutFile {
    /// Its path.
    pub path: PathBuf,
    /// Size in bytes when found.
    pub size: u64,
    /// Modification time when found.
    pub modified: Option<SystemTime>,
    /// True when it lives under `archived_sessions/`.
    pub archived: bool,
    /// The thread id in its name (`rollout-<time>-<uuid>.jsonl`), when there is one.
    pub thread_key: Option<String>,
    /// Inode number (0 where the platform has none).
    pub inode: u64,
    /// False when found with [`Discovery::stat_files`]`(false)`: `size`, `modified` and
    /// `inode` are then unknown (0 / `None`) until [`RolloutFile::stat`].
    pub stat_known: bool,
}

impl RolloutFile {
    /// Reads size, modification time and inode now.
    pub fn stat(&mut self) -> io::Result<()> {
        let fresh = stat_file(self.path.clone(), self.archived)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not a regular file"))?;
        *self = fresh;
        Ok(())
    }
}

/// A path given to [`Discovery`] (or [`discover`]) could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// The path does not exist or cannot be read.
    #[error("{path}: {source}")]
    Unreadable {
        /// The path.
        path: String,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// `$CODEX_HOME` (the first entry when it lists several, comma-separated), else `~/.codex`.
pub fn default_codex_home() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("CODEX_HOME").filter(|v| !v.is_empty()) {
        let s = v.to_string_lossy().into_owned();
        return s
            .split(',')
            .map(str::trim)
            .find(|s| !s.is_empty())
            .map(PathBuf::from);
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".codex"))
}

fn thread_key(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".jsonl")?;
    if !stem.starts_with("rollout-") || stem.len() < 36 {
        return None;
    }
    // The thread id is the last 36 bytes; a name with non-ASCII bytes there is not one of
    // Codex's (and must not be sliced inside a character).
    let key = stem.get(stem.len().checked_sub(36)?..)?;
    let b = key.as_bytes();
    let dash = |i: usize| b.get(i) == Some(&b'-');
    (key.is_ascii() && dash(8) && dash(13) && dash(18) && dash(23)).then(|| key.to_owned())
}

fn unreadable(path: &Path, source: io::Error) -> DiscoverError {
    DiscoverError::Unreadable {
        path: path.display().to_string(),
        source,
    }
}

/// Walks `dir`: directory entries are listed first (their types come without a stat), then
/// rollout files are stat'ed, which dominates on large homes.
fn walk(
    dir: &Path,
    archived: bool,
    stat: bool,
    out: &mut Vec<RolloutFile>,
) -> Result<(), DiscoverError> {
    let mut candidates = Vec::new();
    list(dir, &mut candidates)?;
    if !stat {
        out.extend(candidates.into_iter().map(|path| RolloutFile {
            thread_key: thread_key(&path),
            size: 0,
            modified: None,
            archived,
            inode: 0,
            stat_known: false,
            path,
        }));
        return Ok(());
    }
    // Stats dominate on large homes: spread them over the cores.
    let found: Vec<RolloutFile> = candidates
        .into_par_iter()
        .filter_map(|path| stat_file(path, archived))
        .collect();
    out.extend(found);
    Ok(())
}

/// `fstatat` through rustix: on some Linux kernels and VMs `statx` (what std uses) costs
/// several times more, and a Codex home holds thousands of files.
#[cfg(target_os = "linux")]
fn stat_file(path: PathBuf, archived: bool) -> Option<RolloutFile> {
    let st = rustix::fs::stat(&path).ok()?;
    if rustix::fs::FileType::from_raw_mode(st.st_mode) != rustix::fs::FileType::RegularFile {
        return None;
    }
    let modified = u64::try_from(st.st_mtime).ok().and_then(|s| {
        let nanos = u32::try_from(st.st_mtime_nsec)
            .unwrap_or(0)
            .min(999_999_999);
        SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::new(s, nanos))
    });
    Some(RolloutFile {
        thread_key: thread_key(&path),
        size: u64::try_from(st.st_size).unwrap_or(0),
        modified,
        archived,
        inode: st.st_ino,
        stat_known: true,
        path,
    })
}

#[cfg(not(target_os = "linux"))]
fn stat_file(path: PathBuf, archived: bool) -> Option<RolloutFile> {
    let meta = std::fs::metadata(&path).ok()?;
    meta.is_file().then(|| file_entry(path, &meta, archived))
}

/// The rollout paths under `dir`; sub-folders are listed in parallel (a Codex home has a
/// folder per day).
fn list(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DiscoverError> {
    let entries = std::fs::read_dir(dir).map_err(|e| unreadable(dir, e))?;
    let mut subdirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(dir, e))?;
        let Ok(ft) = entry.file_type() else { continue };
        let path = entry.path();
        let is_dir = ft.is_dir() || (ft.is_symlink() && path.is_dir());
        if is_dir {
            subdirs.push(path);
        } else if is_rollout_name(&path) {
            out.push(path);
        }
    }
    let nested: Vec<Result<Vec<PathBuf>, DiscoverError>> = subdirs
        .into_par_iter()
        .map(|d| {
            let mut v = Vec::new();
            list(&d, &mut v).map(|()| v)
        })
        .collect();
    for n in nested {
        out.extend(n?);
    }
    Ok(())
}

/// Folder walks take `rollout-*.jsonl` only (Codex's naming); explicit files are read as given.
fn is_rollout_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("rollout-") && n.ends_with(".jsonl"))
}

fn file_entry(path: PathBuf, meta: &std::fs::Metadata, archived: bool) -> RolloutFile {
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0;
    RolloutFile {
        inode,
        thread_key: thread_key(&path),
        size: meta.len(),
        modified: meta.modified().ok(),
        archived,
        stat_known: true,
        path,
    }
}

/// The rollouts of one Codex home: `sessions/` and `archived_sessions/`.
pub fn discover_home(home: &Path) -> Result<Vec<RolloutFile>, DiscoverError> {
    let mut out = Vec::new();
    walk_home(home, true, &mut out)?;
    Ok(dedup(out))
}

fn walk_home(home: &Path, stat: bool, out: &mut Vec<RolloutFile>) -> Result<(), DiscoverError> {
    std::fs::metadata(home).map_err(|e| unreadable(home, e))?;
    for (sub, archived) in [("sessions", false), ("archived_sessions", true)] {
        let dir = home.join(sub);
        if dir.is_dir() {
            walk(&dir, archived, stat, out)?;
        }
    }
    Ok(())
}

/// Finds the rollouts under files, folders and Codex homes.
///
/// A file is itself; a Codex home (a folder with `sessions/` or `archived_sessions/`) is read
/// as such; any other folder is walked for `rollout-*.jsonl`. A thread found more than once
/// (the same `rollout-…-<uuid>.jsonl` in `sessions/` and `archived_sessions/`, or given twice)
/// is kept once: the largest copy, since rollouts only grow. The result is sorted by path.
///
/// ```no_run
/// use agentobs_codex::Discovery;
/// let homes = ["/home/me/.codex".into()];
/// // Every file is opened anyway: skip the stat per file.
/// let files = Discovery::new(&homes).stat_files(false).run()?;
/// # Ok::<(), agentobs_codex::DiscoverError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Discovery<'a> {
    paths: &'a [PathBuf],
    stat_files: bool,
}

impl<'a> Discovery<'a> {
    /// Discovery under `paths`, with each file's metadata read (`stat_files(true)`).
    pub fn new(paths: &'a [PathBuf]) -> Self {
        Discovery {
            paths,
            stat_files: true,
        }
    }

    /// Whether to read each file's size, modification time and inode (a `stat` per file, the
    /// main cost of discovering a large home). Default: `true`. With `false`, only copies of
    /// one thread are stat'ed (to keep the largest); the others have
    /// [`RolloutFile::stat_known`] false, for callers that open every file anyway.
    #[must_use]
    pub fn stat_files(mut self, stat: bool) -> Self {
        self.stat_files = stat;
        self
    }

    /// Walks the paths.
    pub fn run(&self) -> Result<Vec<RolloutFile>, DiscoverError> {
        discover_with(self.paths, self.stat_files)
    }
}

/// The rollouts under each path, each file stat'ed: shorthand for
/// `Discovery::new(paths).run()` (see [`Discovery`]).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<RolloutFile>, DiscoverError> {
    Discovery::new(paths).run()
}

/// Like [`discover`], without reading each file's metadata.
#[deprecated(note = "use `Discovery::new(paths).stat_files(false).run()`")]
pub fn discover_unstated(paths: &[PathBuf]) -> Result<Vec<RolloutFile>, DiscoverError> {
    Discovery::new(paths).stat_files(false).run()
}

fn discover_with(paths: &[PathBuf], stat: bool) -> Result<Vec<RolloutFile>, DiscoverError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| unreadable(p, e))?;
        let archived = p.components().any(|c| c.as_os_str() == "archived_sessions");
        if meta.is_file() {
            out.push(file_entry(p.clone(), &meta, archived));
        } else if p.join("sessions").is_dir() || p.join("archived_sessions").is_dir() {
            walk_home(p, stat, &mut out)?;
        } else {
            walk(p, archived, stat, &mut out)?;
        }
    }
    Ok(dedup(out))
}

fn dedup(mut files: Vec<RolloutFile>) -> Vec<RolloutFile> {
    // Byte order, not `Path`'s component-wise order: the same for our purposes, much faster.
    files.sort_by(|a, b| a.path.as_os_str().cmp(b.path.as_os_str()));
    files.dedup_by(|a, b| a.path == b.path);
    // Copies of one thread are compared by size: make sure those sizes are known.
    let mut count: HashMap<&str, u32> = HashMap::with_capacity(files.len());
    for f in &files {
        if let Some(k) = f.thread_key.as_deref() {
            let n = count.entry(k).or_default();
            *n = n.saturating_add(1);
        }
    }
    let unknown: Vec<usize> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            !f.stat_known
                && f.thread_key
                    .as_deref()
                    .is_some_and(|k| count.get(k) > Some(&1))
        })
        .map(|(i, _)| i)
        .collect();
    drop(count);
    for i in unknown {
        if let Some(f) = files.get_mut(i) {
            let _ = f.stat();
        }
    }
    let mut best: HashMap<&str, usize> = HashMap::with_capacity(files.len());
    let mut keep = vec![true; files.len()];
    for (i, f) in files.iter().enumerate() {
        let Some(key) = f.thread_key.as_deref() else {
            continue;
        };
        match best.get(key) {
            Some(&j) => {
                // `i` and `j` index `files`, and `keep` has its length.
                let b = files.get(j).map(|b| (b.size, !b.archived));
                let loser = if b >= Some((f.size, !f.archived)) {
                    i
                } else {
                    best.insert(key, i);
                    j
                };
                if let Some(k) = keep.get_mut(loser) {
                    *k = false;
                }
            }
            None => {
                best.insert(key, i);
            }
        }
    }
    let mut keep = keep.into_iter();
    files.retain(|_| keep.next().unwrap_or(false));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_keys_from_names() {
        assert_eq!(
            thread_key(Path::new(
                "/x/rollout-2026-11-25T08-21-10-01a211cb-5d67-7e11-8d91-4c2724a0d00a.jsonl"
            ))
            .as_deref(),
            Some("01a211cb-5d67-7e11-8d91-4c2724a0d00a")
        );
        assert_eq!(thread_key(Path::new("notes.jsonl")), None);
    }

    #[test]
    fn archived_copy_counts_once() {
        let dir = tempfile::tempdir().unwrap();
        let name = "rollout-2026-11-25T08-21-10-01a211cb-5d67-7e11-8d91-4c2724a0d00a.jsonl";
        let s = dir.path().join("sessions/2026/11/25");
        std::fs::create_dir_all(&s).unwrap();
        std::fs::create_dir_all(dir.path().join("archived_sessions")).unwrap();
        std::fs::write(s.join(name), "{}\n").unwrap();
        std::fs::write(dir.path().join("archived_sessions").join(name), "{}\n{}\n").unwrap();
        let found = discover_home(dir.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert!(found[0].archived, "the larger copy wins");
    }

    #[test]
    fn unstated_discovery_still_stats_copies_of_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        let copy = "rollout-2026-11-25T08-21-10-01a211cb-5d67-7e11-8d91-4c2724a0d00a.jsonl";
        let alone = "rollout-2026-11-25T08-22-10-01a211cb-5d67-7e11-8d91-4c2724a0d00b.jsonl";
        let s = dir.path().join("sessions");
        let a = dir.path().join("archived_sessions");
        std::fs::create_dir_all(&s).unwrap();
        std::fs::create_dir_all(&a).unwrap();
        std::fs::write(s.join(copy), "{}\n{}\n").unwrap();
        std::fs::write(a.join(copy), "{}\n").unwrap();
        std::fs::write(s.join(alone), "{}\n").unwrap();
        let roots = [dir.path().to_path_buf()];
        let found = Discovery::new(&roots).stat_files(false).run().unwrap();
        assert_eq!(found.len(), 2);
        let kept = found.iter().find(|f| f.path.ends_with(copy)).unwrap();
        assert!(!kept.archived && kept.stat_known && kept.size == 6);
        let other = found.iter().find(|f| f.path.ends_with(alone)).unwrap();
        assert!(!other.stat_known);
        assert_eq!(Discovery::new(&roots).run().unwrap().len(), 2);
        #[allow(deprecated)]
        let old = discover_unstated(&roots).unwrap();
        assert_eq!(old, found);
    }
}
