//! `agentobs hook`: a Codex hook command. `PreToolUse` applies the policy and denies what it
//! forbids; `Stop` checks the session's rollout and appends a session record (tokens, cost,
//! alerts) to a JSONL ledger, within a time budget.

use std::io::{Read, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use agentobs_anomaly::{Alert, Engine, Policy, RuleSet};
use agentobs_codex::hooks::{HookEvent, HookInput, pre_tool_use_deny};
use agentobs_codex::{ReadOptions, RolloutReader, guard_file};
use agentobs_cost::ServiceTier;
use agentobs_schema::{Event, EventSink, Timestamp, TokenUsage};

use crate::exit;
use crate::pricing::PricingArgs;

/// Schema id of a ledger line.
pub const LEDGER_SCHEMA: &str = "agentobs.ledger/v1";

/// Most bytes read from stdin.
const MAX_INPUT: u64 = 16 << 20;

/// Arguments of `agentobs hook`.
#[derive(clap::Args, Debug)]
pub struct HookArgs {
    /// Policy file (TOML) applied on PreToolUse; default: the built-in policy.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Rules file for the Stop check (as for `agentobs check`).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// Append a JSON line per Stop (the session so far) and per denied call to this file.
    #[arg(long, value_name = "FILE")]
    ledger: Option<PathBuf>,
    /// Time budget for reading the rollout on Stop, in milliseconds; past it the record is
    /// written with what was read and `"complete": false`.
    #[arg(long, value_name = "MS", default_value_t = 200)]
    budget_ms: u64,
    #[command(flatten)]
    pricing: PricingArgs,
}

fn fail(msg: impl std::fmt::Display) -> u8 {
    eprintln!("agentobs hook: {msg}");
    exit::FAILED
}

/// Runs one hook: reads the hook's JSON from stdin, answers on stdout.
pub fn run(args: HookArgs) -> u8 {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().take(MAX_INPUT).read_to_string(&mut text) {
        return fail(format!("stdin: {e}"));
    }
    let input = match HookInput::parse(&text) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    match input.event() {
        HookEvent::PreToolUse => pre_tool_use(&args, &input),
        HookEvent::Stop => stop(&args, &input),
        // Nothing to decide: let Codex go on.
        _ => exit::OK,
    }
}

/// `PreToolUse`: deny what the policy forbids. A policy that cannot be read denies every
/// call (exit 2 with the reason): a guard that fails open guards nothing.
fn pre_tool_use(args: &HookArgs, input: &HookInput) -> u8 {
    let policy = match &args.policy {
        Some(p) => match Policy::load(p) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("agentobs hook: denied, the policy cannot be read: {e}");
                return 2;
            }
        },
        None => Policy::default(),
    };
    let tool = input.tool_name.as_deref().unwrap_or("tool");
    let Some(v) = policy.check(tool, &input.tool_input_text(), input.cwd.as_deref()) else {
        return exit::OK;
    };
    let reason = format!("agentobs policy: {}", v.reason);
    println!("{}", pre_tool_use_deny(&reason));
    if let Some(ledger) = &args.ledger {
        let record = DenyRecord {
            head: Head::new("PreToolUse", input),
            tool,
            tool_use_id: input.tool_use_id.as_deref(),
            decision: "deny",
            rule: v.kind,
            reason: &v.reason,
        };
        if let Err(e) = append(ledger, &record) {
            eprintln!("agentobs hook: {}: {e}", ledger.display());
        }
    }
    exit::OK
}

/// What every ledger line starts with.
#[derive(serde::Serialize)]
struct Head<'a> {
    schema: &'static str,
    at: Timestamp,
    hook: &'static str,
    session_id: Option<&'a str>,
    turn_id: Option<&'a str>,
}

impl<'a> Head<'a> {
    fn new(hook: &'static str, input: &'a HookInput) -> Self {
        Head {
            schema: LEDGER_SCHEMA,
            at: Timestamp::now(),
            hook,
            session_id: input.session_id.as_deref(),
            turn_id: input.turn_id.as_deref(),
        }
    }
}

/// A ledger line for a denied call.
#[derive(serde::Serialize)]
struct DenyRecord<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    tool: &'a str,
    tool_use_id: Option<&'a str>,
    decision: &'static str,
    rule: &'static str,
    reason: &'a str,
}

/// A ledger line for a session at a `Stop`: what it used and cost so far, and its alerts.
#[derive(serde::Serialize)]
struct StopRecord<'a> {
    #[serde(flatten)]
    head: Head<'a>,
    transcript_path: &'a str,
    cwd: Option<&'a str>,
    model: Option<&'a str>,
    tokens: Tokens,
    requests: u64,
    /// `None` when a request's model has no price: the total would be wrong.
    cost_usd: Option<f64>,
    priced_cost_usd: f64,
    unpriced_requests: u64,
    alerts: &'a [Alert],
    complete: bool,
    read_ms: f64,
}

