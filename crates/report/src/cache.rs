//! The per-file result cache: rollouts are append-only, so a file whose size, modification
//! time and inode are unchanged is not read again, and a file that grew is read from the byte
//! offset where the last run stopped, with the reader's saved state.
//!
//! Two files under the cache folder: `index.json` (keys and summaries, read on every run) and
//! `states.json` (reader states, read only when some file grew). A cache that does not parse,
//! was written by another version or for other options is ignored and rebuilt.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use agentobs_codex::{ReaderState, RolloutFile};
use serde::{Deserialize, Serialize};

use crate::scan::FileSummary;

const INDEX_SCHEMA: &str = "agentobs.report-cache/v1";
const HEAD_BYTES: usize = 4096;

/// What identifies a version of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileKey {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i128,
    /// Inode (0 where unknown).
    pub inode: u64,
}

impl FileKey {
    /// The key of a discovered file.
    pub fn of(f: &RolloutFile) -> Self {
        let mtime_ns = f
            .modified
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        FileKey {
            size: f.size,
            mtime_ns,
            inode: inode(&f.path),
        }
    }
}

#[cfg(unix)]
fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).map(|m| m.ino()).unwrap_or(0)
}

#[cfg(not(unix))]
fn inode(_: &Path) -> u64 {
    0
}

/// FNV-1a over the first bytes of a file: tells a grown file from a replaced one.
fn head_hash(path: &Path, len: u64) -> Option<u64> {
    let mut f = std::fs::File::open(path).ok()?;
    let n = (len as usize).min(HEAD_BYTES);
    let mut buf = vec![0u8; n];
    f.read_exact(&mut buf).ok()?;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in buf {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Some(h)
}

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    key: FileKey,
    head: Option<u64>,
    summary: FileSummary,
}

#[derive(Serialize, Deserialize, Default)]
struct Index {
    schema: String,
    version: String,
    options: String,
    entries: HashMap<PathBuf, Entry>,
}

/// The outcome of a cache lookup.
pub enum Lookup {
    /// Same file, same bytes: use the summary.
    Unchanged(FileSummary),
    /// The file grew: resume from the state with the summary so far.
    Grown(Box<ReaderState>, FileSummary),
    /// Read from the start.
    Miss,
}

/// The cache, loaded.
pub struct Cache {
    dir: PathBuf,
    index: Index,
    states: Option<HashMap<PathBuf, ReaderState>>,
    new_states: HashMap<PathBuf, ReaderState>,
    dirty: bool,
    options: String,
    /// Why the cache on disk was not used, when it was not.
    pub rebuilt: Option<String>,
}

/// The default cache folder: `$XDG_CACHE_HOME/agentobs`, else `~/.cache/agentobs`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("agentobs"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/agentobs"))
}

impl Cache {
    /// Loads the cache in `dir` for reads made with `options` (a label of the read settings).
    pub fn load(dir: &Path, options: &str) -> Cache {
        let mut rebuilt = None;
        let index = match std::fs::read(dir.join("index.json")) {
            Ok(bytes) => match serde_json::from_slice::<Index>(&bytes) {
                Ok(i)
                    if i.schema == INDEX_SCHEMA
                        && i.version == env!("CARGO_PKG_VERSION")
                        && i.options == options =>
                {
                    i
                }
                Ok(_) => {
                    rebuilt = Some("cache written by another version or with other options".into());
                    Index::default()
                }
                Err(e) => {
                    rebuilt = Some(format!("cache unreadable ({e}); rebuilding"));
                    Index::default()
                }
            },
            Err(_) => Index::default(),
        };
        Cache {
            dir: dir.to_owned(),
            index,
            states: None,
            new_states: HashMap::new(),
            dirty: false,
            options: options.to_owned(),
            rebuilt,
        }
    }

    fn states(&mut self) -> &mut HashMap<PathBuf, ReaderState> {
        if self.states.is_none() {
            let states = std::fs::read(self.dir.join("states.json"))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or_default();
            self.states = Some(states);
        }
        self.states.as_mut().expect("just set")
    }

    /// What the cache knows about `path` at `key`.
    pub fn lookup(&mut self, path: &Path, key: &FileKey) -> Lookup {
        let Some(entry) = self.index.entries.get(path) else {
            return Lookup::Miss;
        };
        if entry.key == *key {
            return Lookup::Unchanged(entry.summary.clone());
        }
        let grown = key.size > entry.key.size
            && key.inode == entry.key.inode
            && key.mtime_ns >= entry.key.mtime_ns
            && entry.head.is_some()
            && head_hash(path, entry.key.size) == entry.head;
        if !grown {
            return Lookup::Miss;
        }
        let summary = entry.summary.clone();
        match self.states().get(path) {
            Some(state) if state.offset <= key.size => {
                Lookup::Grown(Box::new(state.clone()), summary)
            }
            _ => Lookup::Miss,
        }
    }

    /// Records a fresh result.
    pub fn store(&mut self, path: &Path, key: FileKey, summary: FileSummary, state: ReaderState) {
        let head = head_hash(path, key.size);
        self.index
            .entries
            .insert(path.to_owned(), Entry { key, head, summary });
        self.new_states.insert(path.to_owned(), state);
        self.dirty = true;
    }

    /// Drops entries under `roots` that were not seen in this run (deleted files).
    pub fn retain_seen(&mut self, roots: &[PathBuf], seen: &[PathBuf]) {
        let seen: std::collections::HashSet<&PathBuf> = seen.iter().collect();
        let before = self.index.entries.len();
        self.index
            .entries
            .retain(|p, _| seen.contains(p) || !roots.iter().any(|r| p.starts_with(r)));
        if self.index.entries.len() != before {
            self.dirty = true;
        }
    }

    /// Writes the cache back when it changed (atomically: temporary file, then rename).
    pub fn save(mut self) -> std::io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        std::fs::create_dir_all(&self.dir)?;
        self.index.schema = INDEX_SCHEMA.into();
        self.index.version = env!("CARGO_PKG_VERSION").into();
        self.index.options = self.options.clone();
        let new_states = std::mem::take(&mut self.new_states);
        let mut states = std::mem::take(self.states());
        states.extend(new_states);
        let index_keys: std::collections::HashSet<&PathBuf> = self.index.entries.keys().collect();
        states.retain(|p, _| index_keys.contains(p));
        write_atomic(&self.dir.join("states.json"), &serde_json::to_vec(&states)?)?;
        write_atomic(
            &self.dir.join("index.json"),
            &serde_json::to_vec(&self.index)?,
        )?;
        Ok(())
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all().ok();
    }
    std::fs::rename(&tmp, path)
}
