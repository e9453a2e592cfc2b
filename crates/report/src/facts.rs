//! From a session context to the facts a report groups by.

use std::collections::HashMap;
use std::process::Command;

use agentobs_cost::ThreadFacts;
use agentobs_schema::SessionContext;
use regex::Regex;

/// Where the developer comes from when the session names no account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeveloperFallback {
    /// `$USER` (or `$USERNAME`).
    #[default]
    User,
    /// `git config user.email` in the session's working directory.
    GitAuthor,
    /// Leave unknown.
    None,
}

/// A report option given as text could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// Not one of `user`, `git-author`, `none`.
    #[error("unknown developer source {0:?} (user, git-author, none)")]
    DeveloperSource(String),
    /// A task rule without `=`.
    #[error("task rule {0:?} is not LABEL=REGEX")]
    TaskRuleShape(String),
    /// A task rule whose pattern is not a valid regular expression.
    #[error("task rule {label:?}: {source}")]
    TaskRulePattern {
        /// The rule's label.
        label: String,
        /// Why the pattern is invalid.
        #[source]
        source: regex::Error,
    },
    /// A time-zone name that is neither in the system's database nor in the bundled one.
    #[error("unknown time zone {name:?}: {source}")]
    TimeZone {
        /// The name given.
        name: String,
        /// The lookup's error.
        #[source]
        source: jiff::Error,
    },
}

impl std::str::FromStr for DeveloperFallback {
    type Err = OptionError;
    fn from_str(s: &str) -> Result<Self, OptionError> {
        match s {
            "user" => Ok(Self::User),
            "git-author" | "git" => Ok(Self::GitAuthor),
            "none" => Ok(Self::None),
            _ => Err(OptionError::DeveloperSource(s.to_owned())),
        }
    }
}

/// A task-type rule: label the thread when its first prompt matches.
#[derive(Clone, Debug)]
pub struct TaskRule {
    /// The label.
    pub label: String,
    /// The pattern.
    pub pattern: Regex,
}

impl std::str::FromStr for TaskRule {
    type Err = OptionError;
    /// `LABEL=REGEX`.
    fn from_str(s: &str) -> Result<Self, OptionError> {
        let (label, re) = s
            .split_once('=')
            .ok_or_else(|| OptionError::TaskRuleShape(s.to_owned()))?;
        let pattern = Regex::new(re).map_err(|source| OptionError::TaskRulePattern {
            label: label.to_owned(),
            source,
        })?;
        Ok(TaskRule {
            label: label.trim().to_owned(),
            pattern,
        })
    }
}

/// Turns contexts into [`ThreadFacts`].
pub struct FactMaker {
    fallback: DeveloperFallback,
    rules: Vec<TaskRule>,
    default_task: String,
    git_authors: std::sync::Mutex<HashMap<String, Option<String>>>,
    user: Option<String>,
}

impl FactMaker {
    /// A fact maker with a developer fallback and task rules (`default_task` when none match).
    pub fn new(fallback: DeveloperFallback, rules: Vec<TaskRule>, default_task: String) -> Self {
        FactMaker {
            fallback,
            rules,
            default_task,
            git_authors: std::sync::Mutex::new(HashMap::new()),
            user: std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .ok()
                .filter(|u| !u.is_empty()),
        }
    }

    fn git_author(&self, cwd: &str) -> Option<String> {
        let mut cache = self.git_authors.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(cwd.to_owned())
            .or_insert_with(|| {
                let out = Command::new("git")
                    .args(["-C", cwd, "config", "user.email"])
                    .output()
                    .ok()?;
                let s = String::from_utf8(out.stdout).ok()?.trim().to_owned();
                (out.status.success() && !s.is_empty()).then_some(s)
            })
            .clone()
    }

    /// The facts of a thread.
    pub fn facts(
        &self,
        ctx: &SessionContext,
        first_prompt: Option<&str>,
        fallback_id: impl FnOnce() -> String,
    ) -> ThreadFacts {
        let account = ctx
            .account
            .as_ref()
            .and_then(|a| a.email.clone().or_else(|| a.id.clone()));
        let developer = account.or_else(|| match self.fallback {
            DeveloperFallback::User => self.user.clone(),
            DeveloperFallback::GitAuthor => ctx.cwd.clone().and_then(|c| self.git_author(&c)),
            DeveloperFallback::None => None,
        });
        let task_type = first_prompt
            .and_then(|p| self.rules.iter().find(|r| r.pattern.is_match(p)))
            .map(|r| r.label.clone())
            .unwrap_or_else(|| self.default_task.clone());
        let git = ctx.git.as_ref();
        ThreadFacts {
            thread_id: ctx.thread_id.clone().unwrap_or_else(fallback_id),
            parent_id: ctx
                .parent_thread_id
                .clone()
                .or_else(|| ctx.forked_from_id.clone()),
            repo: git
                .and_then(|g| g.remote_url.as_deref())
                .and_then(normalize_remote),
            branch: git.and_then(|g| g.branch.clone()),
            developer,
            originator: ctx.originator.clone(),
            source: ctx.source.clone(),
            task_type: Some(task_type),
            harness: Some(ctx.harness.as_str().to_owned()),
        }
    }
}

pub use agentobs_schema::normalize_remote;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_normalise() {
        for (i, o) in [
            ("git@github.com:acme/widgets.git", "github.com/acme/widgets"),
            (
                "https://user:token@GitHub.com/acme/widgets",
                "github.com/acme/widgets",
            ),
            (
                "ssh://git@gitlab.example.com:2222/team/app.git/",
                "gitlab.example.com/team/app",
            ),
            ("/srv/git/local.git", "/srv/git/local"),
        ] {
            assert_eq!(normalize_remote(i).as_deref(), Some(o), "{i}");
        }
        assert_eq!(normalize_remote(" "), None);
    }

    #[test]
    fn task_rules_take_the_first_match() {
        let rules = vec![
            "bugfix=(?i)\\b(fix|bug)".parse::<TaskRule>().unwrap(),
            "tests=(?i)test".parse().unwrap(),
        ];
        let m = FactMaker::new(DeveloperFallback::None, rules, "other".into());
        let ctx = SessionContext::default();
        let f = m.facts(&ctx, Some("Fix the failing test"), || "x".into());
        assert_eq!(f.task_type.as_deref(), Some("bugfix"));
        let f = m.facts(&ctx, Some("write docs"), || "x".into());
        assert_eq!(f.task_type.as_deref(), Some("other"));
        assert_eq!(f.developer, None);
        assert!("nolabel".parse::<TaskRule>().is_err());
    }
}
