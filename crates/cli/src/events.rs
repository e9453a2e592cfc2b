//! `agentobs events`: the event stream of rollouts.

use std::io::{self, BufWriter, Write};

use agentobs_codex::{ReadOptions, RolloutReader};

use crate::exit;
use crate::inputs::InputArgs;

/// Arguments of `agentobs events`.
#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// Write JSONL of `agentobs.event/v1` instead of readable lines.
    #[arg(long)]
    json: bool,
    /// Keep prompt text, tool arguments and tool output (withheld by default).
    #[arg(long)]
    include_content: bool,
    /// Skip (with a warning) lines longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    max_line_bytes: usize,
}

pub fn run(args: EventsArgs) -> u8 {
    let files = match args.inputs.files() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("agentobs events: {e}");
            return exit::USAGE;
        }
    };
    let opts = ReadOptions {
        include_content: args.include_content,
        max_line_bytes: args.max_line_bytes,
        ..ReadOptions::default()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut events, mut warnings, mut lines) = (0u64, 0u64, 0u64);
    for f in &files {
        let reader = match RolloutReader::open(&f.path, opts.clone()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("warning: {e}");
                warnings += 1;
                continue;
            }
        };
        let mut reader = reader;
        for item in reader.by_ref() {
            match item {
                Ok(event) => {
                    events += 1;
                    let res = if args.json {
                        serde_json::to_writer(&mut out, &event)
                            .map_err(io::Error::other)
                            .and_then(|()| out.write_all(b"\n"))
                    } else {
                        writeln!(out, "{}", crate::human::line(&event))
                    };
                    if let Err(e) = res {
                        if e.kind() == io::ErrorKind::BrokenPipe {
                            return exit::OK;
                        }
                        eprintln!("agentobs events: {e}");
                        return 1;
                    }
                }
                Err(w) => {
                    let _ = out.flush();
                    warnings += 1;
                    let label = if w.is_notice() { "notice" } else { "warning" };
                    eprintln!("{label}: {w}");
                }
            }
        }
        lines += reader.stats().lines;
    }
    if let Err(e) = out.flush()
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("agentobs events: {e}");
        return 1;
    }
    eprintln!(
        "{} files, {lines} lines, {events} events, {warnings} warnings",
        files.len()
    );
    exit::OK
}
