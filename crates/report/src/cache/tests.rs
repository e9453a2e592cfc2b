use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;

use super::*;
use crate::scan::{ScanStats, scan};

const MAX_LINE: usize = 1 << 20;
const OPTIONS: &str = "test";

/// A rollout: a session meta line padded past the hashed head span, then `n` token counts
/// whose sizes depend on `scale`.
fn rollout(n: u64, scale: u64) -> String {
    let pad = "x".repeat(5000);
    let mut s = format!(
        r#"{{"timestamp":"2025-10-21T18:30:00.000Z","type":"session_meta","payload":{{"id":"0199f0a0-1111-7222-8333-944455556666","timestamp":"2025-10-21T18:30:00.000Z","cwd":"/home/dev/w","originator":"codex_cli_rs","cli_version":"0.47.0","instructions":"{pad}","source":"cli","model_provider":"openai"}}}}
{{"timestamp":"2025-10-21T18:30:02.000Z","type":"turn_context","payload":{{"cwd":"/home/dev/w","approval_policy":"on-request","sandbox_policy":{{"mode":"workspace-write"}},"model":"gpt-5-codex","effort":"high","summary":"auto"}}}}
"#
    );
    for i in 1..=n {
        s.push_str(&token_line(i, scale));
    }
    s
}

fn token_line(i: u64, scale: u64) -> String {
    let (inp, out) = (1000 * scale, 100 * scale);
    format!(
        r#"{{"timestamp":"2025-10-21T18:31:{:02}.000Z","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{},"cached_input_tokens":0,"output_tokens":{},"reasoning_output_tokens":0,"total_tokens":{}}},"last_token_usage":{{"input_tokens":{inp},"cached_input_tokens":0,"output_tokens":{out},"reasoning_output_tokens":0,"total_tokens":{}}},"model_context_window":272000}}}}}}
"#,
        i % 60,
        inp * i,
        out * i,
        (inp + out) * i,
        inp + out
    )
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn name(k: u32) -> String {
    format!("rollout-2025-10-21T18-30-00-0199f0a0-1111-7222-8333-{k:012}.jsonl")
}

fn tokens(summaries: &[(RolloutFile, FileSummary)]) -> u64 {
    summaries
        .iter()
        .flat_map(|(_, s)| &s.buckets)
        .map(|b| b.usage.input_tokens + b.usage.output_tokens)
        .sum()
}

/// One report's worth of cache use over `root`: discover, scan, retain, save.
fn pass(cache_dir: &Path, root: &Path) -> (ScanStats, u64, Option<String>) {
    let mut cache = Cache::load(cache_dir, OPTIONS);
    let (stats, total, rebuilt) = pass_with(&mut cache, root);
    cache.save().unwrap();
    (stats, total, rebuilt)
}

fn pass_with(cache: &mut Cache, root: &Path) -> (ScanStats, u64, Option<String>) {
    let files = agentobs_codex::discover(&[root.to_owned()]).unwrap();
    let (summaries, stats) = scan(&files, Some(cache), MAX_LINE, &AtomicUsize::new(0));
    let seen: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    cache.retain_seen(&[root.to_owned()], &seen);
    (stats, tokens(&summaries), cache.rebuilt.clone())
}

/// The tokens of a read without any cache.
fn fresh_tokens(root: &Path) -> u64 {
    let files = agentobs_codex::discover(&[root.to_owned()]).unwrap();
    tokens(&scan(&files, None, MAX_LINE, &AtomicUsize::new(0)).0)
}

fn stats(read: usize, resumed: usize, cached: usize) -> ScanStats {
    ScanStats {
        read,
        resumed,
        cached,
    }
}

fn shard_files(cache_dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for d in std::fs::read_dir(cache_dir).unwrap().flatten() {
        if d.path().is_dir() {
            for f in std::fs::read_dir(d.path()).unwrap().flatten() {
                if f.path().extension().is_some_and(|x| x == SHARD_EXT) {
                    out.push(f.path());
                }
            }
        }
    }
    out.sort();
    out
}

fn key_of(file: &Path) -> FileKey {
    FileKey::of(&agentobs_codex::discover(&[file.to_owned()]).unwrap()[0])
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn unchanged_files_come_from_the_cache_and_grown_ones_resume() {
    let t = tempfile::tempdir().unwrap();
    let (home, cache) = (t.path().join("home"), t.path().join("cache"));
    let file = home.join("a").join(name(1));
    write(&file, &rollout(3, 1));
    write(&home.join("b").join(name(2)), &rollout(2, 1));
    let (s, total, rebuilt) = pass(&cache, &home);
    assert_eq!((s, rebuilt), (stats(2, 0, 0), None));
    assert_eq!(total, fresh_tokens(&home));
    assert_eq!(shard_files(&cache).len(), 2, "one shard per folder");

    let (s, again, _) = pass(&cache, &home);
    assert_eq!((s, again), (stats(0, 0, 2), total));

    append(&file, &token_line(4, 1));
    let (s, grown, _) = pass(&cache, &home);
    assert_eq!(s, stats(0, 1, 1));
    assert_eq!(grown, fresh_tokens(&home));
    assert!(grown > total);
}

#[test]
fn a_truncated_and_regrown_file_with_other_content_is_read_afresh() {
    let t = tempfile::tempdir().unwrap();
    let (home, cache) = (t.path().join("home"), t.path().join("cache"));
    let file = home.join("a").join(name(1));
    write(&file, &rollout(3, 1));
    pass(&cache, &home);
    // Same inode, same first 4 KiB and more, longer than before, other token counts.
    let inode = key_of(&file).inode;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&file)
        .unwrap();
    f.write_all(rollout(5, 7).as_bytes()).unwrap();
    drop(f);
    assert_eq!(key_of(&file).inode, inode);
    let (s, total, _) = pass(&cache, &home);
    assert_eq!(s, stats(1, 0, 0), "not resumed");
    assert_eq!(total, fresh_tokens(&home));
}

#[test]
fn concurrent_saves_keep_both_runs_work_in_one_generation() {
    let t = tempfile::tempdir().unwrap();
    let (home, cache) = (t.path().join("home"), t.path().join("cache"));
    let (one, two) = (home.join("a").join(name(1)), home.join("a").join(name(2)));
    write(&one, &rollout(3, 1));
    // Two runs load the same (empty) cache; each reads a different file of the same folder.
    let mut a = Cache::load(&cache, OPTIONS);
    let mut b = Cache::load(&cache, OPTIONS);
    pass_with(&mut a, &home);
    write(&two, &rollout(4, 2));
    pass_with(&mut b, &home);
    append(&one, &token_line(4, 1));
    a.save().unwrap();
    b.save().unwrap();
    // b's save merged into a's generation: both files are cached, with usable states.
    let (s, total, rebuilt) = pass(&cache, &home);
    assert_eq!((s, rebuilt), (stats(0, 1, 1), None));
    assert_eq!(total, fresh_tokens(&home));

    // Many saves racing from two threads: every shard stays whole and consistent.
    for k in 3..9 {
        write(&home.join("a").join(name(k)), &rollout(u64::from(k), 1));
    }
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..10 {
                    let mut c = Cache::load(&cache, OPTIONS);
                    let (_, total, rebuilt) = pass_with(&mut c, &home);
                    assert_eq!(rebuilt, None);
                    assert_eq!(total, fresh_tokens(&home));
                    c.save().unwrap();
                }
            });
        }
    });
    for k in 1..9 {
        append(&home.join("a").join(name(k)), &token_line(20, 3));
    }
    let (s, total, rebuilt) = pass(&cache, &home);
    assert_eq!((s, rebuilt), (stats(0, 8, 0), None));
    assert_eq!(total, fresh_tokens(&home));
}

