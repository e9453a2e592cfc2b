//! [`Follower`]: rollouts followed while Codex writes them.
//!
//! Each [`poll`](Follower::poll) finds the rollout files under the paths (new files
//! included), reads the lines appended since the last poll — resuming each file's reader
//! from its saved [`ReaderState`], so a session's context and open turn carry over — and
//! feeds the events to a sink. A line still being written is left for the next poll. A file
//! that stops growing for the idle time is ended ([`SourceEnd`]), which closes its session in
//! a mapper; it is taken up again if it grows later. [`wait`](Follower::wait) sleeps until a
//! file changes (inotify on Linux) or the poll interval passes (the fallback everywhere).

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentobs_schema::{EventSink, SourceEnd, Warning, WarningKind};

use crate::discover::{DiscoverError, discover};
use crate::guard::guard_file;
use crate::reader::{ReadOptions, ReaderState, RolloutReader};

/// What one [`Follower::poll`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollStats {
    /// Files seen for the first time.
    pub new_files: usize,
    /// Files that had grown and were read.
    pub files_read: usize,
    /// Lines read.
    pub lines: u64,
    /// Events fed to the sink.
    pub events: u64,
    /// Files ended because they were idle.
    pub ended: usize,
}

struct Followed {
    state: Option<ReaderState>,
    /// Size last read up to (the state's offset, or the size skipped at start).
    size: u64,
    last_growth: Instant,
    ended: bool,
    /// Set after a panic while reading: the file is no longer followed.
    broken: bool,
}

/// Follows the rollouts under some paths (Codex homes, directories or files).
pub struct Follower {
    paths: Vec<PathBuf>,
    opts: ReadOptions,
    files: HashMap<PathBuf, Followed>,
    idle: Duration,
    from_start: bool,
    first_poll: bool,
    watch: Option<watch::Watch>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("paths", &self.paths)
            .field("files", &self.files.len())
            .field("idle", &self.idle)
            .field("from_start", &self.from_start)
            .field("inotify", &self.watch.is_some())
            .finish()
    }
}

/// Default time after which a file that stopped growing is ended.
pub const DEFAULT_IDLE: Duration = Duration::from_secs(600);

impl Follower {
    /// Follows `paths` (as for [`discover`]). Defaults: files present at the first poll are
    /// skipped to their end (their earlier lines read without feeding the sink, so their
    /// sessions' state is known), [`DEFAULT_IDLE`], inotify when available.
    pub fn new(paths: Vec<PathBuf>, opts: ReadOptions) -> Self {
        Follower {
            paths,
            opts,
            files: HashMap::new(),
            idle: DEFAULT_IDLE,
            from_start: false,
            first_poll: true,
            watch: None,
        }
    }

    /// Feed the files present at start from their beginning too.
    pub fn from_start(mut self, on: bool) -> Self {
        self.from_start = on;
        self
    }

