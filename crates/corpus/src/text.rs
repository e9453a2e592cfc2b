//! Realistic text: JSON escaping, pools of source code and tool logs, shell commands with their
//! outputs, user prompts and assistant messages. Everything is ASCII.

use std::fmt::{self, Write as _};

use crate::rng::Rng;

/// Appends `s` JSON-escaped (without quotes) to `buf`.
pub(crate) fn escape_into(buf: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                buf.extend_from_slice(&s[start..i]);
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[(b >> 4) as usize]);
                buf.push(HEX[(b & 15) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        buf.extend_from_slice(&s[start..i]);
        buf.extend_from_slice(short);
        start = i + 1;
    }
    buf.extend_from_slice(&s[start..]);
}

/// Displays a string JSON-escaped (without quotes).
pub(crate) struct J<'a>(pub &'a str);

impl fmt::Display for J<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut start = 0;
        for (i, b) in s.bytes().enumerate() {
            let esc = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => {
                    f.write_str(&s[start..i])?;
                    write!(f, "\\u{:04x}", b)?;
                    start = i + 1;
                    continue;
                }
                _ => continue,
            };
            f.write_str(&s[start..i])?;
            f.write_str(esc)?;
            start = i + 1;
        }
        f.write_str(&s[start..])
    }
}

/// A JSON-escaped copy of `s`.
pub(crate) fn escaped(s: &str) -> String {
    J(s).to_string()
}

/// Appends `n` characters of a base64 "encrypted_content" blob (Fernet-looking, `gAAAAAB…`).
pub(crate) fn blob_into(rng: &mut Rng, buf: &mut Vec<u8>, n: usize) {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const HEAD: &[u8] = b"gAAAAAB";
    let n = n / 4 * 4;
    if n == 0 {
        return;
    }
    let head = HEAD.len().min(n);
    buf.extend_from_slice(&HEAD[..head]);
    let body = n - head;
    buf.reserve(body);
    let mut left = body;
    while left > 0 {
        let mut v = rng.next_u64();
        let take = left.min(10);
        for _ in 0..take {
            buf.push(B64[(v & 63) as usize]);
            v >>= 6;
        }
        left -= take;
    }
    if n >= 8 && rng.chance(0.5) {
        let l = buf.len();
        buf[l - 1] = b'=';
    }
}

pub(crate) const WORDS: &[&str] = &[
    "config", "parser", "session", "token", "usage", "cache", "reader", "writer", "event", "span",
    "metric", "budget", "rollout", "thread", "turn", "model", "price", "tier", "window", "record",
    "buffer", "stream", "offset", "cursor", "index", "batch", "frame", "header", "payload",
    "schema", "ledger", "export", "filter", "label", "limit", "retry", "client", "handler",
    "request", "response", "state", "store", "queue", "worker", "task", "job", "user", "order",
    "cart", "invoice", "account", "report", "summary", "delta", "total", "input", "output",
];

pub(crate) const TYPES: &[&str] = &[
    "Config",
    "Parser",
    "Session",
    "TokenUsage",
    "Event",
    "Reader",
    "Writer",
    "Error",
    "Span",
    "Budget",
    "Rollout",
    "Record",
    "Frame",
    "Header",
    "Cursor",
    "Ledger",
    "Exporter",
    "Client",
    "Handler",
    "Request",
    "Response",
    "State",
    "Store",
    "Queue",
    "Worker",
    "Summary",
];

const CRATES: &[&str] = &[
    "serde",
    "serde_json",
    "memchr",
    "rayon",
    "clap",
    "tokio",
    "anyhow",
    "thiserror",
    "regex",
    "itoa",
    "ryu",
    "libc",
    "cfg-if",
    "proc-macro2",
    "quote",
    "syn",
    "unicode-ident",
    "once_cell",
    "bytes",
    "futures-util",
    "hashbrown",
    "smallvec",
    "tracing",
    "jiff",
    "toml",
];

const MONTHS: &[&str] = &["Sep", "Oct", "Nov"];

