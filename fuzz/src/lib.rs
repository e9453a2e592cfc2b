//! Helpers of the fuzz targets.
//!
//! The `cache_index` target needs rollout files on disk whose cache entries it can corrupt: a
//! fixed set of fixtures is written to a fixed folder with fixed modification times, a real
//! cache is built for them through the public API (`scan` + `Cache::save`), and the files the
//! cache wrote become the template the fuzz input replaces. Nothing here knows the cache's
//! on-disk format, so the target follows it when it changes.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentobs_codex::RolloutFile;
use agentobs_report::{Cache, FileKey};

/// The options label every cache in the fuzz targets is loaded with.
pub const OPTIONS: &str = "x";
/// Line cap handed to `scan`.
pub const MAX_LINE: usize = 1 << 20;

/// Rollouts the cache target reads: (name, content, bytes of it cached before it "grew").
/// A cut of `None` caches the whole file (the entry is then looked up unchanged).
pub const FILES: &[(&str, &[u8], Option<usize>)] = &[
    (
        "a.jsonl",
        include_bytes!("../../tests/fixtures/traps/usage_record.jsonl"),
        Some(3),
    ),
    (
        "b.jsonl",
        include_bytes!("../../tests/fixtures/generations/envelope_2025_10.jsonl"),
        None,
    ),
    (
        "c.jsonl",
        include_bytes!(
            "../../tests/fixtures/codex-0.169/ctx_window_sse/rollout-2026-11-25T08-21-35-01a211cb-c00c-74b2-bbef-4b71ed336802.jsonl"
        ),
        Some(6),
    ),
];

/// Modification time of the cached versions; the grown files are one second newer.
const MTIME_SECS: u64 = 1_764_547_200;

fn mtime(grown: bool) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(MTIME_SECS + u64::from(grown))
}

/// The first `lines` lines of `bytes`.
fn prefix(bytes: &[u8], lines: usize) -> &[u8] {
    let mut end = 0;
    for _ in 0..lines {
        match bytes[end..].iter().position(|&b| b == b'\n') {
            Some(i) => end += i + 1,
            None => return bytes,
        }
    }
    &bytes[..end]
}

fn write_with_mtime(path: &Path, bytes: &[u8], t: SystemTime) {
    if std::fs::read(path).ok().as_deref() != Some(bytes) {
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes).expect("write rollout");
        std::fs::rename(&tmp, path).expect("rename rollout");
    }
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open rollout");
    f.set_modified(t).expect("set mtime");
}

fn rollout(path: PathBuf, size: u64, grown: bool) -> RolloutFile {
    RolloutFile {
        path,
        size,
        modified: Some(mtime(grown)),
        archived: false,
        thread_key: None,
        inode: 0,
        stat_known: true,
    }
}

/// The rollout files as the cache target looks them up (grown to their full length).
pub fn current_files(files_dir: &Path) -> Vec<RolloutFile> {
    FILES
        .iter()
        .map(|(name, bytes, cut)| {
            rollout(files_dir.join(name), bytes.len() as u64, cut.is_some())
        })
        .collect()
}

/// The keys the target looks the files up with.
pub fn current_keys(files_dir: &Path) -> Vec<(PathBuf, FileKey)> {
    current_files(files_dir)
        .into_iter()
        .map(|f| (f.path.clone(), FileKey::of(&f)))
        .collect()
}

/// Writes the rollouts in their full (grown) form.
pub fn write_current(files_dir: &Path) {
    std::fs::create_dir_all(files_dir).expect("files dir");
    for (name, bytes, cut) in FILES {
        write_with_mtime(&files_dir.join(name), bytes, mtime(cut.is_some()));
    }
}

/// Builds a real cache in `cache_dir` for the rollouts in `files_dir` (written there first in
/// their cached form, then grown), and returns the cache's files: (path relative to
/// `cache_dir`, content), sorted by path.
pub fn build_template(files_dir: &Path, cache_dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::create_dir_all(files_dir).expect("files dir");
    let _ = std::fs::remove_dir_all(cache_dir);
    std::fs::create_dir_all(cache_dir).expect("cache dir");
    let mut files = Vec::new();
    for (name, bytes, cut) in FILES {
        let path = files_dir.join(name);
        let cached = cut.map_or(*bytes, |n| prefix(bytes, n));
        write_with_mtime(&path, cached, mtime(false));
        files.push(rollout(path, cached.len() as u64, false));
    }
    let mut cache = Cache::load(cache_dir, OPTIONS);
    let progress = AtomicUsize::new(0);
    let _ = agentobs_report::scan(&files, Some(&mut cache), MAX_LINE, &progress);
    cache.save().expect("save the template cache");
    write_current(files_dir);
    let mut out = Vec::new();
    list(cache_dir, cache_dir, &mut out);
    out.sort();
    out
}

fn list(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            list(root, &p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p.strip_prefix(root).expect("under root").to_owned(), bytes));
        }
    }
}

/// The template files the fuzz input stands for: those with content (empty ones, such as a
/// lock file, are recreated empty).
pub fn fuzzed_parts(template: &[(PathBuf, Vec<u8>)]) -> Vec<&Path> {
    template
        .iter()
        .filter(|(_, b)| !b.is_empty())
        .map(|(p, _)| p.as_path())
        .collect()
}

/// Splits a fuzz input into `n` parts: the first `n - 1` each prefixed by its length (u32
/// little endian, clamped to what is left), the last the rest. With one part the input is the
/// file itself.
pub fn split(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    for _ in 1..n {
        let (len, r) = match rest {
            [a, b, c, d, r @ ..] => (u32::from_le_bytes([*a, *b, *c, *d]) as usize, r),
            r => (0, &r[r.len()..]),
        };
        let len = len.min(r.len());
        out.push(&r[..len]);
        rest = &r[len..];
    }
    if n > 0 {
        out.push(rest);
    }
    out
}

/// The inverse of [`split`].
pub fn join(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i + 1 < parts.len() {
            out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(p);
    }
    out
}

/// Shard files of the current format start with this magic, then format u32, fingerprint u64,
/// generation u64, index length u64, states length u64. When a part has that header, the
/// target rewrites the states length so that the section lengths add up to the file size
/// (most mutations would otherwise stop at that first check). A format without this magic is
/// left alone.
pub const SHARD_MAGIC: &[u8; 8] = b"AOBSCSH\0";
const SHARD_HEADER: usize = 44;

/// Makes a shard's section lengths match its size (see [`SHARD_MAGIC`]).
pub fn fix_shard_lengths(part: &mut [u8]) {
    if part.len() < SHARD_HEADER || &part[..8] != SHARD_MAGIC {
        return;
    }
    let body = (part.len() - SHARD_HEADER) as u64;
    let index_len = u64::from_le_bytes(part[28..36].try_into().expect("8 bytes")).min(body);
    part[28..36].copy_from_slice(&index_len.to_le_bytes());
    part[36..44].copy_from_slice(&(body - index_len).to_le_bytes());
}
