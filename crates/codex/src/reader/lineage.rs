//! Where a thread comes from: its `session_meta` (forks, sub-agents, the originating client),
//! and the replay of a parent's history into a child's file, which bills nothing.

use std::collections::BTreeMap;

use agentobs_schema::{GitInfo, SessionStarted, SubAgent, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::envelope::Src;
use super::output::{Core, PendingStart};
use crate::raw::{self, SessionMeta};

/// A parent's history is copied into a child's file in one burst, stamped with the child's
/// creation time. A line stamped later than this after the burst is the child's own (for
/// files whose turn ids carry no time; UUIDv7 turn ids decide exactly). Not "a later second":
/// a burst written 5 ms after a second boundary is still the burst.
const REPLAY_BURST_MILLIS: i64 = 250;

/// The thread's lineage as far as the reader needs it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(super) struct Lineage {
    /// A `session_meta` was read; any later one is a parent's, copied in.
    pub(super) saw_meta: bool,
    /// When the thread was created (its UUIDv7 id, else the meta's own timestamp).
    pub(super) created_ms: Option<i64>,
    /// When the replay of a parent's history was written (its rows carry this stamp).
    #[serde(alias = "created_sec")]
    pub(super) replay_stamp_ms: Option<i64>,
    /// The lines being read are a parent's history: they set baselines, bill nothing.
    pub(super) replaying: bool,
}

fn is_uuid_v7(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36 && id.is_ascii() && b.get(8) == Some(&b'-') && b.get(14) == Some(&b'7')
}

/// Unix milliseconds encoded in a UUIDv7 (its first 48 bits). An id with non-ASCII bytes is
/// not a UUID: `None`, never a slice inside a character.
fn uuid_v7_millis(id: &str) -> Option<i64> {
    if !is_uuid_v7(id) {
        return None;
    }
    let hex: String = id.get(..13)?.chars().filter(|c| *c != '-').collect();
    i64::from_str_radix(&hex, 16).ok()
}

/// What a meta's `source` says: its name, and for a sub-agent its description and the
/// thread that spawned it.
#[derive(Default)]
struct Origin {
    source: Option<String>,
    subagent: Option<SubAgent>,
    spawn_parent: Option<String>,
}

/// `"cli"`, `{"subagent": "review"}`, `{"subagent": {"thread_spawn": {…}}}`,
/// `{"subagent": {"other": "guardian"}}`.
fn origin(source: Option<&RawValue>) -> Origin {
    let mut o = Origin::default();
    let Some(raw) = source else { return o };
    if let Ok(s) = serde_json::from_str::<String>(raw.get()) {
        o.source = Some(s);
    } else if let Ok(map) = serde_json::from_str::<BTreeMap<String, &RawValue>>(raw.get())
        && let Some((top, inner)) = map.into_iter().next()
    {
        o.source = Some(top.clone());
        if top == "subagent" {
            let (sa, spawn_parent) = subagent(inner);
            o.subagent = Some(sa);
            o.spawn_parent = spawn_parent;
        }
    }
    o
}

/// A sub-agent's description, and the parent thread of a spawned one.
fn subagent(inner: &RawValue) -> (SubAgent, Option<String>) {
    let mut sa = SubAgent::default();
    let mut spawn_parent = None;
    if let Ok(s) = serde_json::from_str::<String>(inner.get()) {
        sa.kind = s;
    } else if let Ok(m) = serde_json::from_str::<BTreeMap<String, &RawValue>>(inner.get())
        && let Some((k, v)) = m.into_iter().next()
    {
        if k == "thread_spawn" {
            let ts: raw::ThreadSpawn = serde_json::from_str(v.get()).unwrap_or_default();
            spawn_parent = ts.parent_thread_id;
            sa.depth = ts.depth;
            sa.role = ts.agent_role;
            sa.nickname = ts.agent_nickname;
            sa.path = ts.agent_path;
            sa.kind = k;
        } else if let Ok(s) = serde_json::from_str::<String>(v.get()) {
            // {"other": "guardian"}
            sa.kind = s;
        } else {
            sa.kind = k;
        }
    }
    (sa, spawn_parent)
}