/// Pools of line-structured text that tool outputs are cut from.
pub(crate) struct Pools {
    rust: Vec<u8>,
    python: Vec<u8>,
    cargo: Vec<u8>,
    pytest: Vec<u8>,
    ls: Vec<u8>,
    diff: Vec<u8>,
    rg: Vec<u8>,
}

const POOL_BYTES: usize = 96 * 1024;

fn w<'a>(r: &mut Rng) -> &'a str {
    WORDS[r.index(WORDS.len())]
}

fn ty<'a>(r: &mut Rng) -> &'a str {
    TYPES[r.index(TYPES.len())]
}

fn rust_block(r: &mut Rng, s: &mut String) {
    let (a, b, c, d) = (w(r), w(r), w(r), w(r));
    let (t1, t2) = (ty(r), ty(r));
    let n = r.range(2, 4096);
    match r.below(5) {
        0 => {
            let _ = write!(
                s,
                "/// Returns the {a} of the {b}.\npub fn {a}_{b}(&self, {c}: &{t1}) -> Result<{t2}, Error> {{\n    let mut {a} = {t2}::default();\n    for {d} in {c}.iter() {{\n        if {d}.{b} > {n} {{\n            {a}.push({d}.clone());\n        }}\n    }}\n    tracing::debug!(count = {a}.len(), \"{a} {b} done\");\n    Ok({a})\n}}\n\n"
            );
        }
        1 => {
            let _ = write!(
                s,
                "#[derive(Clone, Debug, Default, PartialEq, Eq)]\npub struct {t1}{t2} {{\n    /// The {a}.\n    pub {a}: u64,\n    /// The {b} it belongs to.\n    pub {b}: Option<String>,\n    /// Raw {c} bytes.\n    pub {c}: Vec<u8>,\n}}\n\n"
            );
        }
        2 => {
            let _ = write!(
                s,
                "impl {t1} {{\n    pub fn new({a}: usize) -> Self {{\n        Self {{ {a}, {b}: Vec::with_capacity({n}), ..Default::default() }}\n    }}\n\n    fn {c}_{d}(&mut self, bytes: &[u8]) -> Option<usize> {{\n        let pos = memchr::memchr(b'\\n', bytes)?;\n        self.{b}.extend_from_slice(&bytes[..pos]);\n        Some(pos + 1)\n    }}\n}}\n\n"
            );
        }
        3 => {
            let _ = write!(
                s,
                "#[test]\nfn {a}_{b}_roundtrip() {{\n    let {c} = {t1}::new({n});\n    let json = serde_json::to_string(&{c}).unwrap();\n    let back: {t1} = serde_json::from_str(&json).unwrap();\n    assert_eq!(back, {c}, \"{d} must survive a roundtrip\");\n}}\n\n"
            );
        }
        _ => {
            let _ = write!(
                s,
                "    match {a}.{b}() {{\n        Some({t1}::{t2}(x)) if x > {n} => return Err(Error::{t2}(x)),\n        Some(other) => {c}.push(other),\n        None => break,\n    }}\n    // {d}: keep the order stable so diffs stay readable\n"
            );
        }
    }
}

fn python_block(r: &mut Rng, s: &mut String) {
    let (a, b, c, d) = (w(r), w(r), w(r), w(r));
    let t1 = ty(r);
    let n = r.range(2, 500);
    match r.below(4) {
        0 => {
            let _ = write!(
                s,
                "def {a}_{b}(self, {c}: list[str]) -> dict[str, int]:\n    \"\"\"Return the {b} of each {c}.\"\"\"\n    result: dict[str, int] = {{}}\n    for item in {c}:\n        if item.startswith(\"{d}\"):\n            result[item] = len(item) * {n}\n    return result\n\n"
            );
        }
        1 => {
            let _ = write!(
                s,
                "class {t1}(BaseModel):\n    {a}: int = {n}\n    {b}: str | None = None\n    {c}: list[float] = Field(default_factory=list)\n\n    def {d}(self) -> float:\n        return sum(self.{c}) / max(len(self.{c}), 1)\n\n"
            );
        }
        2 => {
            let _ = write!(
                s,
                "@pytest.mark.parametrize(\"{a},{b}\", [({n}, \"{c}\"), (0, \"{d}\")])\ndef test_{a}_{b}({a}, {b}, tmp_path):\n    path = tmp_path / \"{c}.json\"\n    path.write_text(json.dumps({{\"{a}\": {a}}}))\n    assert load_{c}(path)[\"{a}\"] == {a}\n\n"
            );
        }
        _ => {
            let _ = write!(
                s,
                "    logger.info(\"{a} %s -> %s\", {b}, {c})\n    if not {c}:\n        raise ValueError(f\"empty {d} for {{{b}!r}}\")\n"
            );
        }
    }
}