    /// End a file (and so its session) after it has not grown for `idle`.
    pub fn idle_after(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// Uses inotify (Linux) to wake [`wait`](Self::wait) early; false when unavailable, and
    /// then `wait` polls.
    pub fn use_inotify(&mut self) -> bool {
        self.watch = watch::Watch::new();
        self.watch.is_some()
    }

    /// Files followed.
    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Reads what was appended since the last poll and feeds it to `sink`.
    pub fn poll<S: EventSink + ?Sized>(
        &mut self,
        sink: &mut S,
    ) -> Result<PollStats, DiscoverError> {
        let found = discover(&self.paths)?;
        if let Some(w) = &mut self.watch {
            w.add_dirs(&self.paths, &found);
        }
        let mut stats = PollStats::default();
        let skip_existing = self.first_poll && !self.from_start;
        self.first_poll = false;
        let now = Instant::now();
        for file in &found {
            let entry = self.files.entry(file.path.clone()).or_insert_with(|| {
                stats.new_files = stats.new_files.saturating_add(1);
                Followed {
                    state: None,
                    size: 0,
                    last_growth: now,
                    ended: false,
                    broken: false,
                }
            });
            if entry.broken {
                continue;
            }
            let size = std::fs::metadata(&file.path).map_or(file.size, |m| m.len());
            if size < entry.size {
                // Rewritten (not append-only): read it again from the start.
                entry.state = None;
                entry.size = 0;
            }
            if size == entry.size && entry.state.is_some() {
                continue;
            }
            let feed = !(skip_existing && entry.state.is_none());
            let path_text: Arc<str> = file.path.display().to_string().into();
            let result = guard_file(path_text.clone(), || {
                read_more(&file.path, entry.state.take(), &self.opts, sink, feed)
            });
            match result {
                Ok(Ok((state, lines, events))) => {
                    if state.offset > entry.size || lines > 0 {
                        entry.last_growth = now;
                        entry.ended = false;
                    }
                    entry.size = state.offset;
                    entry.state = Some(state);
                    stats.files_read = stats.files_read.saturating_add(1);
                    stats.lines = stats.lines.saturating_add(lines);
                    stats.events = stats.events.saturating_add(events);
                }
                Ok(Err(w)) => sink.warning(&w),
                Err(w) => {
                    entry.broken = true;
                    sink.warning(&w);
                }
            }
        }
        for (path, f) in &mut self.files {
            if !f.ended && f.state.is_some() && now.duration_since(f.last_growth) >= self.idle {
                f.ended = true;
                stats.ended = stats.ended.saturating_add(1);
                sink.end(&end_of(path, f));
            }
        }
        Ok(stats)
    }

    /// Ends every file not ended yet (at shutdown): their sessions close.
    pub fn end_all<S: EventSink + ?Sized>(&mut self, sink: &mut S) {
        for (path, f) in &mut self.files {
            if !f.ended && f.state.is_some() {
                f.ended = true;
                sink.end(&end_of(path, f));
            }
        }
    }

    /// Sleeps until a followed directory changes (with inotify) or `interval` passes.
    pub fn wait(&mut self, interval: Duration) {
        match &mut self.watch {
            Some(w) => w.wait(interval),
            None => std::thread::sleep(interval),
        }
    }
}

fn end_of(path: &Path, f: &Followed) -> SourceEnd {
    let mut end = SourceEnd::new(path.display().to_string());
    if let Some(st) = &f.state {
        end.context = Some(st.context().clone());
        end.lines = st.line;
        end.bad_lines = st.stats.bad;
    }
    end
}

/// Reads `path` from `state` (or its start) to its end; the new state, lines and events.
fn read_more<S: EventSink + ?Sized>(
    path: &Path,
    state: Option<ReaderState>,
    opts: &ReadOptions,
    sink: &mut S,
    feed: bool,
) -> Result<(ReaderState, u64, u64), Warning> {
    let before = state.as_ref().map_or(0, |s| s.line);
    let reader = match state {
        Some(st) => RolloutReader::resume(path, st, opts.clone()),
        None => RolloutReader::open(path, opts.clone()),
    };
    let mut reader = reader.map_err(|e| Warning {
        path: path.display().to_string().into(),
        line: 0,
        kind: WarningKind::Io,
        message: e.to_string(),
    })?;
    let mut events = 0u64;
    for item in reader.by_ref() {
        if !feed {
            continue;
        }
        match item {
            Ok(event) => {
                events = events.saturating_add(1);
                if sink.event(&event) == ControlFlow::Break(()) {
                    break;
                }
            }
            Err(w) => sink.warning(&w),
        }
    }
    let state = reader.into_state();
    let lines = state.line.saturating_sub(before);
    Ok((state, lines, events))
}

#[cfg(target_os = "linux")]
mod watch {
    use std::collections::HashSet;
    use std::mem::MaybeUninit;
    use std::os::fd::{AsFd, OwnedFd};
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    use rustix::fs::inotify;

    use crate::discover::RolloutFile;

    /// inotify on every directory that holds (or may hold) rollouts.
    pub(super) struct Watch {
        fd: OwnedFd,
        dirs: HashSet<PathBuf>,
    }

    impl Watch {
        pub(super) fn new() -> Option<Watch> {
            let fd = inotify::init(inotify::CreateFlags::NONBLOCK | inotify::CreateFlags::CLOEXEC)
                .ok()?;
            Some(Watch {
                fd,
                dirs: HashSet::new(),
            })
        }

        fn add(&mut self, dir: &Path) {
            if self.dirs.contains(dir) || !dir.is_dir() {
                return;
            }
            let flags = inotify::WatchFlags::MODIFY
                | inotify::WatchFlags::CREATE
                | inotify::WatchFlags::MOVED_TO
                | inotify::WatchFlags::CLOSE_WRITE;
            if inotify::add_watch(&self.fd, dir, flags).is_ok() {
                self.dirs.insert(dir.to_owned());
            }
        }

        /// Watches the given paths, their `sessions` trees (day directories appear as time
        /// passes) and every directory holding a found file.
        pub(super) fn add_dirs(&mut self, paths: &[PathBuf], found: &[RolloutFile]) {
            for p in paths {
                let mut stack = vec![p.clone()];
                while let Some(d) = stack.pop() {
                    if !d.is_dir() {
                        continue;
                    }
                    self.add(&d);
                    // Walk only the date tree shapes Codex makes (a few levels), not the
                    // whole disk under a directory given by mistake.
                    if d.components().count() > p.components().count().saturating_add(4) {
                        continue;
                    }
                    if let Ok(rd) = std::fs::read_dir(&d) {
                        stack.extend(rd.flatten().map(|e| e.path()).filter(|e| e.is_dir()));
                    }
                }
            }
            for f in found {
                if let Some(dir) = f.path.parent() {
                    self.add(dir);
                }
            }
        }

