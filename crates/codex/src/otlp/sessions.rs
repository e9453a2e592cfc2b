//! State that spans requests: a bounded map, the session context of each conversation, which
//! conversation a trace belongs to, and the per-session tallies used for corroboration.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Arc;

use agentobs_schema::{Harness, SessionContext, TokenUsage};

use super::attrs::Attrs;
use crate::log_event::SessionMeta;

/// A map that forgets its oldest entry (by first insertion) once it holds `cap` entries.
#[derive(Debug)]
pub(super) struct Bounded<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    pub(super) fn new(cap: usize) -> Self {
        Bounded {
            map: HashMap::new(),
            order: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    /// The entry of `k`, looked up by a borrowed form (no key is built to look).
    pub(super) fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.map.get(k)
    }

    /// The entry of `k` made with `make` if absent, as
    /// [`get_or_insert_with`](Self::get_or_insert_with), but the owned key is only built
    /// when the entry is new.
    pub(super) fn get_or_insert_borrowed<Q>(&mut self, k: &Q, make: impl FnOnce() -> V) -> &mut V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if self.map.contains_key(k) {
            // Present: found again mutably (a second lookup is cheaper than a new key).
            return self.map.get_mut(k).expect("the entry was just found");
        }
        self.get_or_insert_with(&k.to_owned(), make)
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }

    /// The entry of `k`, made with `make` (evicting the oldest when full) if absent.
    pub(super) fn get_or_insert_with(&mut self, k: &K, make: impl FnOnce() -> V) -> &mut V {
        if !self.map.contains_key(k) {
            while self.map.len() >= self.cap {
                match self.order.pop_front() {
                    Some(old) => {
                        self.map.remove(&old);
                    }
                    None => break,
                }
            }
            self.order.push_back(k.clone());
        }
        self.map.entry(k.clone()).or_insert_with(make)
    }

    /// Sets `k` to `v`.
    pub(super) fn insert(&mut self, k: K, v: V) {
        match self.map.get_mut(&k) {
            Some(slot) => *slot = v,
            None => {
                self.get_or_insert_with(&k, || v);
            }
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }
}

/// What one signal said about a session, whether or not it was the source of the events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignalTally {
    /// Model requests with token counts.
    pub requests: u64,
    /// Their tokens, summed.
    pub tokens: TokenUsage,
    /// Tool results.
    pub tool_results: u64,
}

/// What logs and traces each said about one session: equal when the signals corroborate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionTally {
    /// From `codex.*` log records.
    pub logs: SignalTally,
    /// From spans (`handle_responses` usage) and span events (trace-safe `codex.tool_result`).
    pub traces: SignalTally,
}

/// One conversation.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) ctx: Arc<SessionContext>,
    pub(super) tally: SessionTally,
}

/// The resource attributes a session context takes.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ResourceInfo<'a> {
    /// `service.name`: Codex's originator by default.
    pub(super) service_name: Option<&'a str>,
    /// `service.version`: Codex's version.
    pub(super) service_version: Option<&'a str>,
    /// `env`: `[otel].environment`.
    pub(super) env: Option<&'a str>,
}

impl<'a> ResourceInfo<'a> {
    pub(super) fn of(attrs: Attrs<'a>) -> Self {
        ResourceInfo {
            service_name: attrs.str("service.name"),
            service_version: attrs.str("service.version"),
            env: attrs.str("env"),
        }
    }

    /// Fills what `ctx` does not have yet; true when that changed it.
    fn fill(&self, ctx: &SessionContext) -> Option<SessionContext> {
        let missing = |slot: &Option<String>, v: Option<&str>| slot.is_none() && v.is_some();
        if !(missing(&ctx.environment, self.env)
            || missing(&ctx.app_version, self.service_version)
            || missing(&ctx.originator, self.service_name))
        {
            return None;
        }
        let mut c = ctx.clone();
        let put = |slot: &mut Option<String>, v: Option<&str>| {
            if slot.is_none() {
                *slot = v.map(str::to_owned);
            }
        };
        put(&mut c.environment, self.env);
        put(&mut c.app_version, self.service_version);
        put(&mut c.originator, self.service_name);
        Some(c)
    }
}

/// The sessions of a decoder.
#[derive(Debug)]
pub(super) struct Sessions {
    by_id: Bounded<String, Session>,
    traces: Bounded<Vec<u8>, String>,
}

impl Sessions {
    pub(super) fn new(max_sessions: usize) -> Self {
        Sessions {
            by_id: Bounded::new(max_sessions),
            traces: Bounded::new(max_sessions.saturating_mul(4)),
        }
    }

    /// The session of `id` (created when new), its context updated with `meta` and `res`.
    pub(super) fn session(
        &mut self,
        id: &str,
        meta: Option<&SessionMeta<'_>>,
        res: &ResourceInfo<'_>,
    ) -> &mut Session {
        let s = self.by_id.get_or_insert_borrowed(id, || {
            let mut ctx = SessionContext::new(Harness::Codex);
            ctx.thread_id = (!id.is_empty()).then(|| id.to_owned());
            Session {
                ctx: Arc::new(ctx),
                tally: SessionTally::default(),
            }
        });
        if let Some(meta) = meta {
            meta.apply_to_shared(&mut s.ctx);
        }
        if let Some(c) = res.fill(&s.ctx) {
            s.ctx = Arc::new(c);
        }
        s
    }

    /// The tally of `id`.
    pub(super) fn tally(&self, id: &str) -> Option<SessionTally> {
        self.by_id.get(id).map(|s| s.tally)
    }

    /// Number of sessions held.
    pub(super) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Records that `trace_id` belongs to conversation `id`.
    pub(super) fn link_trace(&mut self, trace_id: &[u8], id: &str) {
        if trace_id.is_empty() || id.is_empty() {
            return;
        }
        if self.traces.get(trace_id).map(String::as_str) != Some(id) {
            self.traces.insert(trace_id.to_vec(), id.to_owned());
        }
    }

    /// The conversation `trace_id` belongs to, when known.
    pub(super) fn trace_conversation(&self, trace_id: &[u8]) -> Option<&str> {
        self.traces.get(trace_id).map(String::as_str)
    }

    /// Every session's context (for tests and statistics).
    #[cfg(test)]
    pub(super) fn contexts(&self) -> impl Iterator<Item = &Arc<SessionContext>> {
        self.by_id.iter().map(|(_, s)| &s.ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_entry_goes_first() {
        let mut b = Bounded::new(2);
        b.insert(1, "a");
        b.insert(2, "b");
        b.insert(1, "a2");
        b.insert(3, "c");
        assert_eq!(b.len(), 2);
        assert_eq!(b.get(&1), None);
        assert_eq!(b.get(&2), Some(&"b"));
        assert_eq!(b.get(&3), Some(&"c"));
    }

    #[test]
    fn a_session_takes_the_resource_where_the_records_say_nothing() {
        let mut s = Sessions::new(4);
        let res = ResourceInfo {
            service_name: Some("codex_exec"),
            service_version: Some("0.171.0"),
            env: Some("dev"),
        };
        let ctx = s.session("t1", None, &res).ctx.clone();
        assert_eq!(ctx.thread_id.as_deref(), Some("t1"));
        assert_eq!(ctx.originator.as_deref(), Some("codex_exec"));
        assert_eq!(ctx.environment.as_deref(), Some("dev"));
        // The same context is shared while nothing changes.
        assert!(Arc::ptr_eq(&ctx, &s.session("t1", None, &res).ctx));
        assert_eq!(s.contexts().count(), 1);
    }
}