fn cargo_block(r: &mut Rng, s: &mut String) {
    match r.below(6) {
        0 | 1 => {
            let _ = writeln!(
                s,
                "   Compiling {} v{}.{}.{}",
                r.pick(CRATES),
                r.below(3),
                r.below(40),
                r.below(30)
            );
        }
        2 => {
            let (a, b, c) = (w(r), w(r), w(r));
            let line = r.range(10, 900);
            let _ = write!(
                s,
                "warning: unused variable: `{a}`\n  --> crates/{b}/src/{c}.rs:{line}:13\n   |\n{line:>3} |         let {a} = {b}.{c}();\n   |             ^^^^ help: if this is intentional, prefix it with an underscore: `_{a}`\n   |\n   = note: `#[warn(unused_variables)]` on by default\n\n"
            );
        }
        3 => {
            let _ = writeln!(s, "test {}::tests::{}_{} ... ok", w(r), w(r), w(r));
        }
        4 => {
            let _ = write!(
                s,
                "     Running unittests src/lib.rs (target/debug/deps/agentobs_{}-{})\n\nrunning {} tests\n",
                w(r),
                r.hex_string(16),
                r.range(1, 80)
            );
        }
        _ => {
            let _ = writeln!(
                s,
                "    Checking {} v0.{}.{} (/home/dev/src/{})",
                w(r),
                r.below(9),
                r.below(20),
                w(r)
            );
        }
    }
}

fn pytest_block(r: &mut Rng, s: &mut String) {
    let pct = r.below(101);
    if r.chance(0.1) {
        let (a, b) = (w(r), w(r));
        let _ = write!(
            s,
            "________________________ test_{a}_{b} ________________________\n\n    def test_{a}_{b}():\n>       assert compute_{a}({b}=3) == {}\nE       assert {} == {}\nE        +  where {} = compute_{a}({b}=3)\n\ntests/test_{a}.py:{}: AssertionError\n",
            r.below(100),
            r.below(100),
            r.below(100),
            r.below(100),
            r.range(5, 300)
        );
    } else {
        let _ = writeln!(
            s,
            "tests/test_{}.py::test_{}_{} PASSED{:>40}[{:>3}%]",
            w(r),
            w(r),
            w(r),
            "",
            pct
        );
    }
}

fn ls_block(r: &mut Rng, s: &mut String) {
    let dir = r.chance(0.2);
    let exts = ["rs", "py", "toml", "md", "json", "lock", "txt", "yaml"];
    let _ = writeln!(
        s,
        "{}  {} dev dev {:>7} {} {:>2} {:02}:{:02} {}{}{}",
        if dir { "drwxr-xr-x" } else { "-rw-r--r--" },
        if dir { r.range(2, 9) } else { 1 },
        if dir { 4096 } else { r.range(12, 90_000) },
        r.pick(MONTHS),
        r.range(1, 28),
        r.below(24),
        r.below(60),
        w(r),
        if dir { "" } else { "." },
        if dir { "" } else { *r.pick(&exts) }
    );
}