impl Core {
    /// Ends a replay at the child's own first turn (a UUIDv7 turn id not older than the
    /// thread), or, without such an id, at a line stamped after the replay burst.
    pub(super) fn check_replay_end(&mut self, at: Timestamp, turn_id: Option<&str>) {
        let lineage = &mut self.st.lineage;
        if !lineage.replaying {
            return;
        }
        if let (Some(turn), Some(created)) = (turn_id, lineage.created_ms)
            && let Some(ms) = uuid_v7_millis(turn)
        {
            if ms >= created {
                lineage.replaying = false;
            }
            return;
        }
        if let Some(stamp) = lineage.replay_stamp_ms
            && at.unix_millis() > stamp.saturating_add(REPLAY_BURST_MILLIS)
        {
            lineage.replaying = false;
        }
    }

    pub(super) fn session_meta(&mut self, src: Src<'_>, at: Timestamp, n: u64) {
        let meta = match src.parse_or(crate::fastpath::session_meta) {
            Ok(m) => m,
            Err(e) => return self.bad(n, "session_meta", &e),
        };
        if self.st.lineage.saw_meta {
            return self.parent_meta(meta.id, at);
        }
        self.st.lineage.saw_meta = true;
        let mut origin = origin(meta.source);
        if let Some(sa) = origin.subagent.as_mut() {
            sa.role = sa.role.take().or(meta.agent_role.clone());
            sa.nickname = sa.nickname.take().or(meta.agent_nickname.clone());
            sa.path = sa.path.take().or(meta.agent_path.clone());
        }
        let created_ms = meta
            .id
            .as_deref()
            .and_then(uuid_v7_millis)
            .or_else(|| {
                meta.timestamp
                    .as_deref()
                    .and_then(|t| Timestamp::parse_rfc3339(t).ok())
                    .map(Timestamp::unix_millis)
            })
            .unwrap_or(at.unix_millis());
        let spawned = origin
            .subagent
            .as_ref()
            .is_some_and(|s| s.kind == "thread_spawn");
        let lineage = &mut self.st.lineage;
        lineage.created_ms = Some(created_ms);
        lineage.replay_stamp_ms = Some(at.unix_millis());
        lineage.replaying = meta.forked_from_id.is_some() || spawned;
        let provider = meta.model_provider.clone();
        self.meta_context(meta, origin);
        if self.full() {
            let mut started = SessionStarted::default();
            started.provider = provider;
            self.start = Some(PendingStart {
                at,
                line: n,
                started,
            });
        }
    }

    /// A second meta line (with thread id `id`): a fork or sub-agent copying its parent's
    /// history.
    fn parent_meta(&mut self, id: Option<String>, at: Timestamp) {
        let same = id.is_some() && id == self.st.ctx.thread_id;
        if same {
            return;
        }
        if self.st.ctx.forked_from_id.is_none() && self.st.ctx.parent_thread_id.is_none() {
            self.ctx_mut().forked_from_id = id;
        }
        let lineage = &mut self.st.lineage;
        if let Some(stamp) = lineage.replay_stamp_ms {
            lineage.replaying = true;
            lineage.replay_stamp_ms = Some(stamp.max(at.unix_millis()));
        }
    }

    /// The session context from the thread's own meta line.
    fn meta_context(&mut self, meta: SessionMeta<'_>, origin: Origin) {
        let ctx = self.ctx_mut();
        ctx.thread_id = meta.id.clone();
        ctx.session_id = meta.session_id.or(meta.id);
        ctx.forked_from_id = meta.forked_from_id;
        ctx.parent_thread_id = meta.parent_thread_id.or(origin.spawn_parent);
        ctx.subagent = origin.subagent;
        ctx.originator = meta.originator;
        ctx.app_version = meta.cli_version;
        ctx.source = origin.source;
        ctx.model_provider = meta.model_provider;
        ctx.cwd = meta.cwd;
        if let Some(m) = meta.model {
            ctx.model = Some(m);
        }
        ctx.git = meta.git.map(|g| GitInfo {
            remote_url: g.repository_url,
            branch: g.branch,
            commit: g.commit_hash,
            dirty: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v7_time() {
        assert_eq!(
            uuid_v7_millis("01a211cb-5d67-7e11-8d91-4c2724a0d00a"),
            Some(0x01a2_11cb_5d67)
        );
        assert_eq!(uuid_v7_millis("5973e5d4-0000-4000-8000-000000000000"), None);
    }
}
