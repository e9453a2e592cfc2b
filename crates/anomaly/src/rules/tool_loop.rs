//! `tool_loop` — the agent calls the same tool with the same arguments again and again.
//!
//! **Catches**: a model that does not notice its call changed nothing — the same call run
//! back to back, the same call giving the same output over and over, the same failing command
//! retried. **Decides**: the same (tool, arguments) `consecutive` times in a row; or, among
//! the last `window` tool calls, the same (tool, arguments, output) `repeats` times; or the
//! same call failing `failing_repeats` times in a row. Arguments are compared after folding
//! runs of whitespace; outputs by their text. Each call fires once per session; the evidence
//! is every occurrence. Running `cargo test` after each edit is not a loop: the edits come
//! between and the outputs differ. Needs the arguments: when a source withheld them (content
//! off) the rule cannot tell calls apart and stays silent. **False positive**: a polling
//! loop the user asked for (`sleep 30; make status` until it is done).

use std::collections::{HashSet, VecDeque};

use serde::Deserialize;

use agentobs_schema::{Event, EventKind};

use super::{arguments, failed};
use crate::alert::{Evidence, Severity};
use crate::rule::{Context, Rule};

/// Thresholds of [`ToolLoop`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ToolLoopConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// The same call this many times in a row fires (default 4).
    pub consecutive: usize,
    /// The same call with the same output this many times within the window fires
    /// (default 5).
    pub repeats: usize,
    /// Window, in tool calls (default 20).
    pub window: usize,
    /// The same call failing this many times in a row fires (default 3).
    pub failing_repeats: usize,
    /// Severity (default warning).
    pub severity: Severity,
}

impl Default for ToolLoopConfig {
    fn default() -> Self {
        ToolLoopConfig {
            enabled: true,
            consecutive: 4,
            repeats: 5,
            window: 20,
            failing_repeats: 3,
            severity: Severity::Warning,
        }
    }
}

/// The `tool_loop` rule; see the module docs.
#[derive(Clone, Debug, Default)]
pub struct ToolLoop {
    config: ToolLoopConfig,
}

impl ToolLoop {
    /// The rule with these thresholds.
    pub fn new(config: ToolLoopConfig) -> Self {
        ToolLoop { config }
    }
}

/// The recent calls of a session.
#[derive(Debug, Default)]
pub struct LoopState {
    /// (call, call with output) hashes of the last `window` calls, with their evidence.
    recent: VecDeque<(u64, Option<u64>, Evidence)>,
    /// The current run of one call: its hash, every occurrence, and how many in a row failed.
    run: Option<(u64, Vec<Evidence>, usize)>,
    /// The (tool, arguments) hash of the last call.
    last_key: u64,
    fired: HashSet<u64>,
}

/// Most occurrences kept as evidence of one run.
const MAX_RUN_EVIDENCE: usize = 64;

/// FNV-1a, 64 bits: a fast hash for comparing calls (a collision costs at most a wrong loop
/// verdict, never memory or time).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn byte(&mut self, b: u8) {
        self.0 = (self.0 ^ u64::from(b)).wrapping_mul(Self::PRIME);
    }

    fn bytes(&mut self, text: &str) {
        for &b in text.as_bytes() {
            self.byte(b);
        }
    }

    /// The words of `text`, runs of whitespace folded to one separator.
    fn words(&mut self, text: &str) {
        for word in text.split_ascii_whitespace() {
            self.bytes(word);
            self.byte(0);
        }
    }
}

impl Rule for ToolLoop {
    type State = LoopState;

    fn id(&self) -> &str {
        "tool_loop"
    }

    fn event(&self, st: &mut LoopState, event: &Event, cx: &mut Context<'_>) {
        let EventKind::ToolResult(r) = &event.kind else {
            return;
        };
        let Some(args) = arguments(event) else {
            return;
        };
        let c = &self.config;
        let mut h = Fnv::new();
        h.bytes(&r.tool);
        h.byte(0xff);
        h.words(args);
        let key = h.0;
        // Without the output (withheld) the window test cannot tell a loop from re-running
        // a test after each edit: only the runs in a row count then.
        let with_output = r.output.value().map(|out| {
            h.byte(0xfe);
            h.bytes(out);
            h.0
        });
        let here = Evidence::of(event);
        let failed_now = failed(r);

        // The run of identical calls: same arguments and, when known, the same output (a
        // command polled until its output changes is making progress). Failures in a row
        // count whatever they print.
        let run_key = with_output.unwrap_or(key);
        let run = match st.run.take() {
            Some((k, mut seen, fails))
                if k == run_key || (failed_now && fails > 0 && st.last_key == key) =>
            {
                if seen.len() < MAX_RUN_EVIDENCE {
                    seen.push(here.clone());
                }
                (k, seen, if failed_now { fails + 1 } else { 0 })
            }
            _ => (run_key, vec![here.clone()], usize::from(failed_now)),
        };
        st.last_key = key;
        let (n_run, fails) = (run.1.len(), run.2);
        st.run = Some(run);

        st.recent.push_back((key, with_output, here));
        while st.recent.len() > c.window.max(1) {
            st.recent.pop_front();
        }
        if st.fired.contains(&key) {
            return;
        }
        let (n, threshold, what) = if fails >= c.failing_repeats.max(2) {
            (
                fails,
                c.failing_repeats,
                format!(
                    "the same failing `{}` call was retried {fails} times in a row",
                    r.tool
                ),
            )
        } else if n_run >= c.consecutive.max(2) {
            (
                n_run,
                c.consecutive,
                format!(
                    "`{}` called {n_run} times in a row with the same arguments",
                    r.tool
                ),
            )
        } else {
            let same = match with_output {
                Some(w) => st.recent.iter().filter(|(_, o, _)| *o == Some(w)).count(),
                None => 0,
            };
            if same < c.repeats.max(2) {
                return;
            }
            (
                same,
                c.repeats,
                format!(
                    "`{}` called {same} times with the same arguments and the same output within {} tool calls",
                    r.tool, c.window
                ),
            )
        };
        st.fired.insert(key);
        let evidence: Vec<Evidence> = if n == n_run || n == fails {
            st.run.as_ref().map(|r| r.1.clone()).unwrap_or_default()
        } else {
            st.recent
                .iter()
                .filter(|(_, o, _)| o.is_some() && *o == with_output)
                .map(|(_, _, e)| e.clone())
                .collect()
        };
        let a = cx.raise(c.severity, what);
        (a.value, a.threshold) = (n as f64, threshold as f64);
        a.evidence = evidence;
    }
}
