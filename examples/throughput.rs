//! Single-thread throughput of the rollout reader on real files.
//!
//! Discovers the rollouts under a path (a Codex home, a folder or one file; default
//! `$CODEX_HOME`, else `~/.codex`) and reads all of them on one thread three ways:
//!
//! - `read+count`: read each file into memory and count its newlines (the floor: I/O and a
//!   `memchr` pass, no parsing);
//! - `tokens`: [`ReadOptions::tokens`], the token-only fast path behind `agentobs report`;
//! - `full`: [`ReadOptions::default`], every event.
//!
//! Each is run `--runs` times (default 3), alternating, and the median is printed in MB/s
//! (10^6 bytes per second). The first pass warms the page cache, so these are warm-cache figures.
//!
//! ```text
//! cargo run --release --example throughput -- [PATH] [--runs N]
//! cargo run --release -p agentobs-corpus -- --out /tmp/home --size-mb 64 --files 500
//! cargo run --release --example throughput -- /tmp/home
//! ```

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use agentobs::codex::{ReadOptions, RolloutFile, RolloutReader, default_codex_home, discover};

const USAGE: &str = "usage: throughput [PATH] [--runs N]";

/// Reads every file and counts its lines; returns the line count.
fn read_and_count(files: &[RolloutFile]) -> u64 {
    let mut lines = 0u64;
    let mut buf = Vec::new();
    for f in files {
        buf.clear();
        match std::fs::File::open(&f.path).and_then(|mut file| file.read_to_end(&mut buf)) {
            Ok(_) => lines += memchr::memchr_iter(b'\n', &buf).count() as u64,
            Err(e) => eprintln!("{}: {e}", f.path.display()),
        }
    }
    lines
}

/// Reads every file with `opts`; returns the number of events.
fn read_events(files: &[RolloutFile], opts: &ReadOptions) -> u64 {
    let mut events = 0u64;
    for f in files {
        match RolloutReader::open_sized(&f.path, opts.clone(), Some(f.size)) {
            Ok(reader) => events += reader.filter(Result::is_ok).count() as u64,
            Err(e) => eprintln!("{e}"),
        }
    }
    events
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn parse() -> Result<(Option<PathBuf>, usize), String> {
    let mut path = None;
    let mut runs = 3;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                let v = args.next().ok_or("--runs needs a value")?;
                runs = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(format!("bad --runs: {v}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            _ if path.is_none() && !a.starts_with("--") => path = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument: {a}")),
        }
    }
    Ok((path, runs))
}

fn main() -> ExitCode {
    let (path, runs) = match parse() {
        Ok(v) => v,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("throughput: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let Some(path) = path.or_else(default_codex_home) else {
        eprintln!("throughput: no PATH given and neither $CODEX_HOME nor $HOME is set");
        return ExitCode::from(2);
    };
    let files = match discover(std::slice::from_ref(&path)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("throughput: {e}");
            return ExitCode::from(2);
        }
    };
    let bytes: u64 = files.iter().map(|f| f.size).sum();
    if bytes == 0 {
        eprintln!("throughput: no rollout bytes under {}", path.display());
        return ExitCode::from(2);
    }
    println!(
        "{}: {} rollouts, {:.1} MB; single thread, median of {runs} runs",
        path.display(),
        files.len(),
        bytes as f64 / 1e6
    );

    let tokens = ReadOptions::tokens();
    let full = ReadOptions::default();
    let cases: [(&str, &dyn Fn() -> u64, &str); 3] = [
        ("read+count", &|| read_and_count(&files), "lines"),
        ("tokens", &|| read_events(&files, &tokens), "events"),
        ("full", &|| read_events(&files, &full), "events"),
    ];
    let mut secs = vec![Vec::with_capacity(runs); cases.len()];
    let mut counts = vec![0u64; cases.len()];
    // Alternate the cases run by run so that drift on a noisy machine hits them all alike.
    for _ in 0..runs {
        for (i, (_, run, _)) in cases.iter().enumerate() {
            let t = Instant::now();
            counts[i] = std::hint::black_box(run());
            secs[i].push(t.elapsed().as_secs_f64());
        }
    }
    for (i, (name, _, unit)) in cases.iter().enumerate() {
        let s = median(std::mem::take(&mut secs[i]));
        println!(
            "{name:<10} {:>8.0} MB/s  {:>8.3} s  ({} {unit})",
            bytes as f64 / 1e6 / s,
            s,
            counts[i]
        );
    }
    ExitCode::SUCCESS
}