#[test]
fn a_state_from_another_generation_is_never_served() {
    let t = tempfile::tempdir().unwrap();
    let (home, cache) = (t.path().join("home"), t.path().join("cache"));
    let file = home.join("a").join(name(1));
    write(&file, &rollout(3, 1));
    pass(&cache, &home);
    let mut stale = Cache::load(&cache, OPTIONS);
    let dir = file.parent().unwrap().to_owned();
    stale.shard(&dir).unwrap(); // loads generation 1
    // Another run rewrites the shard (a new generation).
    write(&home.join("a").join(name(2)), &rollout(2, 1));
    pass(&cache, &home);
    append(&file, &token_line(4, 1));
    let key = key_of(&file);
    assert!(matches!(stale.lookup(&file, &key), Lookup::Miss));
    // A fresh load resumes.
    let mut now = Cache::load(&cache, OPTIONS);
    assert!(matches!(now.lookup(&file, &key), Lookup::Grown(..)));
}

#[test]
fn a_format_or_accounting_mismatch_rebuilds() {
    let t = tempfile::tempdir().unwrap();
    let (home, cache) = (t.path().join("home"), t.path().join("cache"));
    write(&home.join("a").join(name(1)), &rollout(3, 1));
    pass(&cache, &home);
    let shard = shard_files(&cache).remove(0);
    let version_dir = shard.parent().unwrap().to_owned();

    // A cache folder of another format version (or accounting rules, or options).
    let other = cache.join(format!("v{}-0000000000000000", CACHE_FORMAT - 1));
    std::fs::rename(&version_dir, &other).unwrap();
    std::fs::write(cache.join("index.bin"), b"old layout").unwrap();
    let (s, _, rebuilt) = pass(&cache, &home);
    assert_eq!(s, stats(1, 0, 0));
    assert!(rebuilt.unwrap().contains("another format"));
    assert!(!other.exists() && !cache.join("index.bin").exists());
    assert_eq!(pass(&cache, &home).0, stats(0, 0, 1));

    // A shard whose header names another format.
    let mut bytes = std::fs::read(&shard).unwrap();
    bytes[8..12].copy_from_slice(&(CACHE_FORMAT + 1).to_le_bytes());
    std::fs::write(&shard, &bytes).unwrap();
    let (s, _, rebuilt) = pass(&cache, &home);
    assert_eq!(s, stats(1, 0, 0));
    assert!(rebuilt.unwrap().contains("another format"));
    assert_eq!(pass(&cache, &home).0, stats(0, 0, 1));

    // Other read options are another cache.
    let mut c = Cache::load(&cache, "other options");
    let (s, _, _) = pass_with(&mut c, &home);
    assert_eq!(s, stats(1, 0, 0));
}

