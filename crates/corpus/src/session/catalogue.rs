//! The fixed catalogue sessions draw from: models, repos, time zones, sandboxes, shapes, blobs.

use crate::text::Lang;

/// A model the corpus uses, with the context window Codex reports for it.
pub(crate) struct Model {
    pub name: &'static str,
    pub window: u64,
    pub weight: u32,
    pub long_ok: bool,
    pub o_series: bool,
}

/// Every model, with its weight among sessions.
pub(crate) const MODELS: &[Model] = &[
    Model {
        name: "gpt-5",
        window: 258_400,
        weight: 10,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5-codex",
        window: 258_400,
        weight: 14,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.1-codex",
        window: 258_400,
        weight: 15,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.1-codex-mini",
        window: 258_400,
        weight: 10,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.2-codex",
        window: 258_400,
        weight: 14,
        long_ok: false,
        o_series: false,
    },
    Model {
        name: "gpt-5.4",
        window: 1_050_000,
        weight: 13,
        long_ok: true,
        o_series: false,
    },
    Model {
        name: "gpt-5.5",
        window: 1_050_000,
        weight: 9,
        long_ok: true,
        o_series: false,
    },
    Model {
        name: "o3",
        window: 190_000,
        weight: 8,
        long_ok: false,
        o_series: true,
    },
    Model {
        name: "o4-mini",
        window: 190_000,
        weight: 7,
        long_ok: false,
        o_series: true,
    },
];

/// Old-generation files carry no model; readers must infer `gpt-5`.
pub(super) const OLD_GEN_MODEL: usize = 0;

/// A repository sessions work in, with its language and remote URL (`None`: no git).
pub(super) struct Repo {
    pub(super) name: &'static str,
    pub(super) lang: Lang,
    pub(super) url: Option<&'static str>,
}

pub(super) const REPOS: &[Repo] = &[
    Repo {
        name: "agentobs",
        lang: Lang::Rust,
        url: Some("git@github.com:agentobs/agentobs.git"),
    },
    Repo {
        name: "webshop",
        lang: Lang::Python,
        url: Some("https://github.com/acme/webshop.git"),
    },
    Repo {
        name: "ml-pipeline",
        lang: Lang::Python,
        url: Some("git@github.com:acme/ml-pipeline.git"),
    },
    Repo {
        name: "edge-proxy",
        lang: Lang::Rust,
        url: Some("git@github.com:acme/edge-proxy.git"),
    },
    Repo {
        name: "infra-tools",
        lang: Lang::Rust,
        url: Some("https://gitlab.com/acme/infra-tools.git"),
    },
    Repo {
        name: "scratch",
        lang: Lang::Python,
        url: None,
    },
];

/// Git branches, `main` the most likely.
pub(super) const BRANCHES: &[&str] = &[
    "main",
    "main",
    "main",
    "feat/json-output",
    "fix/flaky-test",
    "dev",
];

/// (IANA name, fixed UTC offset in minutes; DST ignored).
pub(super) const TZS: &[(&str, i64)] = &[
    ("Europe/Berlin", 60),
    ("America/Los_Angeles", -480),
    ("America/New_York", -300),
    ("Asia/Tokyo", 540),
    ("Etc/UTC", 0),
    ("Asia/Kolkata", 330),
    ("Australia/Sydney", 660),
];

/// (`sandbox_mode` name, `sandbox_policy` JSON, description).
pub(super) const SANDBOXES: &[(&str, &str, &str)] = &[
    (
        "read-only",
        r#"{"type":"read-only"}"#,
        "The sandbox only permits reading files.",
    ),
    (
        "workspace-write",
        r#"{"type":"workspace-write","network_access":false,"exclude_tmpdir_env_var":false,"exclude_slash_tmp":false}"#,
        "The sandbox permits reading files, and editing files in `cwd` and `writable_roots`.",
    ),
    (
        "danger-full-access",
        r#"{"type":"danger-full-access"}"#,
        "No filesystem sandboxing: all commands are permitted.",
    ),
];

/// Reasoning efforts of the gpt-5 family, with their weights, and of the o-series.
pub(super) const EFFORTS: &[&str] = &["minimal", "low", "medium", "high", "xhigh"];
pub(super) const EFFORT_WEIGHTS: &[u32] = &[5, 15, 45, 30, 5];
pub(super) const O_EFFORTS: &[&str] = &["low", "medium", "high"];

/// Sub-agent nicknames.
pub(super) const NICKNAMES: &[&str] = &["Ada", "Turing", "Hopper", "Lovelace", "Knuth", "Ritchie"];

/// The `base_instructions` text of 0.169 `session_meta` lines.
pub(super) const BASE_INSTRUCTIONS: &str = "You are Codex, a coding agent running in a terminal on the user's computer. You and the user share the same workspace and collaborate to achieve the user's goals.\n\n## General\n\n- When searching for text or files, prefer using `rg` or `rg --files` because it is much faster than alternatives like `grep`.\n- Default to ASCII when editing or creating files.\n- Add succinct code comments only where the code is not self-explanatory.\n\n## Editing constraints\n\n- You may be in a dirty git worktree. NEVER revert existing changes you did not make unless explicitly requested.\n- Do not amend a commit unless explicitly requested to do so.\n- NEVER use destructive commands like `git reset --hard` or `git checkout --` unless specifically requested or approved by the user.\n\n## Presenting your work\n\n- Be concise; use short headers and bullets. Reference files with inline code paths like `src/app.ts:42`.\n- If you could not run a check, say so and suggest the command the user should run.\n";

/// Size estimates of the shapes (bytes), used to steer a file to its target size.
pub(super) struct Shape {
    pub(super) header: usize,
    pub(super) tool: usize,
    pub(super) out_mult: f64,
    pub(super) final_fixed: usize,
    pub(super) msg_mult: usize,
}

/// Size estimates of the 0.169 shape.
pub(super) const NEW_SHAPE: Shape = Shape {
    header: 6_000,
    tool: 4_400,
    out_mult: 2.08,
    final_fixed: 4_300,
    msg_mult: 3,
};
/// Size estimates of the old-generation shape.
pub(super) const OLD_SHAPE: Shape = Shape {
    header: 2_000,
    tool: 1_200,
    out_mult: 1.12,
    final_fixed: 1_300,
    msg_mult: 3,
};

/// Bounds of an encrypted reasoning blob (bytes); the last one of a file may grow to
/// `FILL_BLOB_MAX` to hit the file's target size.
pub(super) const MIN_BLOB: usize = 1024;
pub(super) const MAX_BLOB: usize = 12 * 1024;
pub(super) const FILL_BLOB_MAX: usize = 256 * 1024;