        /// Waits for a change or the timeout, then drains the queue.
        pub(super) fn wait(&mut self, timeout: Duration) {
            let ts = Timespec::try_from(timeout).unwrap_or(Timespec {
                tv_sec: 1,
                tv_nsec: 0,
            });
            let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
            let _ = poll(&mut fds, Some(&ts));
            let mut buf = [MaybeUninit::<u8>::uninit(); 4096];
            let mut reader = inotify::Reader::new(self.fd.as_fd(), &mut buf);
            while reader.next().is_ok() {}
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod watch {
    use std::path::PathBuf;
    use std::time::Duration;

    use crate::discover::RolloutFile;

    pub(super) struct Watch;

    impl Watch {
        pub(super) fn new() -> Option<Watch> {
            None
        }
        pub(super) fn add_dirs(&mut self, _: &[PathBuf], _: &[RolloutFile]) {}
        pub(super) fn wait(&mut self, timeout: Duration) {
            std::thread::sleep(timeout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_schema::{Collect, EventKind};
    use std::io::Write;

    const META: &str = r#"{"timestamp":"2026-11-25T08:21:00.000Z","type":"session_meta","payload":{"id":"0199a213-81c0-7800-8aa1-bbab2a035a53","cwd":"/w","cli_version":"0.169.0","originator":"codex_exec"}}"#;

    fn turn(n: u32) -> String {
        format!(
            "{{\"timestamp\":\"2026-11-25T08:2{n}:01.000Z\",\"type\":\"turn_context\",\"payload\":{{\"turn_id\":\"t{n}\",\"cwd\":\"/w\",\"model\":\"gpt-5\"}}}}\n\
             {{\"timestamp\":\"2026-11-25T08:2{n}:02.000Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"token_count\",\"info\":{{\"total_token_usage\":{{\"input_tokens\":{i},\"cached_input_tokens\":0,\"output_tokens\":10,\"reasoning_output_tokens\":0,\"total_tokens\":{t}}},\"last_token_usage\":{{\"input_tokens\":100,\"cached_input_tokens\":0,\"output_tokens\":10,\"reasoning_output_tokens\":0,\"total_tokens\":110}}}}}}}}\n",
            i = 100 * n,
            t = 110 * n
        )
    }

    fn usage_events(c: &Collect) -> usize {
        c.events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::TokenUsage(_)))
            .count()
    }

    #[test]
    fn appended_lines_new_files_cut_lines_and_idle_ends() {
        let dir = tempfile::tempdir().unwrap();
        let day = dir.path().join("sessions/2026/11/25");
        std::fs::create_dir_all(&day).unwrap();
        let a = day.join("rollout-2026-11-25T08-21-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl");
        std::fs::write(&a, format!("{META}\n{}", turn(1))).unwrap();
        let mut f = Follower::new(vec![dir.path().to_owned()], ReadOptions::default())
            .idle_after(Duration::from_millis(300));
        f.use_inotify();
        let mut sink = Collect::default();
        // The existing file is skipped to its end.
        let st = f.poll(&mut sink).unwrap();
        assert_eq!((st.new_files, st.events), (1, 0));
        // Appended: one turn, then half a line.
        let mut h = std::fs::OpenOptions::new().append(true).open(&a).unwrap();
        let more = turn(2);
        let (whole, cut) = more.split_at(more.find('\n').unwrap() + 40);
        h.write_all(whole.as_bytes()).unwrap();
        f.wait(Duration::from_millis(200));
        f.poll(&mut sink).unwrap();
        assert_eq!(usage_events(&sink), 0);
        h.write_all(cut.as_bytes()).unwrap();
        f.poll(&mut sink).unwrap();
        assert_eq!(usage_events(&sink), 1, "{:?}", sink.events);
        // The session context carried over from the skipped start.
        assert_eq!(
            sink.events[0].ctx.thread_id.as_deref(),
            Some("0199a213-81c0-7800-8aa1-bbab2a035a53")
        );
        // A new file is read from its start.
        let b = day.join("rollout-2026-11-25T08-25-00-0199a213-81c0-7800-8aa1-bbab2a035a54.jsonl");
        std::fs::write(&b, format!("{}\n{}", META.replace("a53", "a54"), turn(3))).unwrap();
        let st = f.poll(&mut sink).unwrap();
        assert_eq!(st.new_files, 1);
        assert_eq!(usage_events(&sink), 2);
        assert!(sink.ends.is_empty());
        std::thread::sleep(Duration::from_millis(350));
        let st = f.poll(&mut sink).unwrap();
        assert_eq!(st.ended, 2);
        assert_eq!(sink.ends.len(), 2);
        f.end_all(&mut sink);
        assert_eq!(sink.ends.len(), 2);
    }

    #[test]
    fn from_start_feeds_existing_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir
            .path()
            .join("rollout-2026-11-25T08-21-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl");
        std::fs::write(&a, format!("{META}\n{}", turn(1))).unwrap();
        let mut f =
            Follower::new(vec![dir.path().to_owned()], ReadOptions::default()).from_start(true);
        let mut sink = Collect::default();
        f.poll(&mut sink).unwrap();
        assert_eq!(usage_events(&sink), 1);
        f.poll(&mut sink).unwrap();
        assert_eq!(usage_events(&sink), 1);
    }
}
