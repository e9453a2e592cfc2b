//! `agentobs-corpus`: writes a synthetic Codex CLI home and its `expected.json`.
//!
//! ```text
//! agentobs-corpus --out DIR --size-mb N --files N [--seed N] [--traps]
//! ```
//!
//! `--size-mb` is in MiB (1,048,576 bytes) and may be fractional.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use agentobs_corpus::{CorpusSpec, generate};

const USAGE: &str = "usage: agentobs-corpus --out DIR --size-mb N --files N [--seed N] [--traps] [--harness codex|claude]";

struct Args {
    out: PathBuf,
    spec: CorpusSpec,
    claude: bool,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = None;
    let mut size_mb: Option<f64> = None;
    let mut files: Option<usize> = None;
    let mut spec = CorpusSpec::default();
    let mut claude = false;
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match key.as_str() {
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--size-mb" => {
                let v = value("--size-mb")?;
                let n: f64 = v.parse().map_err(|_| format!("bad --size-mb: {v}"))?;
                if !(n.is_finite() && n > 0.0) {
                    return Err(format!("bad --size-mb: {v}"));
                }
                size_mb = Some(n);
            }
            "--files" => {
                let v = value("--files")?;
                let n: usize = v.parse().map_err(|_| format!("bad --files: {v}"))?;
                if n == 0 {
                    return Err("--files must be at least 1".into());
                }
                files = Some(n);
            }
            "--seed" => {
                let v = value("--seed")?;
                spec.seed = v.parse().map_err(|_| format!("bad --seed: {v}"))?;
            }
            "--traps" => spec.traps = true,
            "--harness" => match value("--harness")?.as_str() {
                "codex" => claude = false,
                "claude" => claude = true,
                other => return Err(format!("bad --harness: {other} (codex or claude)")),
            },
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    spec.size_bytes = (size_mb.ok_or("--size-mb is required")? * 1_048_576.0) as u64;
    spec.files = files.ok_or("--files is required")?;
    Ok(Args {
        out: out.ok_or("--out is required")?,
        spec,
        claude,
    })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("agentobs-corpus: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let t = Instant::now();
    if args.claude {
        // A Claude Code home: `--files` sessions, traps always on.
        let made = std::fs::create_dir_all(&args.out).and_then(|()| {
            agentobs_corpus::claude::generate_claude(
                &args.out,
                args.spec.size_bytes,
                args.spec.files,
                args.spec.seed,
            )
        });
        return match made {
            Ok(exp) => {
                println!(
                    "agentobs-corpus: Claude Code home, {} files, {} bytes ({:.1} MiB) in {:.2}s; {} requests; expected: {}",
                    exp.files,
                    exp.bytes,
                    exp.bytes as f64 / 1_048_576.0,
                    t.elapsed().as_secs_f64(),
                    exp.totals.requests,
                    args.out.join("expected.json").display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("agentobs-corpus: {}: {e}", args.out.display());
                ExitCode::FAILURE
            }
        };
    }
    match generate(&args.out, &args.spec) {
        Ok(exp) => {
            let secs = t.elapsed().as_secs_f64();
            println!(
                "agentobs-corpus: {} files ({} sessions), {} bytes ({:.1} MiB) in {:.2}s ({:.0} MiB/s); {} requests, {} tokens, {} tool calls ({} failed); traps: {}; expected: {}",
                exp.files,
                exp.sessions,
                exp.bytes,
                exp.bytes as f64 / 1_048_576.0,
                secs,
                exp.bytes as f64 / 1_048_576.0 / secs.max(1e-9),
                exp.requests,
                exp.usage.total_tokens,
                exp.tool_calls,
                exp.tool_failures,
                if args.spec.traps { "on" } else { "off" },
                args.out.join("expected.json").display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("agentobs-corpus: {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