/// Token counts (Codex semantics: cached and cache-write are parts of input).
#[derive(serde::Serialize)]
struct Tokens {
    input: u64,
    cached_input: u64,
    cache_write_input: u64,
    output: u64,
    reasoning_output: u64,
    total: u64,
}

impl Tokens {
    fn of(u: &TokenUsage) -> Tokens {
        Tokens {
            input: u.input_tokens,
            cached_input: u.cached_input_tokens,
            cache_write_input: u.cache_write_input_tokens,
            output: u.output_tokens,
            reasoning_output: u.reasoning_output_tokens,
            total: u.total_tokens(),
        }
    }
}

/// Feeds the engine until the deadline. The end of the file is not passed on, so the
/// session stays open and its facts (tokens, cost) can be read before `finish`.
struct StopSink<'a> {
    engine: &'a mut Engine,
    deadline: Instant,
    seen: u32,
    out_of_time: bool,
}

impl EventSink for StopSink<'_> {
    fn event(&mut self, event: &Event) -> ControlFlow<()> {
        let _ = self.engine.event(event);
        self.seen = self.seen.wrapping_add(1);
        if self.seen.is_multiple_of(256) && Instant::now() >= self.deadline {
            self.out_of_time = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}

/// `Stop`: the session record.
fn stop(args: &HookArgs, input: &HookInput) -> u8 {
    let started = Instant::now();
    let Some(path) = input.transcript_path.as_deref().filter(|p| !p.is_empty()) else {
        eprintln!("agentobs hook: Stop without a transcript_path: nothing to check");
        return exit::OK;
    };
    let rules = match &args.rules {
        Some(p) => match RuleSet::load(p) {
            Ok(r) => r,
            Err(e) => return fail(e),
        },
        None => RuleSet::default(),
    };
    let rules = match &args.policy {
        Some(p) => match Policy::load(p) {
            Ok(policy) => rules.with_policy(policy),
            Err(e) => return fail(e),
        },
        None => rules,
    };
    let home: Vec<PathBuf> = std::env::var_os("CODEX_HOME")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    let (book, tier) = match args.pricing.resolve(&home) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let tier = tier.unwrap_or(ServiceTier::Standard);
    let mut engine = Engine::builder()
        .rules(rules)
        .price_book(book)
        .default_tier(tier)
        .build();
    let mut sink = StopSink {
        engine: &mut engine,
        deadline: started + Duration::from_millis(args.budget_ms),
        seen: 0,
        out_of_time: false,
    };
    let opts = ReadOptions::default().with_content(true);
    let read = guard_file(path.to_owned(), || {
        match RolloutReader::open(Path::new(path), opts) {
            Ok(mut reader) => reader.feed(&mut sink),
            Err(e) => {
                eprintln!("agentobs hook: {e}");
                ControlFlow::Break(())
            }
        }
    });
    let out_of_time = sink.out_of_time;
    let readable = matches!(read, Ok(ControlFlow::Continue(()))) || out_of_time;
    if let Err(w) = &read {
        eprintln!("agentobs hook: {w}");
    }
    // One rollout is one session: the engine's facts of it are the record's numbers.
    let facts = engine.sessions().max_by_key(|f| f.events).cloned();
    let alerts: Vec<Alert> = engine.finish();
    let (usage, requests, cost, unpriced) = facts.as_ref().map_or_else(
        || (TokenUsage::default(), 0, 0.0, 0),
        |f| (f.usage, f.requests, f.cost_usd, f.unpriced_requests),
    );
    let model = facts
        .as_ref()
        .and_then(|f| f.model())
        .or(input.model.as_deref());
    let record = StopRecord {
        head: Head::new("Stop", input),
        transcript_path: path,
        cwd: input.cwd.as_deref(),
        model,
        tokens: Tokens::of(&usage),
        requests,
        cost_usd: (unpriced == 0).then_some(cost),
        priced_cost_usd: cost,
        unpriced_requests: unpriced,
        alerts: &alerts,
        complete: readable && !out_of_time,
        read_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    match &args.ledger {
        Some(ledger) => {
            if let Err(e) = append(ledger, &record) {
                return fail(format!("{}: {e}", ledger.display()));
            }
        }
        None => eprintln!("{}", serde_json::to_string(&record).unwrap_or_default()),
    }
    exit::OK
}

/// Appends one JSON line with a single write (atomic for a line on an `O_APPEND` file).
fn append(path: &Path, record: &impl serde::Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    line.push('\n');
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(line.as_bytes())
}
