//! Index load times of candidate cache formats, side by side.
//!
//! `cargo run --release --manifest-path benches/cache_formats/Cargo.toml`
//!
//! Builds a synthetic index of 2,000 and 20,000 entries shaped like agentobs-report's cache
//! entries (key, hashes, session context, first prompt, ~6 usage buckets), writes it in each
//! format to a temporary file, then times read + decode (median of 15 runs, warm page cache).

use std::collections::HashMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Serialize, Deserialize)]
enum Tier {
    Default,
    Flex,
    Priority,
}

#[derive(Clone, Serialize, Deserialize)]
struct Ctx {
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

type Bucket = (i64, String, bool, Option<Tier>, u8, [u64; 5], u64);

#[derive(Clone, Serialize, Deserialize)]
struct Warn {
    path: String,
    line: u64,
    kind: u8,
    message: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Summary {
    ctx: Ctx,
    first_prompt: Option<String>,
    buckets: Vec<Bucket>,
    warnings: Vec<Warn>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    size: u64,
    mtime_ns: i128,
    inode: u64,
    head: Option<u64>,
    tail: Option<u64>,
    resume_offset: u64,
    summary: Summary,
}

#[derive(Serialize, Deserialize)]
struct Index {
    fingerprint: u64,
    entries: HashMap<String, Entry>,
}

fn next(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn uuid(s: &mut u64) -> String {
    let a = next(s);
    let b = next(s);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

fn index(n: usize) -> Index {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let models = ["gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5", "o4-mini"];
    let mut entries = HashMap::with_capacity(n);
    for i in 0..n {
        let id = uuid(&mut s);
        let name = format!("rollout-2026-11-{:02}T10-{:02}-{:02}-{id}.jsonl", i % 28 + 1, i % 60, i % 59);
        let nb = 1 + (next(&mut s) % 12) as usize;
        let buckets = (0..nb)
            .map(|k| {
                (
                    1_790_000_000_000 + (i as i64) * 60_000 + k as i64 * 1_800_000,
                    models[(next(&mut s) % 4) as usize].to_owned(),
                    false,
                    [None, Some(Tier::Default), Some(Tier::Flex), Some(Tier::Priority)][k % 4],
                    (k % 3) as u8,
                    [next(&mut s) % 2_000_000, next(&mut s) % 1_500_000, 0, next(&mut s) % 40_000, next(&mut s) % 20_000],
                    1 + next(&mut s) % 20,
                )
            })
            .collect();
        let prompt_len = 40 + (next(&mut s) % 600) as usize;
        let summary = Summary {
            ctx: Ctx {
                thread_id: Some(id.clone()),
                session_id: Some(id),
                parent_thread_id: (i % 7 == 0).then(|| uuid(&mut s)),
                forked_from_id: None,
                originator: Some("codex_cli_rs".into()),
                source: Some(if i % 5 == 0 { "exec" } else { "cli" }.into()),
                cwd: Some(format!("/home/dev/src/project-{}", i % 40)),
                remote_url: Some(format!("git@github.com:acme/project-{}.git", i % 40)),
                branch: Some(["main", "feature/cache", "fix/tokens"][i % 3].into()),
                account_id: (i % 2 == 0).then(|| "acct_0123456789".into()),
                account_email: (i % 2 == 0).then(|| "dev@example.com".into()),
            },
            first_prompt: Some("Refactor the token accounting so that ".repeat(prompt_len / 38 + 1)),
            buckets,
            warnings: if i % 50 == 0 {
                vec![Warn { path: name.clone(), line: 17, kind: 2, message: "line is not JSON".into() }]
            } else {
                vec![]
            },
        };
        let size = 10_000 + next(&mut s) % 500_000;
        entries.insert(
            name,
            Entry {
                size,
                mtime_ns: 1_790_000_000_000_000_000 + i as i128,
                inode: 1_000_000 + i as u64,
                head: Some(next(&mut s)),
                tail: Some(next(&mut s)),
                resume_offset: size,
                summary,
            },
        );
    }
    Index { fingerprint: 42, entries }
}

type Enc = fn(&Index) -> Vec<u8>;
type Dec = fn(&[u8]) -> Index;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    use bincode::Options as _;
    let formats: [(&str, Enc, Dec); 3] = [
        (
            "bincode 1.3 (varint)",
            |i| bincode::DefaultOptions::new().serialize(i).unwrap(),
            |b| bincode::DefaultOptions::new().deserialize(b).unwrap(),
        ),
        (
            "postcard 1",
            |i| postcard::to_stdvec(i).unwrap(),
            |b| postcard::from_bytes(b).unwrap(),
        ),
        (
            "bitcode 0.6 (serde)",
            |i| bitcode::serialize(i).unwrap(),
            |b| bitcode::deserialize(b).unwrap(),
        ),
    ];
    let dir = std::env::temp_dir().join(format!("cache-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!("| entries | format | bytes | encode (ms) | load: read + decode (ms) |");
    println!("|---:|---|---:|---:|---:|");
    for n in [2_000, 20_000] {
        let idx = index(n);
        for (name, enc, dec) in formats {
            let t = Instant::now();
            let bytes = enc(&idx);
            let enc_ms = t.elapsed().as_secs_f64() * 1e3;
            let path = dir.join("index");
            std::fs::write(&path, &bytes).unwrap();
            let mut times = Vec::new();
            for _ in 0..15 {
                let t = Instant::now();
                let b = std::fs::read(&path).unwrap();
                let i = dec(&b);
                assert_eq!(i.entries.len(), n);
                std::hint::black_box(&i);
                times.push(t.elapsed().as_secs_f64() * 1e3);
                drop(i);
            }
            println!("| {n} | {name} | {} | {enc_ms:.2} | {:.2} |", bytes.len(), median(times));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
