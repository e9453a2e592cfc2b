//! `approval_bypass` — a call that policy forbids ran because nobody asked a human.
//!
//! **Catches**: a command approved by configuration (an allow-list, `approval_policy =
//! never`) or by the automated reviewer (Codex's guardian) that the team's [`Policy`] would
//! deny — wiping a folder, reaching the network, writing outside the workspace; and sessions
//! that ran with approvals and the sandbox both off
//! (`--dangerously-bypass-approvals-and-sandbox`: approval `never`, sandbox
//! `danger-full-access`). **Decides**: for each tool result, the policy is checked on its
//! arguments; a call a hook blocked never ran and is skipped. It fires (critical) when the call was approved by config or by the reviewer,
//! or ran in a session with approvals off, and the policy denies it. A call a human approved
//! does not fire: that is a decision, not a bypass. Needs the arguments (content on).
//! **False positive**: a policy pattern broader than meant (`rm -rf /` matching inside a
//! quoted string of a test).

use std::collections::HashMap;

use serde::Deserialize;

use agentobs_schema::{Decision, DecisionSource, Event, EventKind};

use super::arguments;
use crate::alert::{Evidence, Severity};
use crate::policy::Policy;
use crate::rule::{Context, Rule};

/// Settings of [`ApprovalBypass`].
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovalBypassConfig {
    /// Run the rule (default true).
    pub enabled: bool,
    /// A policy file (see [`Policy`]); default: [`Policy::default`]. A relative path is
    /// taken from the rules file's folder.
    pub policy: Option<std::path::PathBuf>,
    /// Raise on sessions with approvals and the sandbox off (default true).
    pub flag_full_bypass: bool,
    /// Severity of a denied call that ran (default critical).
    pub severity: Severity,
    /// Severity of a session with approvals and the sandbox off (default warning).
    pub bypass_severity: Severity,
}

impl Default for ApprovalBypassConfig {
    fn default() -> Self {
        ApprovalBypassConfig {
            enabled: true,
            policy: None,
            flag_full_bypass: true,
            severity: Severity::Critical,
            bypass_severity: Severity::Warning,
        }
    }
}

/// The `approval_bypass` rule; see the module docs.
#[derive(Clone, Debug)]
pub struct ApprovalBypass {
    config: ApprovalBypassConfig,
    policy: Policy,
}

impl ApprovalBypass {
    /// The rule with these settings and `policy`.
    pub fn new(config: ApprovalBypassConfig, policy: Policy) -> Self {
        ApprovalBypass { config, policy }
    }
}

/// How the calls of a session were approved.
#[derive(Debug, Default)]
pub struct ApprovalState {
    auto_approved: HashMap<String, (&'static str, Evidence)>,
    approvals_off: bool,
    flagged_session: bool,
}

/// Most pending approvals remembered per session.
const MAX_PENDING: usize = 1024;

impl Rule for ApprovalBypass {
    type State = ApprovalState;

    fn id(&self) -> &str {
        "approval_bypass"
    }

    fn event(&self, st: &mut ApprovalState, event: &Event, cx: &mut Context<'_>) {
        let c = &self.config;
        match &event.kind {
            EventKind::SessionStarted(s) => {
                st.approvals_off = s.approval_policy.as_deref() == Some("never");
                let open = s.sandbox_policy.as_deref() == Some("danger-full-access");
                if c.flag_full_bypass && st.approvals_off && open && !st.flagged_session {
                    st.flagged_session = true;
                    let a = cx.raise(
                        c.bypass_severity,
                        "session ran with approvals and the sandbox off \
                         (approval never, sandbox danger-full-access)",
                    );
                    (a.value, a.threshold) = (1.0, 0.0);
                    cx.cite(event);
                }
            }
            EventKind::ToolDecision(d) if d.decision.is_approval() => {
                let by = match d.source {
                    Some(DecisionSource::Config) => "config",
                    Some(DecisionSource::AutomatedReviewer) => "the automated reviewer",
                    _ => return,
                };
                if let Some(id) = &d.call_id
                    && st.auto_approved.len() < MAX_PENDING
                {
                    st.auto_approved
                        .insert(id.clone(), (by, Evidence::of(event)));
                }
            }
            EventKind::GuardianReview(g)
                if matches!(
                    g.decision,
                    Decision::Approved | Decision::ApprovedForSession
                ) =>
            {
                if let Some(id) = &g.call_id
                    && st.auto_approved.len() < MAX_PENDING
                {
                    st.auto_approved
                        .insert(id.clone(), ("the automated reviewer", Evidence::of(event)));
                }
            }
            EventKind::ToolResult(r) => {
                let approval = r
                    .call_id
                    .as_ref()
                    .and_then(|id| st.auto_approved.remove(id));
                let by = match (&approval, st.approvals_off) {
                    (Some((by, _)), _) => *by,
                    (None, true) => "config (approvals off)",
                    (None, false) => return,
                };
                let Some(args) = arguments(event) else {
                    return;
                };
                let cwd = cx.session().ctx.cwd.clone();
                if let Some(v) = self.policy.check(&r.tool, args, cwd.as_deref()) {
                    let msg = format!("approved by {by}, but the policy denies it: {}", v.reason);
                    let a = cx.raise(c.severity, msg);
                    (a.value, a.threshold) = (1.0, 0.0);
                    if let Some((_, ev)) = approval {
                        a.evidence.push(ev);
                    }
                    cx.cite(event);
                }
            }
            _ => {}
        }
    }
}
