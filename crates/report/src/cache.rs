//! The per-file result cache: rollouts are append-only, so a file whose size, modification
//! time and inode are unchanged is not read again, and a file that grew is read from the byte
//! offset where the last run stopped, with the reader's saved state.
//!
//! The cache folder holds one sub-folder per [`CACHE_FORMAT`] and fingerprint (with the
//! billing rules' version, [`agentobs_codex::ACCOUNTING_VERSION`], and the read options), and
//! in it one shard file per rollout folder (a Codex home has one per day), named by a hash of
//! the folder's path. A shard holds the entries and reader states of that folder's rollouts in
//! one file, replaced whole (see [`shard`]); it is loaded when a file of its folder is first
//! looked up, so a run pays for the folders it reports on, not for everything ever cached.
//! Saves take a lock file and merge into the shard as it is on disk then, so two concurrent
//! runs both keep their work. A shard that does not parse is ignored and rebuilt; shards of
//! folders that no longer exist are swept once a day.

mod compact;
mod shard;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use agentobs_codex::{ReaderState, RolloutFile};
use serde::{Deserialize, Serialize};

use crate::scan::FileSummary;
use compact::CompactSummary;
use shard::{Entry, Lock};

/// The cache's format and accounting version. Bump it whenever the billing rules, the summary
/// (what [`FileSummary`] holds, or its compact form here), the reader state
/// ([`ReaderState`]) or the shard layout change: a cache of another version is ignored and
/// rebuilt. It is not the crate version: a release that changes none of these keeps the cache.
pub const CACHE_FORMAT: u32 = 3;

/// How often shards of folders that are gone are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(24 * 3600);
/// Temporary files older than this are left over from a crash.
const TMP_MAX_AGE: Duration = Duration::from_secs(3600);
const SWEEP_STAMP: &str = "swept";
const LOCK_FILE: &str = "lock";
const SHARD_EXT: &str = "bin";

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
            inode: f.inode,
        }
    }
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

/// One folder's entries, as loaded.
struct Shard {
    /// The folder (absolute).
    dir: PathBuf,
    /// The shard file.
    file: PathBuf,
    /// The generation loaded (`None`: no usable file).
    generation: Option<u64>,
    /// Entries not yet looked up in this run (a lookup takes its entry out).
    entries: HashMap<String, Entry>,
    /// Entries stored in this run, with their states.
    fresh: HashMap<String, (Entry, ReaderState)>,
    /// Entries of files found gone, with the key they had: dropped at save.
    removed: HashMap<String, FileKey>,
}

impl Shard {
    fn dirty(&self) -> bool {
        !self.fresh.is_empty() || !self.removed.is_empty()
    }

    /// Takes the entry of `name` out (it is there); the table goes once it is empty, so that
    /// no more than one folder's table is held at a time while a run looks its files up.
    fn take(&mut self, name: &str) -> Entry {
        let entry = self.entries.remove(name).expect("looked up just before");
        if self.entries.is_empty() {
            self.entries = HashMap::new();
        }
        entry
    }
}

/// The cache, loaded.
pub struct Cache {
    /// The cache folder.
    dir: PathBuf,
    /// This format's sub-folder.
    root: PathBuf,
    fingerprint: u64,
    /// To make relative paths absolute (shards are named by absolute folder).
    cwd: Option<PathBuf>,
    /// Shards by the hash of their folder's path (the name of their file).
    shards: HashMap<u64, Shard>,
    /// Other formats' files and folders, removed at the next save.
    stale: Vec<PathBuf>,
    sweep_every: Duration,
    /// Why (part of) the cache on disk was not used, when it was not. Set by [`Cache::load`]
    /// and by lookups that find a shard unreadable.
    pub rebuilt: Option<String>,
}

/// The default cache folder: `$XDG_CACHE_HOME/agentobs`, else `~/.cache/agentobs`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("agentobs"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/agentobs"))
}

/// The fingerprint of a cache: [`CACHE_FORMAT`], the billing rules' version
/// ([`agentobs_codex::ACCOUNTING_VERSION`]) and the read options.
fn fingerprint(options: &str) -> u64 {
    let mut seed = shard::hash(0, &CACHE_FORMAT.to_le_bytes());
    seed = shard::hash(seed, &agentobs_codex::ACCOUNTING_VERSION.to_le_bytes());
    shard::hash(seed, options.as_bytes())
}