#[test]
fn deleted_files_and_folders_leave_the_cache() {
    let t = tempfile::tempdir().unwrap();
    let (home, cache) = (t.path().join("home"), t.path().join("cache"));
    write(&home.join("a").join(name(1)), &rollout(3, 1));
    write(&home.join("a").join(name(2)), &rollout(3, 1));
    write(&home.join("b").join(name(3)), &rollout(3, 1));
    pass(&cache, &home);
    assert_eq!(shard_files(&cache).len(), 2);

    std::fs::remove_file(home.join("a").join(name(2))).unwrap();
    pass(&cache, &home);
    let c = Cache::load(&cache, OPTIONS);
    let shard = c.shard_file(&home.join("a"));
    let index = shard::read_index(&shard, c.fingerprint).unwrap().unwrap();
    let names: Vec<&String> = index.index.entries.keys().collect();
    assert_eq!(names, [&name(1)]);

    // A folder that is gone: its shard goes at the next sweep.
    std::fs::remove_dir_all(home.join("b")).unwrap();
    append(&home.join("a").join(name(1)), &token_line(4, 1));
    let mut c = Cache::load(&cache, OPTIONS);
    c.sweep_every = Duration::ZERO;
    pass_with(&mut c, &home);
    c.save().unwrap();
    assert_eq!(shard_files(&cache), [shard]);
}

#[test]
fn a_run_loads_only_the_shards_of_the_files_it_reads() {
    let t = tempfile::tempdir().unwrap();
    let (big, small, cache) = (
        t.path().join("big"),
        t.path().join("small"),
        t.path().join("cache"),
    );
    for k in 0..20 {
        write(&big.join(format!("d{k}")).join(name(k)), &rollout(2, 1));
    }
    write(&small.join("d").join(name(99)), &rollout(2, 1));
    pass(&cache, &big);
    pass(&cache, &small);
    let mut c = Cache::load(&cache, OPTIONS);
    let (s, _, _) = pass_with(&mut c, &small);
    assert_eq!(s, stats(0, 0, 1));
    assert_eq!(c.shards.len(), 1);
    // Reporting on one home drops nothing of the other.
    assert_eq!(pass(&cache, &big).0, stats(0, 0, 20));
}

/// The length of a shard's states section, from its header.
fn states_len(shard: &[u8]) -> usize {
    u64::from_le_bytes(shard[36..44].try_into().unwrap()) as usize
}

#[test]
fn garbage_shards_never_panic_and_are_rebuilt() {
    let t = tempfile::tempdir().unwrap();
    let (home, cache) = (t.path().join("home"), t.path().join("cache"));
    let file = home.join("a").join(name(1));
    write(&file, &rollout(3, 1));
    pass(&cache, &home);
    let shard = shard_files(&cache).remove(0);
    let good = std::fs::read(&shard).unwrap();
    let key = key_of(&file);

    let mut variants: Vec<Vec<u8>> = vec![Vec::new(), b"garbage".to_vec(), vec![0xff; 4096]];
    variants.extend((0..good.len()).step_by(7).map(|n| good[..n].to_vec()));
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..300 {
        let mut b = good.clone();
        for _ in 0..3 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % b.len() as u64) as usize;
            b[i] ^= (x >> 32) as u8 | 1;
        }
        variants.push(b);
    }
    // A header that claims huge sections.
    let mut huge = good.clone();
    huge[28..36].copy_from_slice(&u64::MAX.to_le_bytes());
    variants.push(huge);

    for bytes in &variants {
        std::fs::write(&shard, bytes).unwrap();
        let mut c = Cache::load(&cache, OPTIONS);
        // Whatever the bytes, a lookup answers; an unreadable shard says so.
        match c.lookup(&file, &key) {
            Lookup::Unchanged(_) | Lookup::Miss => {}
            Lookup::Grown(..) => panic!("the key is unchanged"),
        }
        // The index is hashed: any change to its bytes or the header (but the generation, any
        // number) is seen.
        let states_at = good.len() - states_len(&good);
        let index_changed = bytes.len() != good.len()
            || bytes[..20] != good[..20]
            || bytes[28..states_at] != good[28..states_at];
        assert_eq!(c.rebuilt.is_some(), index_changed);
    }
    std::fs::write(&shard, b"garbage").unwrap();
    let (s, total, rebuilt) = pass(&cache, &home);
    assert_eq!(s, stats(1, 0, 0));
    assert!(rebuilt.unwrap().contains("unreadable"));
    assert_eq!(total, fresh_tokens(&home));
    assert_eq!(pass(&cache, &home).0, stats(0, 0, 1));
}
