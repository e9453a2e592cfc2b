//! [`RuleSet`]: the built-in rules and their thresholds, from TOML.
//!
//! A rules file has one table per rule, each key optional (the defaults are documented on
//! each rule's config type and in `docs/anomaly.md`):
//!
//! ```toml
//! [runaway_session]
//! max_cost_usd = 10.0
//!
//! [tool_loop]
//! repeats = 4
//!
//! [approval_bypass]
//! policy = "policy.toml"
//!
//! [latency_regression]
//! enabled = false
//! ```

use std::path::Path;

use serde::Deserialize;

use crate::engine::EngineBuilder;
use crate::policy::{Policy, PolicyError};
use crate::rules::*;

/// The built-in rules with their settings. `RuleSet::default()` is every rule with its
/// defaults.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleSet {
    /// `runaway_session`.
    pub runaway_session: RunawaySessionConfig,
    /// `tool_call_storm`.
    pub tool_call_storm: ToolCallStormConfig,
    /// `tool_loop`.
    pub tool_loop: ToolLoopConfig,
    /// `approval_bypass`.
    pub approval_bypass: ApprovalBypassConfig,
    /// `context_exhaustion`.
    pub context_exhaustion: ContextExhaustionConfig,
    /// `api_reliability`.
    pub api_reliability: ApiReliabilityConfig,
    /// `latency_regression`.
    pub latency_regression: LatencyRegressionConfig,
    /// `false_success`.
    pub false_success: FalseSuccessConfig,
    /// The policy of `approval_bypass`, loaded.
    #[serde(skip)]
    pub policy: Option<Policy>,
}

/// Why a rules file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is wrong: unknown rule or key, wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Toml {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The policy file of `approval_bypass` is wrong.
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// Parses TOML (a leading BOM allowed); on error its 1-based line, column and message.
pub(crate) fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
) -> Result<T, (usize, usize, String)> {
    let text = text.trim_start_matches('\u{feff}');
    toml::from_str(text).map_err(|e| {
        let at = e.span().map_or(0, |s| s.start).min(text.len());
        let before = text.get(..at).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column, e.message().to_owned())
    })
}

impl RuleSet {
    /// Reads a rules file; a relative `approval_bypass.policy` is taken from its folder.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io {
            path: path.display().to_string(),
            source,
        })?;
        RuleSet::from_toml(&text, &path.display().to_string(), path.parent())
    }

    /// Parses a rules file; `origin` names it in errors, `base` resolves a relative policy
    /// path.
    pub fn from_toml(text: &str, origin: &str, base: Option<&Path>) -> Result<RuleSet, RulesError> {
        let mut set: RuleSet =
            parse_toml(text).map_err(|(line, column, message)| RulesError::Toml {
                path: origin.to_owned(),
                line,
                column,
                message,
            })?;
        if let Some(p) = &set.approval_bypass.policy {
            let p = match base {
                Some(b) if p.is_relative() => b.join(p),
                _ => p.clone(),
            };
            set.policy = Some(Policy::load(&p)?);
        }
        Ok(set)
    }

    /// Uses `policy` for `approval_bypass` (instead of its file or the default).
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// The ids of the enabled rules.
    pub fn enabled(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut on = |yes: bool, id| {
            if yes {
                v.push(id);
            }
        };
        on(self.runaway_session.enabled, "runaway_session");
        on(self.tool_call_storm.enabled, "tool_call_storm");
        on(self.tool_loop.enabled, "tool_loop");
        on(self.approval_bypass.enabled, "approval_bypass");
        on(self.context_exhaustion.enabled, "context_exhaustion");
        on(self.api_reliability.enabled, "api_reliability");
        on(self.latency_regression.enabled, "latency_regression");
        on(self.false_success.enabled, "false_success");
        v
    }

    pub(crate) fn add_to(self, b: &mut EngineBuilder) {
        if self.runaway_session.enabled {
            b.push_dyn(Box::new(RunawaySession::new(self.runaway_session)));
        }
        if self.tool_call_storm.enabled {
            b.push_dyn(Box::new(ToolCallStorm::new(self.tool_call_storm)));
        }
        if self.tool_loop.enabled {
            b.push_dyn(Box::new(ToolLoop::new(self.tool_loop)));
        }
        if self.approval_bypass.enabled {
            let policy = self.policy.unwrap_or_default();
            b.push_dyn(Box::new(ApprovalBypass::new(self.approval_bypass, policy)));
        }
        if self.context_exhaustion.enabled {
            b.push_dyn(Box::new(ContextExhaustion::new(self.context_exhaustion)));
        }
        if self.api_reliability.enabled {
            b.push_dyn(Box::new(ApiReliability::new(self.api_reliability)));
        }
        if self.latency_regression.enabled {
            b.push_dyn(Box::new(LatencyRegression::new(self.latency_regression)));
        }
        if self.false_success.enabled {
            b.push_dyn(Box::new(FalseSuccess::new(self.false_success)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_enable_every_rule() {
        assert_eq!(RuleSet::default().enabled().len(), 8);
        let set =
            RuleSet::from_toml("[latency_regression]\nenabled = false\n", "r.toml", None).unwrap();
        assert!(!set.enabled().contains(&"latency_regression"));
        assert_eq!(set.tool_loop.repeats, 5);
    }

    #[test]
    fn errors_point_at_the_key() {
        let e = RuleSet::from_toml("[tool_loop]\nrepeats = 4\nrepeat = 3\n", "r.toml", None)
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("r.toml:3:1:"), "{msg}");
        assert!(msg.contains("repeat"), "{msg}");
        let e = RuleSet::from_toml("[tool_lop]\n", "r.toml", None).unwrap_err();
        assert!(e.to_string().starts_with("r.toml:1:"), "{e}");
        let e = RuleSet::from_toml("[runaway_session]\nmax_tokens = \"x\"\n", "r.toml", None)
            .unwrap_err();
        assert!(e.to_string().starts_with("r.toml:2:14:"), "{e}");
    }
}
