//! [`SessionBuilder`]: one agent session as events, written as a Codex rollout of any
//! generation, or emitted through the emit API.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use agentobs::schema::{
    Event, EventKind, GitInfo, Harness, Redacted, SessionContext, SessionStarted, Timestamp,
    TokenUsage, TokenUsageEvent, ToolOrigin, ToolResult, TurnCompleted, TurnStarted, UserPrompt,
};
use agentobs::telemetry::Telemetry;

use crate::rollout::{self, Generation, Written};

/// Default start of a built session: 2026-12-01T10:00:00Z.
pub const DEFAULT_START: Timestamp = Timestamp::from_unix_millis(1_796_119_200_000);

/// Default context window of built sessions, in tokens.
pub const DEFAULT_CONTEXT_WINDOW: u64 = 272_000;

/// A deterministic UUID (version 7 layout) for the `n`th id of a built session.
pub fn uuid(n: u64) -> String {
    format!(
        "01a23346-{:04x}-7{:03x}-8000-{:012x}",
        (n >> 32) & 0xffff,
        (n >> 20) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

/// Builds one agent session as the events the rollout reader (and the emit API) would give.
///
/// Every event is stamped with a simulated clock (start [`DEFAULT_START`], advanced by each
/// step) and the session's context. Defaults: a Codex session (`codex_exec`, version
/// 0.171.0, source `exec`, provider `openai`, model `gpt-5.1-codex`, cwd `/home/dev/work`),
/// thread id [`uuid`]`(1)`, approval `on-request`, sandbox `workspace-write`, reasoning
/// summary `auto`, context window [`DEFAULT_CONTEXT_WINDOW`], no source path.
///
/// The same session can be [written as a rollout](Self::write_rollout) of any
/// [`Generation`] and [emitted](Self::emit) through [`Telemetry`]; read back with
/// `agentobs::codex::RolloutReader`, the rollout gives the same events, except what the
/// generation cannot record (see [`rollout::normalize`]).
///
/// ```
/// use agentobs::schema::TokenUsage;
/// use agentobs_testing::SessionBuilder;
///
/// let mut s = SessionBuilder::new().model("gpt-5");
/// s.turn("fix the failing test");
/// s.request(TokenUsage { input_tokens: 4200, cached_input_tokens: 3900, output_tokens: 60, ..Default::default() });
/// s.tool("exec_command", r#"{"cmd":"cargo test"}"#, 0, 1500, "test result: ok");
/// s.end_turn();
/// assert_eq!(s.events().len(), 6);
/// ```
#[derive(Clone, Debug)]
pub struct SessionBuilder {
    ctx: SessionContext,
    started: SessionStarted,
    t: i64,
    ids: u64,
    src: Option<Arc<str>>,
    line: u64,
    events: Vec<Event>,
    turn: Option<(String, i64)>,
    cumulative: TokenUsage,
    /// The context the last event carried, shared by the events while it does not change.
    shared: Option<Arc<SessionContext>>,
    /// Text the events withhold, by event index: a prompt, or a tool's arguments and output.
    texts: BTreeMap<usize, (String, String)>,
}

impl Default for SessionBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionBuilder {
    /// A session with the documented defaults and no events yet.
    pub fn new() -> Self {
        let mut ctx = SessionContext::new(Harness::Codex);
        ctx.thread_id = Some(uuid(1));
        ctx.session_id = Some(uuid(1));
        ctx.originator = Some("codex_exec".into());
        ctx.app_version = Some("0.171.0".into());
        ctx.source = Some("exec".into());
        ctx.model_provider = Some("openai".into());
        ctx.model = Some("gpt-5.1-codex".into());
        ctx.cwd = Some("/home/dev/work".into());
        let mut started = SessionStarted::default();
        started.provider = Some("openai".into());
        started.approval_policy = Some("on-request".into());
        started.sandbox_policy = Some("workspace-write".into());
        started.reasoning_summary = Some("auto".into());
        started.context_window = Some(DEFAULT_CONTEXT_WINDOW);
        SessionBuilder {
            ctx,
            started,
            t: DEFAULT_START.unix_millis(),
            ids: 1,
            src: None,
            line: 0,
            events: Vec::new(),
            turn: None,
            cumulative: TokenUsage::default(),
            texts: BTreeMap::new(),
            shared: None,
        }
    }

    /// The thread (and session) id.
    pub fn thread_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        self.ctx.session_id = Some(id.clone());
        self.ctx.thread_id = Some(id);
        self
    }

    /// The model of every turn.
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.ctx.model = Some(model.into());
        self
    }

    /// The working directory.
    pub fn cwd(mut self, cwd: impl Into<String>) -> Self {
        self.ctx.cwd = Some(cwd.into());
        self
    }

    /// The git remote (and optionally branch) of the working directory.
    pub fn git(mut self, remote_url: impl Into<String>, branch: Option<&str>) -> Self {
        self.ctx.git = Some(GitInfo {
            remote_url: Some(remote_url.into()),
            branch: branch.map(str::to_owned),
            ..GitInfo::default()
        });
        self
    }

    /// When the session starts (before any step).
    pub fn start_at(mut self, at: Timestamp) -> Self {
        self.t = at.unix_millis();
        self
    }

    /// Changes the context directly (harness, agent, originator, version).
    pub fn context(mut self, f: impl FnOnce(&mut SessionContext)) -> Self {
        f(&mut self.ctx);
        self
    }

    /// Changes the session's settings (approval, sandbox, context window).
    pub fn settings(mut self, f: impl FnOnce(&mut SessionStarted)) -> Self {
        f(&mut self.started);
        self
    }

    /// Stamps every event with a source position in `path` (line numbers counting events),
    /// as events read from a file have.
    pub fn source_path(mut self, path: impl Into<Arc<str>>) -> Self {
        self.src = Some(path.into());
        self
    }

    /// The session's context.
    pub fn ctx(&self) -> &SessionContext {
        &self.ctx
    }

    /// The time of the simulated clock.
    pub fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.t)
    }

    /// Moves the clock on by `ms` milliseconds.
    pub fn advance(&mut self, ms: i64) -> &mut Self {
        self.t += ms;
        self
    }

    /// A fresh deterministic id.
    pub fn next_id(&mut self) -> String {
        self.ids += 1;
        uuid(self.ids)
    }

    /// Number of events so far.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// True before the first event.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The events so far, taken out of the builder (no `session_started` is added).
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The open turn's id.
    pub fn turn_id(&self) -> Option<&str> {
        self.turn.as_ref().map(|(id, _)| id.as_str())
    }

    /// Appends `kind` `after_ms` milliseconds after the previous event. Kinds a rollout
    /// cannot hold (API requests, errors) are kept in [`events`](Self::events) and
    /// emitted, and left out of written rollouts.
    pub fn push(&mut self, after_ms: i64, kind: EventKind) -> &mut Self {
        if self.events.is_empty() && !matches!(kind, EventKind::SessionStarted(_)) {
            self.start_event();
        }
        self.t += after_ms;
        self.line += 1;
        let ctx = match &self.shared {
            Some(a) if **a == self.ctx => a.clone(),
            _ => {
                let a = Arc::new(self.ctx.clone());
                self.shared = Some(a.clone());
                a
            }
        };
        let mut e = Event::new(self.now(), ctx, kind);
        if let Some(p) = &self.src {
            e = e.with_src(p.clone(), self.line);
        }
        self.events.push(e);
        self
    }

    fn start_event(&mut self) {
        let started = self.started.clone();
        self.push(0, EventKind::SessionStarted(started));
    }

    /// A new turn at +2 s: `turn_started`, then the user's `prompt` 10 ms later. Closes
    /// an open turn first.
    pub fn turn(&mut self, prompt: &str) -> &mut Self {
        if self.turn.is_some() {
            self.end_turn();
        }
        let id = self.next_id();
        let mut t = TurnStarted::default();
        t.turn_id = Some(id.clone());
        t.context_window = self.started.context_window;
        self.push(2_000, EventKind::TurnStarted(t));
        self.turn = Some((id.clone(), self.t));
        let mut p = UserPrompt::default();
        p.turn_id = Some(id);
        p.length = prompt.chars().count() as u64;
        p.text_inputs = 1;
        p.text = Redacted::withheld(p.length);
        self.push(10, EventKind::UserPrompt(p));
        let at = self.events.len() - 1;
        self.texts.insert(at, (prompt.to_owned(), String::new()));
        self
    }

    /// One model response of `usage`, 900 ms after the previous event.
    pub fn request(&mut self, usage: TokenUsage) -> &mut Self {
        self.request_after(900, usage)
    }

    /// One model response of `usage`, `after_ms` after the previous event.
    pub fn request_after(&mut self, after_ms: i64, usage: TokenUsage) -> &mut Self {
        self.cumulative += usage;
        let mut u = TokenUsageEvent::new(usage);
        u.cumulative = Some(self.cumulative);
        u.prompt_tokens = Some(usage.input_tokens);
        u.context_window = self.started.context_window;
        u.turn_id = self.turn_id().map(str::to_owned);
        u.response_id = Some(format!("resp_{}", self.ids + 1));
        self.ids += 1;
        self.push(after_ms, EventKind::TokenUsage(u))
    }

    /// A tool call that ran `wall_ms` and exited with `exit_code` (0 is success), its
    /// result recorded `wall_ms + 50` ms after the previous event.
    pub fn tool(
        &mut self,
        tool: &str,
        arguments: &str,
        exit_code: i64,
        wall_ms: u64,
        output: &str,
    ) -> &mut Self {
        let call_id = format!("call_{}", self.next_id().replace('-', ""));
        let text = rollout::tool_output_text(exit_code, wall_ms, output);
        let mut r = ToolResult::new(tool);
        r.call_id = Some(call_id);
        r.turn_id = self.turn_id().map(str::to_owned);
        r.duration_ms = Some(wall_ms + 50);
        r.process_duration_ms = Some(wall_ms);
        r.success = Some(exit_code == 0);
        r.exit_code = Some(exit_code);
        r.arguments = Redacted::withheld(arguments.chars().count() as u64);
        r.output = Redacted::withheld(text.chars().count() as u64);
        r.origin = Some(ToolOrigin::Builtin);
        self.push((wall_ms + 50) as i64, EventKind::ToolResult(r));
        let at = self.events.len() - 1;
        self.texts.insert(at, (arguments.to_owned(), text));
        self
    }

    /// Ends the open turn 20 ms after the previous event.
    pub fn end_turn(&mut self) -> &mut Self {
        let Some((id, started)) = self.turn.take() else {
            return self;
        };
        let mut t = TurnCompleted::default();
        t.turn_id = Some(id);
        t.duration_ms = Some((self.t + 20 - started).max(0) as u64);
        self.push(20, EventKind::TurnCompleted(t))
    }

    /// The events so far (a `session_started` first).
    pub fn events(&self) -> Vec<Event> {
        let mut b = self.clone();
        if b.events.is_empty() {
            b.start_event();
        }
        b.events
    }

    /// Writes the session as a rollout of `generation` into `dir`, named as Codex names it
    /// (`rollout-YYYY-MM-DDThh-mm-ss-<thread id>.jsonl`, UTC); returns what was written.
    pub fn write_rollout(&self, dir: &Path, generation: Generation) -> std::io::Result<Written> {
        let events = self.events();
        let name = rollout::file_name(&events);
        let path: PathBuf = dir.join(name);
        rollout::write(&path, &events, &self.started, &self.texts, generation)
    }

    /// The session's events through the emit API: one [`Session`](agentobs::Session) of
    /// `telemetry`, each event emitted at its own time, then the session ended.
    pub fn emit(&self, telemetry: &Telemetry) {
        let session = telemetry.session(self.ctx.clone());
        for e in self.events() {
            session.emit_at(e.at, e.kind);
        }
        session.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TestTelemetry;
    use agentobs::codex::{ReadOptions, RolloutReader};
    use agentobs::schema::Collect;

    fn session() -> SessionBuilder {
        let mut s = SessionBuilder::new()
            .model("gpt-5")
            .git("git@github.com:acme/widgets.git", Some("main"));
        s.turn("fix the failing test");
        s.request(TokenUsage {
            input_tokens: 4210,
            cached_input_tokens: 3968,
            output_tokens: 57,
            reasoning_output_tokens: 32,
            ..Default::default()
        });
        s.tool(
            "exec_command",
            r#"{"cmd":"cargo test"}"#,
            0,
            1514,
            "test result: ok",
        );
        s.tool(
            "exec_command",
            r#"{"cmd":"cargo clippy"}"#,
            101,
            300,
            "error: unused import",
        );
        s.request(TokenUsage {
            input_tokens: 4570,
            cached_input_tokens: 4096,
            output_tokens: 38,
            ..Default::default()
        });
        s.end_turn();
        s.turn("now commit it");
        s.request(TokenUsage {
            input_tokens: 5000,
            cached_input_tokens: 4500,
            output_tokens: 20,
            ..Default::default()
        });
        s.end_turn();
        s
    }

    fn read(path: &Path) -> (Vec<Event>, usize) {
        let mut sink = Collect::default();
        let mut r = RolloutReader::open(path, ReadOptions::default()).unwrap();
        let _ = r.feed(&mut sink);
        (sink.events, sink.warnings.len())
    }

    #[test]
    fn rollouts_of_every_generation_read_back_as_the_emitted_events() {
        let s = session();
        let kit = TestTelemetry::genai();
        s.emit(kit.telemetry());
        let emitted = kit.finish().events;
        assert_eq!(emitted.len(), s.events().len());
        let dir = tempfile::tempdir().unwrap();
        for generation in Generation::ALL {
            let sub = dir.path().join(format!("{generation:?}"));
            std::fs::create_dir_all(&sub).unwrap();
            let written = s.write_rollout(&sub, generation).unwrap();
            let (read, warnings) = read(&written.path);
            assert_eq!(
                warnings,
                0,
                "{generation:?}: {}",
                std::fs::read_to_string(&written.path).unwrap()
            );
            let want = rollout::normalize(&emitted, generation);
            let got = rollout::normalize(&read, generation);
            for (i, (w, g)) in want.iter().zip(&got).enumerate() {
                assert_eq!(w, g, "{generation:?}: event {i} differs");
            }
            assert_eq!(want.len(), got.len(), "{generation:?}: {got:#?}");
        }
    }

    #[test]
    fn the_current_generation_looks_like_codex_0171() {
        let dir = tempfile::tempdir().unwrap();
        let w = session()
            .write_rollout(dir.path(), Generation::Current)
            .unwrap();
        let name = w.path.file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(
            name,
            format!("rollout-2026-12-01T10-00-00-{}.jsonl", uuid(1))
        );
        let text = std::fs::read_to_string(&w.path).unwrap();
        let kinds: Vec<String> = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let sub = v["payload"]["type"]
                    .as_str()
                    .map(|s| format!("/{s}"))
                    .unwrap_or_default();
                format!("{}{sub}", v["type"].as_str().unwrap())
            })
            .collect();
        assert_eq!(
            kinds[..4],
            [
                "session_meta",
                "event_msg/task_started",
                "turn_context",
                "event_msg/user_message"
            ]
        );
        assert!(kinds.contains(&"token_usage_record".to_owned()));
        assert!(
            text.lines()
                .enumerate()
                .all(|(i, l)| l.contains(&format!("\"ordinal\":{i}")))
        );
        assert_eq!(w.lines as usize, text.lines().count());
    }
}
