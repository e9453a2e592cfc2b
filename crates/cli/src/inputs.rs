//! Turning command-line paths into rollout files.

use std::path::{Path, PathBuf};

use agentobs_codex::{RolloutFile, default_codex_home, discover};

/// A harness whose files the CLI reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HarnessName {
    /// Codex CLI rollouts.
    Codex,
    /// Claude Code transcripts.
    Claude,
    /// Gemini CLI chat logs.
    Gemini,
}

impl HarnessName {
    const ALL: [HarnessName; 3] = [HarnessName::Codex, HarnessName::Claude, HarnessName::Gemini];

    fn parse(s: &str) -> Result<Vec<HarnessName>, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "codex" => Ok(vec![HarnessName::Codex]),
            "claude" | "claude-code" | "claude_code" => Ok(vec![HarnessName::Claude]),
            "gemini" | "gemini-cli" | "gemini_cli" => Ok(vec![HarnessName::Gemini]),
            "all" => Ok(Self::ALL.to_vec()),
            other => Err(format!(
                "--harness {other:?}: expected codex, claude, gemini or all"
            )),
        }
    }
}

/// Paths and homes given on the command line, and the harnesses to read.
#[derive(clap::Args, Debug, Clone)]
pub struct InputArgs {
    /// Files or folders to read: Codex rollouts, or the transcripts of the one harness
    /// `--harness` names.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Codex home to read (`sessions/` and `archived_sessions/`); repeatable.
    /// Default: $CODEX_HOME, else ~/.codex.
    #[arg(long = "codex-home", value_name = "DIR")]
    pub codex_homes: Vec<PathBuf>,
    /// Claude Code home to read (its `projects/`); repeatable.
    /// Default: $CLAUDE_CONFIG_DIR, else ~/.claude.
    #[arg(long = "claude-home", value_name = "DIR")]
    pub claude_homes: Vec<PathBuf>,
    /// Gemini CLI home to read (its `tmp/<project>/chats/`); repeatable.
    /// Default: $GEMINI_CLI_HOME/.gemini, else ~/.gemini.
    #[arg(long = "gemini-home", value_name = "DIR")]
    pub gemini_homes: Vec<PathBuf>,
    /// Harnesses to read, comma-separated: codex, claude, gemini, all. Default: the
    /// harnesses of the paths and homes given; with none given, every harness whose default
    /// home exists.
    #[arg(long = "harness", value_name = "LIST", value_delimiter = ',')]
    pub harness: Vec<String>,
}

/// One file to read, of any harness.
#[derive(Clone, Debug)]
pub enum SourceFile {
    /// A Codex rollout.
    Codex(RolloutFile),
    /// A Claude Code transcript.
    Claude(PathBuf),
    /// A Gemini CLI chat log.
    Gemini(PathBuf),
}

impl SourceFile {
    /// The file's path.
    pub fn path(&self) -> &Path {
        match self {
            SourceFile::Codex(f) => &f.path,
            SourceFile::Claude(p) | SourceFile::Gemini(p) => p,
        }
    }
}

/// What to read, per harness.
#[derive(Debug, Default)]
pub struct Plan {
    /// Codex roots.
    pub codex: Vec<PathBuf>,
    /// Claude Code homes, folders or files.
    pub claude: Vec<PathBuf>,
    /// Gemini CLI homes, folders or files.
    pub gemini: Vec<PathBuf>,
}

impl InputArgs {
    /// The harnesses asked for, and whether `--harness` named them.
    fn harnesses(&self) -> Result<(Vec<HarnessName>, bool), String> {
        let mut named = Vec::new();
        for h in self.harness.iter().filter(|h| !h.trim().is_empty()) {
            named.extend(HarnessName::parse(h)?);
        }
        named.sort();
        named.dedup();
        if !named.is_empty() {
            return Ok((named, true));
        }
        let mut given = Vec::new();
        if !self.paths.is_empty() || !self.codex_homes.is_empty() {
            given.push(HarnessName::Codex);
        }
        if !self.claude_homes.is_empty() {
            given.push(HarnessName::Claude);
        }
        if !self.gemini_homes.is_empty() {
            given.push(HarnessName::Gemini);
        }
        if given.is_empty() {
            return Ok((HarnessName::ALL.to_vec(), false));
        }
        Ok((given, false))
    }

