//! The per-file result cache: rollouts are append-only, so a file whose size, modification
//! time and inode are unchanged is not read again, and a file that grew is read from the byte
//! offset where the last run stopped, with the reader's saved state.
//!
//! Two files under the cache folder: `index.bin` (keys and summaries, read on every run) and
//! `states.json` (reader states, read only when some file grew). A cache that does not parse,
//! was written by another version or for other options is ignored and rebuilt.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use std::sync::Arc;

use agentobs_codex::{ReaderState, RolloutFile, Warning, WarningKind};
use agentobs_cost::ServiceTier;
use agentobs_cost::ledger::{PromptClass, UsageBucket};
use agentobs_schema::{SessionContext, Timestamp, TokenUsage};
use bincode::Options as _;
use serde::{Deserialize, Serialize};

use crate::scan::FileSummary;

const INDEX_SCHEMA: &str = "agentobs.report-cache/v1";
/// Keys and summaries, in bincode: read on every run, so it must load in a few milliseconds.
const INDEX_FILE: &str = "index.bin";
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
            inode: f.inode,
        }
    }
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
    summary: CompactSummary,
}

fn path_key(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A bucket as a JSON array: `[slot_ms, model, inferred, tier, prompt_class, [in, cached,
/// write, out, reasoning], requests]` — a third of the size of the object form.
type CompactBucket = (i64, String, bool, Option<ServiceTier>, u8, [u64; 5], u64);

/// The session facts reports group by, as a plain struct (the binary index format needs every
/// field written, so no `skip_serializing_if`).
#[derive(Clone, Default, Serialize, Deserialize)]
struct CompactCtx {
    thread_id: Option<String>,
    session_id: Option<String>,
    parent_thread_id: Option<String>,
    forked_from_id: Option<String>,
    originator: Option<String>,
    source: Option<String>,
    cwd: Option<String>,
    remote_url: Option<String>,
    branch: Option<String>,
    account_id: Option<String>,
    account_email: Option<String>,
}

impl From<SessionContext> for CompactCtx {
    fn from(c: SessionContext) -> Self {
        let (remote_url, branch) = c.git.map_or((None, None), |g| (g.remote_url, g.branch));
        let (account_id, account_email) = c.account.map_or((None, None), |a| (a.id, a.email));
        CompactCtx {
            thread_id: c.thread_id,
            session_id: c.session_id,
            parent_thread_id: c.parent_thread_id,
            forked_from_id: c.forked_from_id,
            originator: c.originator,
            source: c.source,
            cwd: c.cwd,
            remote_url,
            branch,
            account_id,
            account_email,
        }
    }
}

impl From<CompactCtx> for SessionContext {
    fn from(c: CompactCtx) -> Self {
        let mut ctx = SessionContext::new(agentobs_schema::Harness::Codex);
        ctx.thread_id = c.thread_id;
        ctx.session_id = c.session_id;
        ctx.parent_thread_id = c.parent_thread_id;
        ctx.forked_from_id = c.forked_from_id;
        ctx.originator = c.originator;
        ctx.source = c.source;
        ctx.cwd = c.cwd;
        if c.remote_url.is_some() || c.branch.is_some() {
            ctx.git = Some(agentobs_schema::GitInfo {
                remote_url: c.remote_url,
                branch: c.branch,
                ..Default::default()
            });
        }
        if c.account_id.is_some() || c.account_email.is_some() {
            ctx.account = Some(agentobs_schema::Account {
                id: c.account_id,
                email: c.account_email,
                plan: None,
            });
        }
        ctx
    }
}

/// A plain warning for the binary index.
#[derive(Clone, Serialize, Deserialize)]
struct CompactWarning {
    path: String,
    line: u64,
    kind: WarningKind,
    message: String,
}

/// A summary with only what reports use, in a compact form: this file is read on every run.
#[derive(Clone, Serialize, Deserialize)]
struct CompactSummary {
    ctx: CompactCtx,
    first_prompt: Option<String>,
    buckets: Vec<CompactBucket>,
    warnings: Vec<CompactWarning>,
}

impl From<FileSummary> for CompactSummary {
    fn from(s: FileSummary) -> Self {
        CompactSummary {
            ctx: Arc::unwrap_or_clone(s.ctx).into(),
            first_prompt: s.first_prompt,
            buckets: s
                .buckets
                .into_iter()
                .map(|b| {
                    let u = b.usage;
                    (
                        b.slot.unix_millis(),
                        b.model,
                        b.model_inferred,
                        b.service_tier,
                        b.prompt_class.0,
                        [
                            u.input_tokens,
                            u.cached_input_tokens,
                            u.cache_write_input_tokens,
                            u.output_tokens,
                            u.reasoning_output_tokens,
                        ],
                        b.requests,
                    )
                })
                .collect(),
            warnings: s
                .warnings
                .into_iter()
                .map(|w| CompactWarning {
                    path: w.path.to_string(),
                    line: w.line,
                    kind: w.kind,
                    message: w.message,
                })
                .collect(),
        }
    }
}

impl From<CompactSummary> for FileSummary {
    fn from(s: CompactSummary) -> Self {
        FileSummary {
            ctx: Arc::new(s.ctx.into()),
            first_prompt: s.first_prompt,
            buckets: s
                .buckets
                .into_iter()
                .map(
                    |(slot, model, model_inferred, service_tier, class, u, requests)| UsageBucket {
                        slot: Timestamp::from_unix_millis(slot),
                        model,
                        model_inferred,
                        service_tier,
                        prompt_class: PromptClass(class),
                        usage: TokenUsage {
                            input_tokens: u[0],
                            cached_input_tokens: u[1],
                            cache_write_input_tokens: u[2],
                            output_tokens: u[3],
                            reasoning_output_tokens: u[4],
                        },
                        requests,
                    },
                )
                .collect(),
            warnings: s
                .warnings
                .into_iter()
                .map(|w| Warning {
                    path: w.path.into(),
                    line: w.line,
                    kind: w.kind,
                    message: w.message,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, Deserialize, Default)]
struct Index {
    schema: String,
    version: String,
    options: String,
    entries: HashMap<String, Entry>,
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
    states: Option<HashMap<String, ReaderState>>,
    new_states: HashMap<String, ReaderState>,
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
        let index = match std::fs::read(dir.join(INDEX_FILE)) {
            Ok(bytes) => match bincode_options(bytes.len()).deserialize::<Index>(&bytes) {
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

    fn states(&mut self) -> &mut HashMap<String, ReaderState> {
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
        let name: std::borrow::Cow<'_, str> = path.to_string_lossy();
        let Some(entry) = self.index.entries.get(name.as_ref()) else {
            return Lookup::Miss;
        };
        if entry.key == *key {
            return Lookup::Unchanged(entry.summary.clone().into());
        }
        let grown = key.size > entry.key.size
            && key.inode == entry.key.inode
            && key.mtime_ns >= entry.key.mtime_ns
            && entry.head.is_some()
            && head_hash(path, entry.key.size) == entry.head;
        if !grown {
            return Lookup::Miss;
        }
        let summary = entry.summary.clone().into();
        match self.states().get(name.as_ref()) {
            Some(state) if state.offset <= key.size => {
                Lookup::Grown(Box::new(state.clone()), summary)
            }
            _ => Lookup::Miss,
        }
    }

    /// Records a fresh result.
    pub fn store(&mut self, path: &Path, key: FileKey, summary: FileSummary, state: ReaderState) {
        let head = head_hash(path, key.size);
        let name = path_key(path);
        let summary = CompactSummary::from(summary);
        self.index
            .entries
            .insert(name.clone(), Entry { key, head, summary });
        self.new_states.insert(name, state);
        self.dirty = true;
    }

    /// Drops entries under `roots` that were not seen in this run (deleted files).
    pub fn retain_seen(&mut self, roots: &[PathBuf], seen: &[PathBuf]) {
        if self.index.entries.len() <= seen.len()
            && seen
                .iter()
                .all(|p| self.index.entries.contains_key(&path_key(p)))
        {
            return; // every entry was seen: nothing to drop
        }
        let seen: std::collections::HashSet<String> = seen.iter().map(|p| path_key(p)).collect();
        let roots: Vec<String> = roots.iter().map(|r| path_key(r)).collect();
        let before = self.index.entries.len();
        self.index
            .entries
            .retain(|p, _| seen.contains(p) || !roots.iter().any(|r| Path::new(p).starts_with(r)));
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
        let index_keys: std::collections::HashSet<&String> = self.index.entries.keys().collect();
        states.retain(|p, _| index_keys.contains(p));
        write_atomic(&self.dir.join("states.json"), &serde_json::to_vec(&states)?)?;
        write_atomic(
            &self.dir.join(INDEX_FILE),
            &bincode_options(usize::MAX / 2)
                .serialize(&self.index)
                .map_err(std::io::Error::other)?,
        )?;
        Ok(())
    }
}

/// Varint bincode with a size limit: a corrupt length prefix fails cleanly instead of asking
/// for a huge allocation.
fn bincode_options(limit: usize) -> impl bincode::Options {
    use bincode::Options;
    bincode::DefaultOptions::new().with_limit(limit as u64 + 64)
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
