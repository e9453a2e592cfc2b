//! One shard file: the cache entries of the rollouts of one folder, with their reader states,
//! written in one piece.
//!
//! ```text
//! header   magic "AOBSCSH\0", format u32, fingerprint u64, generation u64,
//!          index length u64, states length u64, index hash u64 (little endian)
//! index    postcard: the folder's path, then file name -> entry (its hash checked on load)
//! states   the entries' reader states (JSON), back to back; each entry says where its own is
//! ```
//!
//! A shard is replaced by writing a temporary file and renaming it over the old one, so a reader
//! sees either the old or the new file whole. Every write draws a new random generation; a
//! reader state is read later from the file again only if that file still has the generation
//! the index came from, so a state is never paired with another generation's index.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use agentobs_codex::ReaderState;
use serde::{Deserialize, Serialize};

use super::FileKey;
use super::compact::CompactSummary;

const MAGIC: &[u8; 8] = b"AOBSCSH\0";
const HEADER_LEN: usize = 8 + 4 + 8 + 8 + 8 + 8 + 8;
/// Bytes hashed at the head of a file and just before its resume offset.
pub(super) const HASH_SPAN: u64 = 4096;

/// What the cache keeps about one file.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct Entry {
    /// The file's size, modification time and inode when it was read.
    pub key: FileKey,
    /// Hash of the first `min(size, HASH_SPAN)` bytes.
    pub head: Option<u64>,
    /// Hash of the `HASH_SPAN` bytes (or fewer, from the start) before `resume`.
    pub tail: Option<u64>,
    /// The offset the reader state resumes from (checked against the state itself).
    pub resume: u64,
    /// Where the reader state is in the states section: offset and length.
    pub state: Option<(u64, u32)>,
    /// What the file contributes to a report.
    pub summary: CompactSummary,
}

/// The index part of a shard.
#[derive(Default, Serialize, Deserialize)]
pub(super) struct Index {
    /// The folder whose rollouts this shard holds.
    pub dir: String,
    /// Entries by file name.
    pub entries: HashMap<String, Entry>,
}

struct Header {
    format: u32,
    fingerprint: u64,
    generation: u64,
    index_len: u64,
    states_len: u64,
    index_hash: u64,
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        let mut w = &mut b[..];
        for part in [
            &MAGIC[..],
            &self.format.to_le_bytes(),
            &self.fingerprint.to_le_bytes(),
            &self.generation.to_le_bytes(),
            &self.index_len.to_le_bytes(),
            &self.states_len.to_le_bytes(),
            &self.index_hash.to_le_bytes(),
        ] {
            w.write_all(part).expect("fits");
        }
        b
    }

    fn decode(b: &[u8; HEADER_LEN]) -> Result<Header, String> {
        if &b[..8] != MAGIC {
            return Err("not a cache shard".into());
        }
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        Ok(Header {
            format: u32::from_le_bytes(b[8..12].try_into().expect("4 bytes")),
            fingerprint: u64_at(12),
            generation: u64_at(20),
            index_len: u64_at(28),
            states_len: u64_at(36),
            index_hash: u64_at(44),
        })
    }

    /// Reads and checks the header of `f`, whose length is `len`.
    fn read(f: &mut File, len: u64, fingerprint: u64) -> Result<Header, String> {
        let mut b = [0u8; HEADER_LEN];
        f.read_exact(&mut b).map_err(|_| "truncated header")?;
        let h = Header::decode(&b)?;
        if h.format != super::CACHE_FORMAT || h.fingerprint != fingerprint {
            return Err("written by another format, accounting version or options".into());
        }
        let body = h.index_len.checked_add(h.states_len);
        if body.and_then(|b| b.checked_add(HEADER_LEN as u64)) != Some(len) {
            return Err("section lengths do not match the file size".into());
        }
        Ok(h)
    }

    /// Reads the index section (the file is just past the header) and checks its hash.
    fn read_index(&self, f: &mut File) -> Result<Index, String> {
        let bytes = read_vec(f, self.index_len)?;
        if hash(0, &bytes) != self.index_hash {
            return Err("index hash mismatch".into());
        }
        postcard::from_bytes(&bytes).map_err(|e| e.to_string())
    }
}

/// A shard as loaded: its generation and index.
pub(super) struct Loaded {
    pub generation: u64,
    pub index: Index,
}

/// A shard read whole, to be rewritten.
pub(super) struct Whole {
    pub index: Index,
    pub states: Vec<u8>,
}

impl Whole {
    /// The state bytes of `entry`, when in range.
    pub fn state_bytes(&self, entry: &Entry) -> Option<&[u8]> {
        let (at, len) = entry.state?;
        let at = usize::try_from(at).ok()?;
        self.states.get(at..at.checked_add(len as usize)?)
    }
}