    /// Where each harness is read: the paths and homes given, else its default home. PATHs
    /// belong to the one harness `--harness` names, else to Codex. Without any input or
    /// `--harness`, a harness whose default home does not exist is left out.
    pub fn plan(&self) -> Result<Plan, String> {
        let (harnesses, named) = self.harnesses()?;
        let any_given = !(self.paths.is_empty()
            && self.codex_homes.is_empty()
            && self.claude_homes.is_empty()
            && self.gemini_homes.is_empty());
        let paths_to = match harnesses.as_slice() {
            [one] => *one,
            _ => HarnessName::Codex,
        };
        let mut plan = Plan::default();
        for h in harnesses {
            let (mut roots, homes) = match h {
                HarnessName::Codex => (self.codex_homes.clone(), &mut plan.codex),
                HarnessName::Claude => (self.claude_homes.clone(), &mut plan.claude),
                HarnessName::Gemini => (self.gemini_homes.clone(), &mut plan.gemini),
            };
            if paths_to == h {
                roots.splice(0..0, self.paths.iter().cloned());
            }
            // A harness without inputs of its own reads its default home when named, or
            // when nothing at all was given.
            if roots.is_empty() && (named || !any_given) {
                roots = match h {
                    HarnessName::Codex => default_codex_roots(),
                    HarnessName::Claude => agentobs_claude::default_homes(),
                    HarnessName::Gemini => agentobs_gemini::default_homes(),
                };
                if !named && h == HarnessName::Codex {
                    roots.retain(|r| r.exists());
                }
            }
            *homes = roots;
        }
        Ok(plan)
    }

    /// Every file, Codex rollouts deduplicated; an error message for an unusable path.
    pub fn files(&self) -> Result<Vec<SourceFile>, String> {
        let plan = self.plan()?;
        if plan.codex.is_empty() && plan.claude.is_empty() && plan.gemini.is_empty() {
            return Err("no input: give a PATH or a --codex-home, --claude-home or \
                 --gemini-home (no default home exists)"
                .into());
        }
        let mut out: Vec<SourceFile> = if plan.codex.is_empty() {
            Vec::new()
        } else {
            discover(&plan.codex)
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(SourceFile::Codex)
                .collect()
        };
        out.extend(
            claude_files(&plan.claude)?
                .into_iter()
                .map(SourceFile::Claude),
        );
        out.extend(
            gemini_files(&plan.gemini)?
                .into_iter()
                .map(SourceFile::Gemini),
        );
        Ok(out)
    }

    /// The Codex roots to read (for Codex's `config.toml` beside them), as [`Self::plan`] gives.
    pub fn roots(&self) -> Vec<PathBuf> {
        self.plan().map(|p| p.codex).unwrap_or_default()
    }
}

/// `$CODEX_HOME` (comma-separated), else `~/.codex`.
fn default_codex_roots() -> Vec<PathBuf> {
    match std::env::var_os("CODEX_HOME").filter(|v| !v.is_empty()) {
        Some(v) => v
            .to_string_lossy()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .collect(),
        None => default_codex_home().into_iter().collect(),
    }
}

/// Claude transcripts under each root: a file as is, a folder through its `projects/`.
pub fn claude_files(roots: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for r in roots {
        if r.is_file() {
            out.push(r.clone());
        } else if r.is_dir() {
            let found = agentobs_claude::discover_in(r).map_err(|e| e.to_string())?;
            out.extend(found.into_iter().map(|f| f.path));
        } else {
            return Err(format!("{}: no such file or directory", r.display()));
        }
    }
    out.dedup();
    Ok(out)
}

/// Every `*.jsonl` file under `dir`, at most `depth` folders down.
fn jsonl_under(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() && depth > 0 {
            jsonl_under(&path, depth - 1, out);
        } else if path.is_file() && path.extension().is_some_and(|e| e == "jsonl") {
            out.push(path);
        }
    }
}

