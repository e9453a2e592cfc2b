//! Summaries in the compact form the cache stores: only what reports use, every field written
//! (the binary format has no `skip_serializing_if`).

use std::sync::Arc;

use agentobs_codex::{Warning, WarningKind};
use agentobs_cost::ServiceTier;
use agentobs_cost::ledger::{PromptClass, UsageBucket};
use agentobs_schema::{SessionContext, Timestamp, TokenUsage};
use serde::{Deserialize, Serialize};

use crate::scan::FileSummary;

/// A bucket as a tuple: `(slot_ms, model, inferred, tier, prompt_class, [in, cached,
/// write, out, reasoning], requests)`.
pub(super) type CompactBucket = (i64, String, bool, Option<ServiceTier>, u8, [u64; 5], u64);

/// The session facts reports group by, as a plain struct (the binary index format needs every
/// field written, so no `skip_serializing_if`).
#[derive(Clone, Default, Serialize, Deserialize)]
pub(super) struct CompactCtx {
    thread_id: Option<String>,
    session_id: Option<String>,
    parent_thread_id: Option<String>,
    forked_from_id: Option<String>,
    originator: Option<String>,
    source: Option<String>,
    cwd: Option<String>,
    remote_url: Option<String>,
    branch: Option<String>,
    account_id: Option<String>,
    account_email: Option<String>,
}

impl From<SessionContext> for CompactCtx {
    fn from(c: SessionContext) -> Self {
        let (remote_url, branch) = c.git.map_or((None, None), |g| (g.remote_url, g.branch));
        let (account_id, account_email) = c.account.map_or((None, None), |a| (a.id, a.email));
        CompactCtx {
            thread_id: c.thread_id,
            session_id: c.session_id,
            parent_thread_id: c.parent_thread_id,
            forked_from_id: c.forked_from_id,
            originator: c.originator,
            source: c.source,
            cwd: c.cwd,
            remote_url,
            branch,
            account_id,
            account_email,
        }
    }
}

impl From<CompactCtx> for SessionContext {
    fn from(c: CompactCtx) -> Self {
        let mut ctx = SessionContext::new(agentobs_schema::Harness::Codex);
        ctx.thread_id = c.thread_id;
        ctx.session_id = c.session_id;
        ctx.parent_thread_id = c.parent_thread_id;
        ctx.forked_from_id = c.forked_from_id;
        ctx.originator = c.originator;
        ctx.source = c.source;
        ctx.cwd = c.cwd;
        if c.remote_url.is_some() || c.branch.is_some() {
            ctx.git = Some(agentobs_schema::GitInfo {
                remote_url: c.remote_url,
                branch: c.branch,
                ..Default::default()
            });
        }
        if c.account_id.is_some() || c.account_email.is_some() {
            ctx.account = Some(agentobs_schema::Account {
                id: c.account_id,
                email: c.account_email,
                plan: None,
            });
        }
        ctx
    }
}

/// A plain warning for the binary index.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct CompactWarning {
    path: String,
    line: u64,
    kind: WarningKind,
    message: String,
}

/// A summary with only what reports use, in a compact form: this file is read on every run.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct CompactSummary {
    ctx: CompactCtx,
    first_prompt: Option<String>,
    buckets: Vec<CompactBucket>,
    warnings: Vec<CompactWarning>,
}

impl From<FileSummary> for CompactSummary {
    fn from(s: FileSummary) -> Self {
        CompactSummary {
            ctx: Arc::unwrap_or_clone(s.ctx).into(),
            first_prompt: s.first_prompt,
            buckets: s
                .buckets
                .into_iter()
                .map(|b| {
                    let u = b.usage;
                    (
                        b.slot.unix_millis(),
                        b.model,
                        b.model_inferred,
                        b.service_tier,
                        b.prompt_class.0,
                        [
                            u.input_tokens,
                            u.cached_input_tokens,
                            u.cache_write_input_tokens,
                            u.output_tokens,
                            u.reasoning_output_tokens,
                        ],
                        b.requests,
                    )
                })
                .collect(),
            warnings: s
                .warnings
                .into_iter()
                .map(|w| CompactWarning {
                    path: w.path.to_string(),
                    line: w.line,
                    kind: w.kind,
                    message: w.message,
                })
                .collect(),
        }
    }
}

impl From<CompactSummary> for FileSummary {
    fn from(s: CompactSummary) -> Self {
        FileSummary {
            ctx: Arc::new(s.ctx.into()),
            first_prompt: s.first_prompt,
            buckets: s
                .buckets
                .into_iter()
                .map(
                    |(slot, model, model_inferred, service_tier, class, u, requests)| UsageBucket {
                        slot: Timestamp::from_unix_millis(slot),
                        model,
                        model_inferred,
                        service_tier,
                        prompt_class: PromptClass(class),
                        usage: TokenUsage {
                            input_tokens: u[0],
                            cached_input_tokens: u[1],
                            cache_write_input_tokens: u[2],
                            output_tokens: u[3],
                            reasoning_output_tokens: u[4],
                            // Rollouts (the only cached files) have no one-hour writes.
                            cache_write_1h_input_tokens: 0,
                        },
                        requests,
                    },
                )
                .collect(),
            warnings: s
                .warnings
                .into_iter()
                .map(|w| Warning {
                    path: w.path.into(),
                    line: w.line,
                    kind: w.kind,
                    message: w.message,
                })
                .collect(),
        }
    }
}
