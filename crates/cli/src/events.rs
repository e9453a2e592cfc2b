//! `agentobs events`: the event stream of rollouts.

use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;

use agentobs_codex::{ReadOptions, Warning};
use agentobs_schema::{Event, EventSink, SourceEnd};

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
    let mut sink = PrintSink {
        out: BufWriter::new(stdout.lock()),
        json: args.json,
        events: 0,
        warnings: 0,
        lines: 0,
        error: None,
    };
    crate::inputs::read_files(&files, &opts, &mut sink, None);
    match sink.error.take() {
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => return exit::OK,
        Some(e) => {
            eprintln!("agentobs events: {e}");
            return exit::FAILED;
        }
        None => {}
    }
    if let Err(e) = sink.out.flush()
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("agentobs events: {e}");
        return exit::FAILED;
    }
    eprintln!(
        "{} files, {} lines, {} events, {} warnings",
        files.len(),
        sink.lines,
        sink.events,
        sink.warnings
    );
    if sink.warnings > 0 {
        exit::WARNINGS
    } else {
        exit::OK
    }
}

/// Prints each event as a line (or JSONL), warnings to stderr.
struct PrintSink<W: Write> {
    out: W,
    json: bool,
    events: u64,
    warnings: u64,
    lines: u64,
    /// The first write error; printing stops there.
    error: Option<io::Error>,
}

impl<W: Write> EventSink for PrintSink<W> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        self.events += 1;
        let res = if self.json {
            serde_json::to_writer(&mut self.out, event)
                .map_err(io::Error::other)
                .and_then(|()| self.out.write_all(b"\n"))
        } else {
            writeln!(self.out, "{}", crate::human::line(event))
        };
        match res {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    fn warning(&mut self, w: &Warning) {
        let _ = self.out.flush();
        crate::dates::print_warning(w, &mut self.warnings);
    }

    fn end(&mut self, end: &SourceEnd) {
        self.lines += end.lines;
    }
}