/// Gemini chat logs under each root: a file as is, a home through `tmp/*/chats/`, else every
/// `*.jsonl` file under the folder (three levels down at most).
pub fn gemini_files(roots: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for r in roots {
        if r.is_file() {
            out.push(r.clone());
        } else if r.is_dir() {
            let found = agentobs_gemini::discover_in(r).map_err(|e| e.to_string())?;
            if found.is_empty() {
                // A `chats/` folder, or any folder of chat logs, given directly.
                let mut direct = Vec::new();
                jsonl_under(r, 3, &mut direct);
                direct.sort();
                out.extend(direct);
            } else {
                out.extend(found.into_iter().map(|f| f.path));
            }
        } else {
            return Err(format!("{}: no such file or directory", r.display()));
        }
    }
    out.dedup();
    Ok(out)
}

/// The text a long read shows after `i/n files`, from the sink's state.
pub type Progress<'a, S> = &'a dyn Fn(&S) -> String;

/// Reads every file into `sink`, a failure in one file (even a bug of ours) costing only
/// that file: an unopenable file or a panic becomes a warning to the sink. On a terminal,
/// `progress` gives the text shown after `i/n files`.
pub fn read_files<S: agentobs_schema::EventSink>(
    files: &[SourceFile],
    opts: &agentobs_codex::ReadOptions,
    sink: &mut S,
    progress: Option<Progress<'_, S>>,
) {
    use std::io::IsTerminal;
    let mut claude_seen = agentobs_claude::SeenRequests::default();
    let progress = progress.filter(|_| std::io::stderr().is_terminal());
    let mut shown = std::time::Instant::now();
    for (i, f) in files.iter().enumerate() {
        if let Some(text) = progress
            && shown.elapsed() >= std::time::Duration::from_millis(100)
        {
            shown = std::time::Instant::now();
            eprint!("\r{i}/{} files{} ", files.len(), text(sink));
        }
        let label = f.path().display().to_string();
        let read = agentobs_codex::guard_file(label.clone(), || {
            read_one(f, opts, &mut claude_seen, &mut *sink)
        });
        match read {
            Ok(std::ops::ControlFlow::Continue(())) => {}
            // The sink asked to stop (e.g. its output is closed).
            Ok(std::ops::ControlFlow::Break(())) => break,
            Err(w) => sink.warning(&w),
        }
    }
    if progress.is_some() {
        eprint!("\r\x1b[K");
    }
}

/// Reads one file of any harness into `sink`; an unopenable file is a warning. Claude
/// responses already billed in an earlier file (`seen`) are not billed again.
fn read_one<S: agentobs_schema::EventSink + ?Sized>(
    f: &SourceFile,
    opts: &agentobs_codex::ReadOptions,
    claude_seen: &mut agentobs_claude::SeenRequests,
    sink: &mut S,
) -> std::ops::ControlFlow<()> {
    let opened = match f {
        SourceFile::Codex(r) => agentobs_codex::RolloutReader::open(&r.path, opts.clone())
            .map(|mut reader| reader.feed(&mut *sink))
            .map_err(|e| e.to_string()),
        SourceFile::Claude(p) => {
            let o = agentobs_claude::ReadOptions::default()
                .with_content(opts.include_content)
                .with_max_line_bytes(opts.max_line_bytes);
            agentobs_claude::TranscriptReader::open(p, o)
                .map(|mut reader| reader.feed_with(claude_seen, &mut *sink))
                .map_err(|e| e.to_string())
        }
        SourceFile::Gemini(p) => {
            let o = agentobs_gemini::ReadOptions::default()
                .with_content(opts.include_content)
                .with_max_line_bytes(opts.max_line_bytes);
            agentobs_gemini::ChatReader::open(p, o)
                .map(|mut reader| reader.feed(&mut *sink))
                .map_err(|e| e.to_string())
        }
    };
    opened.unwrap_or_else(|message| {
        sink.warning(&agentobs_codex::Warning {
            path: f.path().display().to_string().into(),
            line: 0,
            kind: agentobs_codex::WarningKind::Io,
            message,
        });
        std::ops::ControlFlow::Continue(())
    })
}
