//! `tool_loop` — the agent calls the same tool with the same arguments again and again.
//!
//! **Catches**: a model that does not notice its call changed nothing (re-running the same
//! failing test, re-reading the same file), and the same failing command retried.
//! **Decides**: among the last `window` tool calls of a session, one (tool, arguments) pair
//! occurs `repeats` times; or one command has failed `failing_repeats` times. Arguments are
//! compared after trimming and folding runs of whitespace. Each pair fires once per session;
//! the evidence is every call of the pair. Needs the arguments: when a source withheld them
//! (content off), the rule cannot tell calls apart and stays silent. **False positive**: a
//! polling loop the user asked for ("run the tests until they pass", `sleep 30; make`).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

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
    /// Same call this many times within the window fires (default 5).
    pub repeats: usize,
    /// Window, in tool calls (default 20).
    pub window: usize,
    /// The same command failing this many times fires (default 3).
    pub failing_repeats: usize,
    /// Severity (default warning).
    pub severity: Severity,
}

impl Default for ToolLoopConfig {
    fn default() -> Self {
        ToolLoopConfig {
            enabled: true,
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
    recent: VecDeque<(u64, Evidence)>,
    failures: HashMap<u64, Vec<Evidence>>,
    fired: HashSet<u64>,
}

/// Most distinct failing commands remembered per session.
const MAX_FAILING: usize = 256;

fn call_hash(tool: &str, args: &str) -> u64 {
    let mut h = DefaultHasher::new();
    tool.hash(&mut h);
    for word in args.split_whitespace() {
        word.hash(&mut h);
    }
    h.finish()
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
        let key = call_hash(&r.tool, args);
        let here = Evidence::of(event);
        st.recent.push_back((key, here.clone()));
        while st.recent.len() > c.window.max(1) {
            st.recent.pop_front();
        }
        if st.fired.contains(&key) {
            return;
        }
        let same: Vec<&Evidence> = st
            .recent
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, e)| e)
            .collect();
        if same.len() >= c.repeats.max(2) {
            let n = same.len();
            let evidence: Vec<Evidence> = same.into_iter().cloned().collect();
            st.fired.insert(key);
            let msg = format!(
                "`{}` called {n} times with the same arguments within {} tool calls",
                r.tool, c.window
            );
            let a = cx.raise(c.severity, msg);
            (a.value, a.threshold) = (n as f64, c.repeats as f64);
            a.evidence = evidence;
            return;
        }
        if failed(r) {
            if st.failures.len() >= MAX_FAILING && !st.failures.contains_key(&key) {
                return;
            }
            let fails = st.failures.entry(key).or_default();
            fails.push(here);
            if fails.len() >= c.failing_repeats.max(2) {
                let n = fails.len();
                let evidence = std::mem::take(fails);
                st.fired.insert(key);
                let msg = format!(
                    "the same failing `{}` call was retried: {n} failures",
                    r.tool
                );
                let a = cx.raise(c.severity, msg);
                (a.value, a.threshold) = (n as f64, c.failing_repeats as f64);
                a.evidence = evidence;
            }
        }
    }
}