fn diff_block(r: &mut Rng, s: &mut String) {
    let f = w(r);
    let _ = write!(
        s,
        "diff --git a/src/{f}.rs b/src/{f}.rs\nindex {}..{} 100644\n--- a/src/{f}.rs\n+++ b/src/{f}.rs\n@@ -{},{} +{},{} @@ impl {} {{\n",
        r.hex_string(7),
        r.hex_string(7),
        r.range(1, 400),
        r.range(3, 12),
        r.range(1, 400),
        r.range(3, 14),
        ty(r)
    );
    for _ in 0..r.range(3, 12) {
        let mark = *r.pick(&[" ", " ", " ", "+", "-"]);
        let _ = writeln!(
            s,
            "{mark}        let {} = self.{}.{}({});",
            w(r),
            w(r),
            w(r),
            w(r)
        );
    }
}

fn rg_block(r: &mut Rng, s: &mut String) {
    let _ = writeln!(
        s,
        "crates/{}/src/{}.rs:{}:    let {} = {}.{}({});",
        w(r),
        w(r),
        r.range(1, 1200),
        w(r),
        w(r),
        w(r),
        w(r)
    );
}

fn build_pool(r: &mut Rng, f: fn(&mut Rng, &mut String)) -> Vec<u8> {
    let mut s = String::with_capacity(POOL_BYTES + 4096);
    while s.len() < POOL_BYTES {
        f(r, &mut s);
    }
    s.into_bytes()
}

impl Pools {
    pub(crate) fn new(seed: u64) -> Self {
        let mut r = Rng::derive(seed, 0xB001);
        Pools {
            rust: build_pool(&mut r, rust_block),
            python: build_pool(&mut r, python_block),
            cargo: build_pool(&mut r, cargo_block),
            pytest: build_pool(&mut r, pytest_block),
            ls: build_pool(&mut r, ls_block),
            diff: build_pool(&mut r, diff_block),
            rg: build_pool(&mut r, rg_block),
        }
    }

    /// Appends about `len` bytes of whole lines of `pool`, from a random line, wrapping.
    fn window(r: &mut Rng, pool: &[u8], len: usize, dst: &mut Vec<u8>) {
        let pos0 = r.index(pool.len());
        let mut pos = match pool[pos0..].iter().position(|&b| b == b'\n') {
            Some(i) => pos0 + i + 1,
            None => 0,
        };
        if pos >= pool.len() {
            pos = 0;
        }
        let mut left = len;
        while left > 0 {
            let avail = pool.len() - pos;
            if avail >= left {
                // Cut at the last newline before pos + left (keep at least one line).
                let end = pos + left;
                let cut = pool[pos..end]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map(|i| pos + i + 1)
                    .unwrap_or(end);
                dst.extend_from_slice(&pool[pos..cut]);
                if dst.last() != Some(&b'\n') {
                    dst.push(b'\n');
                }
                return;
            }
            dst.extend_from_slice(&pool[pos..]);
            left -= avail;
            pos = 0;
        }
    }
}

/// What a command does, for `parsed_cmd`.
pub(crate) enum Parsed {
    Read { name: String, path: String },
    ListFiles { path: String },
    Search { query: String, path: String },
    Unknown,
}

/// A shell command the agent ran, with what it printed.
pub(crate) struct Command {
    pub cmd: String,
    pub parsed: Parsed,
    pub exit_code: i32,
    pub duration_ms: u64,
}

/// The kind of project a session works in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Rust,
    Python,
}

/// Picks a command, writes its output (about `target` bytes when it succeeds) into `out`.
pub(crate) fn command(
    pools: &Pools,
    r: &mut Rng,
    lang: Lang,
    target: usize,
    out: &mut Vec<u8>,
) -> Command {
    out.clear();
    let kind = if lang == Lang::Rust {
        r.weighted(&[30, 16, 8, 0, 10, 10, 12, 3])
    } else {
        r.weighted(&[30, 0, 0, 22, 10, 10, 12, 3])
    };
    let target = target.max(64);
    match kind {
        0 => read_source(pools, r, lang, target, out),
        1 => cargo_test(pools, r, target, out),
        2 => cargo_check(pools, r, target, out),
        3 => pytest(pools, r, target, out),
        4 => list_files(pools, r, target, out),
        5 => git_status_or_diff(pools, r, lang, target, out),
        6 => ripgrep(pools, r, target, out),
        _ => missing_tool(r, out),
    }
}

