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

const USAGE: &str = "usage: agentobs-corpus --out DIR --size-mb N --files N [--seed N] [--traps]";

struct Args {
    out: PathBuf,
    spec: CorpusSpec,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = None;
    let mut size_mb: Option<f64> = None;
    let mut files: Option<usize> = None;
    let mut spec = CorpusSpec::default();
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
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    spec.size_bytes = (size_mb.ok_or("--size-mb is required")? * 1_048_576.0) as u64;
    spec.files = files.ok_or("--files is required")?;
    Ok(Args {
        out: out.ok_or("--out is required")?,
        spec,
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
