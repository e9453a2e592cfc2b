//! Arbitrary bytes as the files of a report cache: loading, looking up and resuming from it
//! must never panic nor allocate absurdly (libFuzzer's malloc limit catches that), and a cache
//! that is corrupt must cost at most a re-read.
//!
//! The layout is learnt at start-up: a real cache is built (through `scan` and `Cache::save`)
//! for a few fixtures in a fixed folder, and every non-empty file it wrote is a part of the fuzz
//! input (see `agentobs_fuzz::split`); the fixtures are then "grown", so that lookups go down
//! the resume path. Only `Cache::load`, `Cache::lookup`, `FileKey`, `scan` and `Cache::save` are
//! used: the target follows changes of the on-disk format (rebuild the seeds then, with
//! `fuzz/seeds.py`, which runs this target once with `AGENTOBS_FUZZ_DUMP_SEEDS=<dir>`: it then
//! writes the real cache, in its input framing, to `<dir>/real`, and each part to
//! `<dir>/part-<i>`).
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::AtomicUsize;

use agentobs_codex::{RolloutFile, WarningKind};
use agentobs_fuzz as common;
use agentobs_report::{Cache, FileKey};
use libfuzzer_sys::fuzz_target;

struct Setup {
    files: Vec<RolloutFile>,
    keys: Vec<(PathBuf, FileKey)>,
    /// Template files (relative path, content); the non-empty ones are fuzzed.
    template: Vec<(PathBuf, Vec<u8>)>,
    parts: Vec<PathBuf>,
    cache_dir: PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        // `scan` reads on rayon's pool: one thread, like the rest of the fuzzer.
        // SAFETY: set once, before any thread of this process reads the environment.
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
        let base = std::env::temp_dir();
        let files_dir = base.join("agentobs-fuzz-rollouts");
        let cache_dir = base.join(format!("agentobs-fuzz-cache-{}", std::process::id()));
        let template = common::build_template(&files_dir, &cache_dir);
        let parts = common::fuzzed_parts(&template)
            .into_iter()
            .map(Path::to_owned)
            .collect();
        if let Some(out) = std::env::var_os("AGENTOBS_FUZZ_DUMP_SEEDS") {
            dump(Path::new(&out), &template);
        }
        Setup {
            files: common::current_files(&files_dir),
            keys: common::current_keys(&files_dir),
            template,
            parts,
            cache_dir,
        }
    })
}

fn dump(out: &Path, template: &[(PathBuf, Vec<u8>)]) {
    std::fs::create_dir_all(out).expect("seed dir");
    let parts: Vec<&[u8]> = template
        .iter()
        .filter(|(_, b)| !b.is_empty())
        .map(|(_, b)| b.as_slice())
        .collect();
    let mut seed = vec![0u8];
    seed.extend(common::join(&parts));
    std::fs::write(out.join("real"), seed).expect("write seed");
    for (i, p) in parts.iter().enumerate() {
        std::fs::write(out.join(format!("part-{i}")), p).expect("write part");
    }
}

fn write_cache(s: &Setup, data: &[u8]) {
    let _ = std::fs::remove_dir_all(&s.cache_dir);
    for (rel, bytes) in &s.template {
        if bytes.is_empty() {
            let p = s.cache_dir.join(rel);
            std::fs::create_dir_all(p.parent().expect("in the cache dir")).unwrap();
            std::fs::write(p, b"").unwrap();
        }
    }
    // The first byte chooses whether shard section lengths are fixed up (even) or left as
    // mutated (odd), so both the length check and what lies behind it are reached.
    let (fix, data) = match data.split_first() {
        Some((f, rest)) => (f & 1 == 0, rest),
        None => (true, data),
    };
    let n = s.parts.len().max(1);
    for (rel, bytes) in s.parts.iter().zip(common::split(data, n)) {
        let p = s.cache_dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("in the cache dir")).unwrap();
        let mut bytes = bytes.to_vec();
        if fix {
            common::fix_shard_lengths(&mut bytes);
        }
        std::fs::write(p, bytes).unwrap();
    }
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    write_cache(s, data);

    // Lookups one by one, with the right keys and with near misses.
    let mut cache = Cache::load(&s.cache_dir, common::OPTIONS);
    for (path, key) in &s.keys {
        let _ = cache.lookup(path, key);
        let near = [
            FileKey { size: key.size + 1, ..*key },
            FileKey { inode: 1, ..*key },
            FileKey { mtime_ns: key.mtime_ns - 1_000_000_000, ..*key },
        ];
        for k in &near {
            let _ = cache.lookup(path, k);
        }
    }
    let _ = cache.lookup(Path::new("a.jsonl"), &FileKey { size: 0, mtime_ns: 0, inode: 0 });
    drop(cache);

    // What a report does: scan through the cache (resuming grown files from their saved
    // states), then save it back over the corrupt files.
    let mut cache = Cache::load(&s.cache_dir, common::OPTIONS);
    let progress = AtomicUsize::new(0);
    let (out, _stats) = agentobs_report::scan(&s.files, Some(&mut cache), common::MAX_LINE, &progress);
    for (f, summary) in &out {
        for w in &summary.warnings {
            assert!(
                !matches!(w.kind, WarningKind::Internal),
                "{}: a panic was caught while reading: {w}",
                f.path.display()
            );
        }
    }
    let _ = cache.save();
});