/// Reads a source file (`sed -n` or `cat`); sometimes the file is missing.
fn read_source(
    pools: &Pools,
    r: &mut Rng,
    lang: Lang,
    target: usize,
    out: &mut Vec<u8>,
) -> Command {
    let (dir, ext, pool) = match lang {
        Lang::Rust => ("crates/core/src", "rs", &pools.rust),
        Lang::Python => ("app", "py", &pools.python),
    };
    let name = format!("{}.{ext}", w(r));
    let path = format!("{dir}/{name}");
    let (cmd, exit_code) = if r.chance(0.04) {
        out.extend_from_slice(
            format!("sed: can't read {path}: No such file or directory\n").as_bytes(),
        );
        (format!("sed -n '1,200p' {path}"), 2)
    } else {
        Pools::window(r, pool, target, out);
        let cmd = if r.chance(0.5) {
            format!("sed -n '1,{}p' {path}", r.range(80, 400))
        } else {
            format!("cat {path}")
        };
        (cmd, 0)
    };
    Command {
        cmd,
        parsed: Parsed::Read { name, path },
        exit_code,
        duration_ms: r.range(4, 60),
    }
}

/// `cargo test -p …`, sometimes with a failing test.
fn cargo_test(pools: &Pools, r: &mut Rng, target: usize, out: &mut Vec<u8>) -> Command {
    let krate = w(r);
    let failed = r.chance(0.15);
    Pools::window(r, &pools.cargo, target.saturating_sub(300), out);
    let passed = r.range(1, 240);
    if failed {
        let (a, b) = (w(r), w(r));
        out.extend_from_slice(
            format!(
                "test tests::{a}_{b} ... FAILED\n\nfailures:\n\n---- tests::{a}_{b} stdout ----\n\nthread 'tests::{a}_{b}' panicked at crates/{krate}/src/{a}.rs:{}:9:\nassertion `left == right` failed\n  left: {}\n right: {}\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\nfailures:\n    tests::{a}_{b}\n\ntest result: FAILED. {passed} passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in {}.{:02}s\n\nerror: test failed, to rerun pass `-p {krate} --lib`\n",
                r.range(10, 700),
                r.below(5000),
                r.below(5000),
                r.below(9),
                r.below(100)
            )
            .as_bytes(),
        );
    } else {
        out.extend_from_slice(
            format!(
                "\ntest result: ok. {passed} passed; 0 failed; {} ignored; 0 measured; 0 filtered out; finished in {}.{:02}s\n\n",
                r.below(3),
                r.below(9),
                r.below(100)
            )
            .as_bytes(),
        );
    }
    Command {
        cmd: format!("cargo test -p {krate}"),
        parsed: Parsed::Unknown,
        exit_code: if failed { 101 } else { 0 },
        duration_ms: r.range(1_500, 90_000),
    }
}

/// `cargo check` / `clippy` / `build --release`, sometimes with a type error.
fn cargo_check(pools: &Pools, r: &mut Rng, target: usize, out: &mut Vec<u8>) -> Command {
    let sub = *r.pick(&["check", "clippy --all-targets", "build --release"]);
    let failed = r.chance(0.15);
    Pools::window(r, &pools.cargo, target.saturating_sub(200), out);
    if failed {
        out.extend_from_slice(
            format!(
                "error[E0308]: mismatched types\n   --> src/{}.rs:{}:{}\n    |\n    = note: expected `u64`, found `i64`\n\nerror: could not compile `{}` (lib) due to 1 previous error\n",
                w(r),
                r.range(1, 900),
                r.range(1, 80),
                w(r)
            )
            .as_bytes(),
        );
    } else {
        out.extend_from_slice(
            format!(
                "    Finished `dev` profile [unoptimized + debuginfo] target(s) in {}.{:02}s\n",
                r.below(60),
                r.below(100)
            )
            .as_bytes(),
        );
    }
    Command {
        cmd: format!("cargo {sub}"),
        parsed: Parsed::Unknown,
        exit_code: if failed { 101 } else { 0 },
        duration_ms: r.range(800, 120_000),
    }
}