fn open(path: &Path) -> Result<Option<(File, u64)>, String> {
    match File::open(path) {
        Ok(f) => {
            let len = f.metadata().map_err(|e| e.to_string())?.len();
            Ok(Some((f, len)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn read_vec(f: &mut File, len: u64) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; usize::try_from(len).map_err(|e| e.to_string())?];
    f.read_exact(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Reads the header and index of the shard at `path` (not its states). `Ok(None)`: no file.
pub(super) fn read_index(path: &Path, fingerprint: u64) -> Result<Option<Loaded>, String> {
    let Some((mut f, len)) = open(path)? else {
        return Ok(None);
    };
    let h = Header::read(&mut f, len, fingerprint)?;
    let index = h.read_index(&mut f)?;
    Ok(Some(Loaded {
        generation: h.generation,
        index,
    }))
}

/// Reads the whole shard at `path`, to merge into. `Ok(None)`: no file.
pub(super) fn read_whole(path: &Path, fingerprint: u64) -> Result<Option<Whole>, String> {
    let Some((mut f, len)) = open(path)? else {
        return Ok(None);
    };
    let h = Header::read(&mut f, len, fingerprint)?;
    let index = h.read_index(&mut f)?;
    let states = read_vec(&mut f, h.states_len)?;
    Ok(Some(Whole { index, states }))
}

/// The folder a shard is for, reading no more of it than needed (the folder comes first).
pub(super) fn read_dir_of(path: &Path, fingerprint: u64) -> Result<String, String> {
    let (mut f, len) = open(path)?.ok_or("gone")?;
    let h = Header::read(&mut f, len, fingerprint)?;
    let n = h.index_len.min(64 * 1024);
    let bytes = read_vec(&mut f, n)?;
    let (dir, _) = postcard::take_from_bytes::<String>(&bytes).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// Reads the reader state at `at` from the shard at `path`, if that file still is
/// `generation`.
pub(super) fn read_state(
    path: &Path,
    fingerprint: u64,
    generation: u64,
    (at, len): (u64, u32),
) -> Option<ReaderState> {
    let (mut f, file_len) = open(path).ok()??;
    let h = Header::read(&mut f, file_len, fingerprint).ok()?;
    if h.generation != generation || at.checked_add(u64::from(len))? > h.states_len {
        return None;
    }
    f.seek(SeekFrom::Start(HEADER_LEN as u64 + h.index_len + at))
        .ok()?;
    let bytes = read_vec(&mut f, u64::from(len)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes a shard in one piece (a temporary file renamed over `path`), under a new generation.
pub(super) fn write(
    path: &Path,
    fingerprint: u64,
    index: &Index,
    states: &[u8],
) -> std::io::Result<()> {
    let index_bytes = postcard::to_stdvec(index).map_err(std::io::Error::other)?;
    let header = Header {
        format: super::CACHE_FORMAT,
        fingerprint,
        generation: random_u64(),
        index_len: index_bytes.len() as u64,
        states_len: states.len() as u64,
        index_hash: hash(0, &index_bytes),
    };
    let tmp = tmp_name(path);
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(&header.encode())?;
        f.write_all(&index_bytes)?;
        f.write_all(states)?;
        f.sync_all()
    })();
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            std::fs::remove_file(&tmp).ok();
            Err(e)
        }
    }
}

/// A temporary name beside `path`, unique to this process and write.
fn tmp_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".tmp.{}.{:x}", std::process::id(), random_u64()));
    path.with_file_name(name)
}

/// True when `name` is one of [`tmp_name`]'s.
pub(super) fn is_tmp_name(name: &str) -> bool {
    name.contains(".tmp.")
}

/// A random number from the standard library's per-process hasher keys, the time and a counter.
pub(super) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish()
}

/// A stable 64-bit hash (FNV-1a over 8-byte words, then mixed): the same in every build.
pub(super) fn hash(seed: u64, bytes: &[u8]) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h = seed ^ 0xcbf2_9ce4_8422_2325 ^ (bytes.len() as u64).wrapping_mul(PRIME);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = (h ^ u64::from_le_bytes(w.try_into().expect("8 bytes"))).wrapping_mul(PRIME);
        h ^= h >> 29;
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    // MurmurHash3's finaliser: every input bit reaches every output bit.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hashes of a file's head (`0..min(size, HASH_SPAN)`) and of the span before `resume`.
pub(super) fn file_hashes(path: &Path, size: u64, resume: u64) -> (Option<u64>, Option<u64>) {
    let Ok(mut f) = File::open(path) else {
        return (None, None);
    };
    let head = hash_range(&mut f, 0, size.min(HASH_SPAN));
    let tail = hash_range(&mut f, resume.saturating_sub(HASH_SPAN), resume);
    (head, tail)
}

fn hash_range(f: &mut File, from: u64, to: u64) -> Option<u64> {
    f.seek(SeekFrom::Start(from)).ok()?;
    let bytes = read_vec(f, to.checked_sub(from)?).ok()?;
    Some(hash(from, &bytes))
}

/// An exclusive lock on the cache folder for the time of a save (released when dropped).
pub(super) struct Lock {
    _file: File,
}

impl Lock {
    /// Waits for the lock file at `path`.
    pub fn acquire(path: &Path) -> std::io::Result<Lock> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        // `File::lock` needs Rust 1.89; the workspace supports 1.88, so `flock` through rustix.
        #[cfg(unix)]
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)?;
        Ok(Lock { _file: file })
    }
}
