//! The session metadata Codex puts on every event, and applying it to a session context.

use std::borrow::Cow;
use std::sync::Arc;

use agentobs_schema::{Account, Harness, SessionContext};

use super::{FieldSource, key};

/// The session metadata Codex puts on every event (empty values count as absent).
///
/// The trace variant of an event has no `user.*`; apply what an event has with
/// [`apply_to`](SessionMeta::apply_to), which leaves the rest of the context alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionMeta<'a> {
    /// `conversation.id`: the thread id.
    pub conversation_id: Option<Cow<'a, str>>,
    /// `model`.
    pub model: Option<Cow<'a, str>>,
    /// `slug`: the model slug (in practice the same as `model`).
    pub slug: Option<Cow<'a, str>>,
    /// `app.version`: Codex's version.
    pub app_version: Option<Cow<'a, str>>,
    /// `originator`: the client (`codex_cli_rs`, `codex_exec`, …).
    pub originator: Option<Cow<'a, str>>,
    /// `auth_mode`: `ApiKey` or `Chatgpt`.
    pub auth_mode: Option<Cow<'a, str>>,
    /// `terminal.type`: the terminal or user agent (no [`SessionContext`] field holds it).
    pub terminal_type: Option<Cow<'a, str>>,
    /// `user.account_id` (log variant only).
    pub user_account_id: Option<Cow<'a, str>>,
    /// `user.email` (log variant only).
    pub user_email: Option<Cow<'a, str>>,
}

/// Sets `slot` to `v` when `v` is given and differs; true when it changed.
fn put(slot: &mut Option<String>, v: Option<&Cow<'_, str>>) -> bool {
    match v {
        Some(v) if slot.as_deref() != Some(v.as_ref()) => {
            *slot = Some(v.as_ref().to_owned());
            true
        }
        _ => false,
    }
}

/// True when `v` is given and differs from `slot`.
fn differs(slot: Option<&str>, v: Option<&Cow<'_, str>>) -> bool {
    v.is_some_and(|v| slot != Some(v.as_ref()))
}

impl SessionMeta<'_> {
    /// True when the event carried no metadata at all.
    pub fn is_empty(&self) -> bool {
        *self == SessionMeta::default()
    }

    /// The model: `model`, else `slug`.
    pub fn model_name(&self) -> Option<&str> {
        self.model.as_deref().or(self.slug.as_deref())
    }

    /// The same metadata, owning its text.
    pub fn into_owned(self) -> SessionMeta<'static> {
        let own = |v: Option<Cow<'_, str>>| v.map(|v| Cow::Owned(v.into_owned()));
        SessionMeta {
            conversation_id: own(self.conversation_id),
            model: own(self.model),
            slug: own(self.slug),
            app_version: own(self.app_version),
            originator: own(self.originator),
            auth_mode: own(self.auth_mode),
            terminal_type: own(self.terminal_type),
            user_account_id: own(self.user_account_id),
            user_email: own(self.user_email),
        }
    }

    /// True when [`apply_to`](SessionMeta::apply_to) would change `ctx`.
    pub fn changes(&self, ctx: &SessionContext) -> bool {
        let account = ctx.account.as_ref();
        differs(ctx.thread_id.as_deref(), self.conversation_id.as_ref())
            || self
                .model_name()
                .is_some_and(|m| ctx.model_inferred || ctx.model.as_deref() != Some(m))
            || differs(ctx.app_version.as_deref(), self.app_version.as_ref())
            || differs(ctx.originator.as_deref(), self.originator.as_ref())
            || differs(ctx.auth_mode.as_deref(), self.auth_mode.as_ref())
            || differs(
                account.and_then(|a| a.id.as_deref()),
                self.user_account_id.as_ref(),
            )
            || differs(
                account.and_then(|a| a.email.as_deref()),
                self.user_email.as_ref(),
            )
    }

    /// Writes what the event carried into `ctx`: `conversation.id` → `thread_id`, `model`
    /// (else `slug`) → `model` (no longer inferred), `app.version` → `app_version`,
    /// `originator`, `auth_mode`, `user.account_id` / `user.email` → `account`. Fields the
    /// event did not carry are left as they are; `terminal.type` has no place in the context.
    /// True when anything changed.
    pub fn apply_to(&self, ctx: &mut SessionContext) -> bool {
        let mut changed = put(&mut ctx.thread_id, self.conversation_id.as_ref());
        if let Some(m) = self.model_name()
            && (ctx.model_inferred || ctx.model.as_deref() != Some(m))
        {
            ctx.model = Some(m.to_owned());
            ctx.model_inferred = false;
            changed = true;
        }
        changed |= put(&mut ctx.app_version, self.app_version.as_ref());
        changed |= put(&mut ctx.originator, self.originator.as_ref());
        changed |= put(&mut ctx.auth_mode, self.auth_mode.as_ref());
        if differs(
            ctx.account.as_ref().and_then(|a| a.id.as_deref()),
            self.user_account_id.as_ref(),
        ) || differs(
            ctx.account.as_ref().and_then(|a| a.email.as_deref()),
            self.user_email.as_ref(),
        ) {
            let account = ctx.account.get_or_insert_with(Account::default);
            put(&mut account.id, self.user_account_id.as_ref());
            put(&mut account.email, self.user_email.as_ref());
            changed = true;
        }
        changed
    }

    /// Like [`apply_to`](SessionMeta::apply_to) on a shared context: copies it only when
    /// something changes. True when it changed.
    pub fn apply_to_shared(&self, ctx: &mut Arc<SessionContext>) -> bool {
        self.changes(ctx) && self.apply_to(Arc::make_mut(ctx))
    }

    /// A new Codex context holding this metadata.
    pub fn to_context(&self) -> SessionContext {
        let mut ctx = SessionContext::new(Harness::Codex);
        self.apply_to(&mut ctx);
        ctx
    }
}

/// The metadata among `fields`.
pub(super) fn meta<'s, F: FieldSource + ?Sized>(fields: &'s F) -> SessionMeta<'s> {
    let mut m = SessionMeta::default();
    fields.for_each_field(&mut |k, v| {
        let slot = match k {
            key::CONVERSATION_ID => &mut m.conversation_id,
            key::MODEL => &mut m.model,
            key::SLUG => &mut m.slug,
            key::APP_VERSION => &mut m.app_version,
            key::ORIGINATOR => &mut m.originator,
            key::AUTH_MODE => &mut m.auth_mode,
            key::TERMINAL_TYPE => &mut m.terminal_type,
            key::USER_ACCOUNT_ID => &mut m.user_account_id,
            key::USER_EMAIL => &mut m.user_email,
            _ => return,
        };
        let text = v.as_text();
        *slot = (!text.is_empty()).then_some(text);
    });
    m
}