/// `pytest -q …`: passing, failing, or no tests found.
fn pytest(pools: &Pools, r: &mut Rng, target: usize, out: &mut Vec<u8>) -> Command {
    let roll = r.f64();
    let (exit_code, tail) = if roll < 0.12 {
        (
            1,
            format!(
                "FAILED tests/test_{}.py::test_{} - AssertionError\n========= 1 failed, {} passed in {}.{:02}s =========\n",
                w(r),
                w(r),
                r.range(3, 300),
                r.below(30),
                r.below(100)
            ),
        )
    } else if roll < 0.15 {
        out.extend_from_slice(b"ERROR: file or directory not found: tests/test_missing.py\n\n");
        (2, "no tests ran in 0.01s\n".to_string())
    } else {
        (
            0,
            format!(
                "========= {} passed in {}.{:02}s =========\n",
                r.range(3, 400),
                r.below(30),
                r.below(100)
            ),
        )
    };
    if exit_code != 2 {
        out.extend_from_slice(b"============================= test session starts ==============================\nplatform linux -- Python 3.12.7, pytest-8.3.3, pluggy-1.5.0\nrootdir: /home/dev/src/app\n");
        Pools::window(r, &pools.pytest, target.saturating_sub(400), out);
    }
    out.extend_from_slice(tail.as_bytes());
    Command {
        cmd: format!("pytest -q tests/test_{}.py", w(r)),
        parsed: Parsed::Unknown,
        exit_code,
        duration_ms: r.range(600, 60_000),
    }
}

/// `ls -la …`, sometimes of a missing path.
fn list_files(pools: &Pools, r: &mut Rng, target: usize, out: &mut Vec<u8>) -> Command {
    let path = *r.pick(&["src", "crates", "tests", "app", "docs", "."]);
    let exit_code = if r.chance(0.06) {
        out.extend_from_slice(
            format!(
                "ls: cannot access '{path}/{}': No such file or directory\n",
                w(r)
            )
            .as_bytes(),
        );
        2
    } else {
        out.extend_from_slice(format!("total {}\n", r.range(8, 900)).as_bytes());
        Pools::window(r, &pools.ls, target.min(16 * 1024), out);
        0
    };
    Command {
        cmd: format!("ls -la {path}"),
        parsed: Parsed::ListFiles {
            path: path.to_string(),
        },
        exit_code,
        duration_ms: r.range(2, 30),
    }
}

/// `git status --short` or `git diff`.
fn git_status_or_diff(
    pools: &Pools,
    r: &mut Rng,
    lang: Lang,
    target: usize,
    out: &mut Vec<u8>,
) -> Command {
    if r.chance(0.3) {
        for _ in 0..r.range(1, 12) {
            out.extend_from_slice(
                format!(
                    "{} src/{}.{}\n",
                    r.pick(&[" M", "??", "A ", " D"]),
                    w(r),
                    if lang == Lang::Rust { "rs" } else { "py" }
                )
                .as_bytes(),
            );
        }
        Command {
            cmd: "git status --short".to_string(),
            parsed: Parsed::Unknown,
            exit_code: 0,
            duration_ms: r.range(5, 80),
        }
    } else {
        Pools::window(r, &pools.diff, target, out);
        Command {
            cmd: if r.chance(0.5) {
                "git diff".to_string()
            } else {
                format!("git diff HEAD~{} -- src", r.range(1, 5))
            },
            parsed: Parsed::Unknown,
            exit_code: 0,
            duration_ms: r.range(5, 200),
        }
    }
}

/// `rg -n …`, which may find nothing.
fn ripgrep(pools: &Pools, r: &mut Rng, target: usize, out: &mut Vec<u8>) -> Command {
    let query = format!("{}_{}", w(r), w(r));
    let exit_code = if r.chance(0.15) {
        1
    } else {
        Pools::window(r, &pools.rg, target, out);
        0
    };
    Command {
        cmd: format!("rg -n \"{query}\" crates"),
        parsed: Parsed::Search {
            query,
            path: "crates".to_string(),
        },
        exit_code,
        duration_ms: r.range(5, 400),
    }
}