impl Cache {
    /// Opens the cache in `dir` for reads made with `options` (a label of the read settings).
    /// Shards are read later, as their files are looked up.
    pub fn load(dir: &Path, options: &str) -> Cache {
        let fingerprint = fingerprint(options);
        let version = format!("v{CACHE_FORMAT}-{fingerprint:016x}");
        let root = dir.join(&version);
        let mut stale = Vec::new();
        let mut current = false;
        if let Ok(list) = std::fs::read_dir(dir) {
            for e in list.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name == version {
                    current = true;
                } else if name != LOCK_FILE {
                    stale.push(e.path());
                }
            }
        }
        let rebuilt = (!current && !stale.is_empty()).then(|| {
            "cache written by another format, accounting version or options; rebuilding".into()
        });
        Cache {
            dir: dir.to_owned(),
            root,
            fingerprint,
            cwd: std::env::current_dir().ok(),
            shards: HashMap::new(),
            stale,
            sweep_every: SWEEP_EVERY,
            rebuilt,
        }
    }

    /// The absolute folder of `path`, and its file name.
    fn split<'a>(&self, path: &'a Path) -> Option<(Cow<'a, Path>, Cow<'a, str>)> {
        let name = path.file_name()?.to_string_lossy();
        let parent = path.parent()?;
        let dir = if parent.is_absolute() {
            Cow::Borrowed(parent)
        } else {
            Cow::Owned(self.cwd.as_ref()?.join(parent))
        };
        Some((dir, name))
    }

    fn shard_file(&self, dir: &Path) -> PathBuf {
        self.root
            .join(format!("{:016x}.{SHARD_EXT}", dir_hash(dir)))
    }

    /// The shard of `dir`, loaded on first use (`None` in the unlikely case that another
    /// folder of this run has the same hash: its files go uncached).
    fn shard(&mut self, dir: &Path) -> Option<&mut Shard> {
        let h = dir_hash(dir);
        if !self.shards.contains_key(&h) {
            let file = self.shard_file(dir);
            let (generation, entries) = match shard::read_index(&file, self.fingerprint) {
                Ok(Some(l)) if Path::new(&l.index.dir) == dir => {
                    (Some(l.generation), l.index.entries)
                }
                // Another folder with the same hash: this one takes the file over.
                Ok(_) => (None, HashMap::new()),
                Err(e) => {
                    self.rebuilt.get_or_insert_with(|| {
                        format!(
                            "cache shard {} unreadable ({e}); rebuilding",
                            file.display()
                        )
                    });
                    (None, HashMap::new())
                }
            };
            let shard = Shard {
                dir: dir.to_owned(),
                file,
                generation,
                entries,
                fresh: HashMap::new(),
                removed: HashMap::new(),
            };
            self.shards.insert(h, shard);
        }
        self.shards
            .get_mut(&h)
            .filter(|s| s.dir.as_os_str() == dir.as_os_str())
    }

    /// What the cache knows about `path` at `key`. Each file is looked up once per run: the
    /// entry is handed out, not copied.
    pub fn lookup(&mut self, path: &Path, key: &FileKey) -> Lookup {
        let Some((dir, name)) = self.split(path) else {
            return Lookup::Miss;
        };
        let fingerprint = self.fingerprint;
        let Some(shard) = self.shard(&dir) else {
            return Lookup::Miss;
        };
        let name = name.as_ref();
        let Some(entry) = shard.entries.get(name) else {
            return Lookup::Miss;
        };
        if entry.key == *key {
            let entry = shard.take(name);
            return Lookup::Unchanged(entry.summary.into());
        }
        // A state at offset 0 (a file that could not be read) is never resumed.
        let (Some(generation), Some(at)) = (shard.generation, entry.state) else {
            return Lookup::Miss;
        };
        if entry.resume == 0 {
            return Lookup::Miss;
        }
        let grown = key.size > entry.key.size
            && key.inode == entry.key.inode
            && key.mtime_ns >= entry.key.mtime_ns
            && entry.resume <= entry.key.size
            && entry.head.is_some()
            && entry.tail.is_some()
            && shard::file_hashes(path, entry.key.size, entry.resume) == (entry.head, entry.tail);
        if !grown {
            return Lookup::Miss;
        }
        match shard::read_state(&shard.file, fingerprint, generation, at) {
            Some(state) if state.offset == entry.resume => {
                let entry = shard.take(name);
                Lookup::Grown(Box::new(state), entry.summary.into())
            }
            _ => Lookup::Miss,
        }
    }

    /// Records a fresh result.
    pub fn store(&mut self, path: &Path, key: FileKey, summary: FileSummary, state: ReaderState) {
        let Some((dir, name)) = self.split(path) else {
            return;
        };
        let (head, tail) = shard::file_hashes(path, key.size, state.offset);
        let entry = Entry {
            key,
            head,
            tail,
            resume: state.offset,
            state: None,
            summary: CompactSummary::from(summary),
        };
        let name = name.into_owned();
        let Some(shard) = self.shard(&dir) else {
            return;
        };
        shard.entries.remove(&name);
        shard.removed.remove(&name);
        shard.fresh.insert(name, (entry, state));
    }

    /// Drops entries under `roots` that were not seen in this run (deleted files), in the
    /// folders this run looked at. Shards of folders that are gone go at the daily sweep.
    pub fn retain_seen(&mut self, roots: &[PathBuf], seen: &[PathBuf]) {
        // Lookups take entries out: when every entry was looked up, none can be gone.
        if self.shards.values().all(|s| s.entries.is_empty()) {
            return;
        }
        let mut seen_by_dir: HashMap<Cow<'_, Path>, HashSet<Cow<'_, str>>> = HashMap::new();
        for p in seen {
            if let Some((dir, name)) = self.split(p) {
                seen_by_dir.entry(dir).or_default().insert(name);
            }
        }
        let roots: Vec<PathBuf> = roots
            .iter()
            .filter_map(|r| match &self.cwd {
                _ if r.is_absolute() => Some(r.clone()),
                Some(cwd) => Some(cwd.join(r)),
                None => None,
            })
            .collect();
        let none = HashSet::new();
        for shard in self.shards.values_mut() {
            let dir = &shard.dir;
            let seen = seen_by_dir.get(dir.as_path()).unwrap_or(&none);
            let gone: Vec<String> = shard
                .entries
                .keys()
                .filter(|name| !seen.contains(name.as_str()))
                .filter(|name| {
                    let p = dir.join(name);
                    roots.iter().any(|r| p.starts_with(r))
                })
                .cloned()
                .collect();
            for name in gone {
                let entry = shard.entries.remove(&name).expect("listed");
                shard.removed.insert(name, entry.key);
            }
        }
    }

    /// Writes the shards that changed back (each in one piece, merged into the shard as it is
    /// on disk now), under the cache's lock file.
    pub fn save(self) -> std::io::Result<()> {
        let dirty = self.shards.values().any(Shard::dirty);
        if !dirty && self.stale.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(&self.root)?;
        let _lock = Lock::acquire(&self.dir.join(LOCK_FILE))?;
        for p in &self.stale {
            if p.is_dir() {
                std::fs::remove_dir_all(p).ok();
            } else {
                std::fs::remove_file(p).ok();
            }
        }
        let mut first_error = None;
        for shard in self.shards.values() {
            if shard.dirty()
                && let Err(e) = self.save_shard(shard)
            {
                first_error.get_or_insert(e);
            }
        }
        self.sweep_if_due();
        first_error.map_or(Ok(()), Err)
    }

    /// Merges `shard`'s changes into the file as it is now and writes it (the lock is held).
    fn save_shard(&self, shard: &Shard) -> std::io::Result<()> {
        let dir_name = shard.dir.to_string_lossy().into_owned();
        // What is on disk now: this run's own generation, or a later one of another run.
        let disk = match shard::read_whole(&shard.file, self.fingerprint) {
            Ok(Some(w)) if w.index.dir == dir_name => Some(w),
            _ => None,
        };
        let mut index = shard::Index {
            dir: dir_name,
            entries: HashMap::new(),
        };
        let mut states = Vec::new();
        if let Some(disk) = &disk {
            for (name, entry) in &disk.index.entries {
                if shard.fresh.contains_key(name) || shard.removed.get(name) == Some(&entry.key) {
                    continue;
                }
                let mut entry = entry.clone();
                entry.state = disk
                    .state_bytes(&entry)
                    .map(|b| append(&mut states, b))
                    .transpose()?;
                index.entries.insert(name.clone(), entry);
            }
        }
        for (name, (entry, state)) in &shard.fresh {
            let mut entry = entry.clone();
            let json = serde_json::to_vec(state)?;
            entry.state = Some(append(&mut states, &json)?);
            index.entries.insert(name.clone(), entry);
        }
        if index.entries.is_empty() {
            return match std::fs::remove_file(&shard.file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        shard::write(&shard.file, self.fingerprint, &index, &states)
    }

    /// Once a day: removes shards whose folder is gone (or that do not parse) and temporary
    /// files left by a crash. The lock is held.
    fn sweep_if_due(&self) {
        let stamp = self.root.join(SWEEP_STAMP);
        let age = |p: &Path| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
        };
        if age(&stamp).is_some_and(|a| a < self.sweep_every) {
            return;
        }
        let loaded: HashSet<&Path> = self.shards.values().map(|s| s.file.as_path()).collect();
        if let Ok(list) = std::fs::read_dir(&self.root) {
            for e in list.flatten() {
                let path = e.path();
                let name = e.file_name();
                let name = name.to_string_lossy();
                if shard::is_tmp_name(&name) {
                    if age(&path).is_some_and(|a| a > TMP_MAX_AGE) {
                        std::fs::remove_file(&path).ok();
                    }
                } else if path.extension().is_some_and(|x| x == SHARD_EXT)
                    && !loaded.contains(path.as_path())
                {
                    let keep = shard::read_dir_of(&path, self.fingerprint)
                        .is_ok_and(|dir| Path::new(&dir).is_dir());
                    if !keep {
                        std::fs::remove_file(&path).ok();
                    }
                }
            }
        }
        std::fs::write(&stamp, b"").ok();
    }
}

/// The hash of a folder's path: its shard's key and file name.
fn dir_hash(dir: &Path) -> u64 {
    shard::hash(0, dir.as_os_str().as_encoded_bytes())
}

/// Appends `bytes` to the states section; returns where they are.
fn append(states: &mut Vec<u8>, bytes: &[u8]) -> std::io::Result<(u64, u32)> {
    let len = u32::try_from(bytes.len()).map_err(std::io::Error::other)?;
    let at = states.len() as u64;
    states.extend_from_slice(bytes);
    Ok((at, len))
}