/// A tool that is not installed.
fn missing_tool(r: &mut Rng, out: &mut Vec<u8>) -> Command {
    let tool = *r.pick(&["pnpm", "just", "uv", "bazel", "make", "poetry"]);
    out.extend_from_slice(format!("bash: line 1: {tool}: command not found\n").as_bytes());
    Command {
        cmd: format!("{tool} test"),
        parsed: Parsed::Unknown,
        exit_code: 127,
        duration_ms: r.range(2, 20),
    }
}

const PROMPTS: &[&str] = &[
    "Fix the failing test in the {w} module and explain the root cause.",
    "Add a --json flag to the {w} command that prints the {w2} as JSON.",
    "Refactor {t}::{w} so it no longer clones the {w2} buffer on every call.",
    "Why is the {w} benchmark 30% slower since yesterday? Find the regression.",
    "Write unit tests for the {w2} parser, including the empty-input case.",
    "Rename {w} to {w2} everywhere and update the docs.",
    "The CI job fails with \"{w} not found\". Please investigate and fix it.",
    "Implement pagination for the /{w}s endpoint (cursor based, 50 per page).",
    "Review the diff in src/{w}.rs and point out anything risky.",
    "Make {t} serializable with serde and add a roundtrip test.",
    "Add retry with exponential backoff to the {w} client.",
    "Summarize what this repository does and where the {w2} logic lives.",
];

/// A user prompt.
pub(crate) fn prompt(r: &mut Rng) -> String {
    r.pick(PROMPTS)
        .replace("{w2}", w(r))
        .replace("{w}", w(r))
        .replace("{t}", ty(r))
}

const SUMMARIES: &[&str] = &[
    "Inspecting the {w} module",
    "Planning the {w} change",
    "Running the test suite",
    "Checking how {w} is used",
    "Reading the {w} parser",
    "Verifying the {w} fix",
];

/// A reasoning summary line.
pub(crate) fn summary(r: &mut Rng) -> String {
    format!("**{}**", r.pick(SUMMARIES).replace("{w}", w(r)))
}

const SENTENCES: &[&str] = &[
    "I updated `{t}::{w}` so the {w2} is computed once and reused.",
    "The failing test was caused by an off-by-one error in the {w} loop.",
    "All tests pass now (`cargo test` reports no failures).",
    "I added a regression test that covers the empty {w2} case.",
    "The {w} path now returns an error instead of panicking on malformed input.",
    "There is one remaining warning about an unused `{w2}` variable; it is harmless.",
    "You may want to run the full suite locally before merging.",
    "Next step: wire the new {w} option into the CLI help text.",
    "I did not touch the public API; only private helpers changed.",
];

/// An assistant's final message of roughly `len` bytes (markdown-ish).
pub(crate) fn agent_message(r: &mut Rng, len: usize) -> String {
    let mut s = String::with_capacity(len + 160);
    s.push_str("Done. Summary of the changes:\n\n");
    while s.len() < len {
        s.push_str("- ");
        s.push_str(
            &r.pick(SENTENCES)
                .replace("{w2}", w(r))
                .replace("{w}", w(r))
                .replace("{t}", ty(r)),
        );
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_matches_serde() {
        let s = "a\"b\\c\nd\te\u{1}f";
        let mut v = Vec::new();
        escape_into(&mut v, s.as_bytes());
        let ours = format!("\"{}\"", String::from_utf8(v).unwrap());
        assert_eq!(ours, serde_json::to_string(s).unwrap());
        assert_eq!(format!("\"{}\"", J(s)), serde_json::to_string(s).unwrap());
    }

    #[test]
    fn window_is_line_aligned() {
        let pools = Pools::new(1);
        let mut r = Rng::new(2);
        for len in [100usize, 5000, 250_000] {
            let mut out = Vec::new();
            Pools::window(&mut r, &pools.rust, len, &mut out);
            assert!(
                out.len() <= len + 1 && out.len() + 400 >= len,
                "{len} {}",
                out.len()
            );
            assert!(out.is_ascii());
        }
    }
}
