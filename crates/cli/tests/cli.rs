//! The `agentobs` binary end to end: output, warnings on stderr, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn agentobs(args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env_remove("CODEX_HOME")
        .env_remove("AGENTOBS_PRICE_BOOK")
        .output()
        .unwrap()
}

#[test]
fn events_lines_and_json() {
    let cache = tempfile::tempdir().unwrap();
    let dir = fixtures().join("codex-0.169/tool_fail");
    let out = agentobs(&["events", dir.to_str().unwrap()], cache.path());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("tool_result"));
    assert!(text.contains("tool=exec_command"));
    assert!(text.contains("success=false exit=2"));
    let out = agentobs(&["events", "--json", dir.to_str().unwrap()], cache.path());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["schema"], "agentobs.event/v1");
    assert!(
        lines
            .iter()
            .any(|e| e["type"] == "tool_result" && e["exit_code"] == 2)
    );
}

#[test]
fn warnings_go_to_stderr_with_path_and_line_and_exit_zero() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rollout-bad.jsonl");
    let mut text = std::fs::read_to_string(fixtures().join("traps/reemit.jsonl")).unwrap();
    text.insert_str(0, "{not json\n");
    std::fs::write(&p, text).unwrap();
    let out = agentobs(&["events", p.to_str().unwrap()], cache.path());
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("{}:1: ", p.display())), "{err}");
}

#[test]
fn usage_errors_exit_two() {
    let cache = tempfile::tempdir().unwrap();
    let out = agentobs(&["events", "/definitely/not/here"], cache.path());
    assert_eq!(out.status.code(), Some(2));
    let out = agentobs(&["report", "--by", "colour"], cache.path());
    assert_eq!(out.status.code(), Some(2));
    let out = agentobs(&["report", "--timezone", "Mars/Olympus"], cache.path());
    assert_eq!(out.status.code(), Some(2));
    let out = agentobs(&["frobnicate"], cache.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn report_table_and_json() {
    let cache = tempfile::tempdir().unwrap();
    let dir = fixtures().join("codex-0.169");
    let d = dir.to_str().unwrap();
    let out = agentobs(&["report", d, "--timezone", "UTC"], cache.path());
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    assert!(table.contains("2026-11-25"));
    assert!(table.lines().any(|l| l.starts_with("Total")));
    let out = agentobs(
        &[
            "report",
            d,
            "--timezone",
            "UTC",
            "--json",
            "--by",
            "day,model",
        ],
        cache.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "agentobs.report/v1");
    assert_eq!(v["group_by"], serde_json::json!(["day", "model"]));
    // Nine threads, eight with usage (the context-overflow run billed nothing): plain and
    // reasoning 4390 each, five two-request runs 8780 each, the reviewer sub-thread 2890.
    assert_eq!(v["totals"]["sessions"], 8);
    assert_eq!(v["totals"]["input_tokens"], 4390 * 2 + 8780 * 5 + 2890);
    assert_eq!(v["rows"][0]["key"]["model"], "gpt-5.1-codex");
    assert!(v["warnings"].as_array().unwrap().is_empty());
}

#[test]
fn price_book_override_and_unpriced_models() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("prices.json");
    std::fs::write(
        &book,
        r#"{"gpt-5.1-codex": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.00001}}"#,
    )
    .unwrap();
    let plain = fixtures().join("codex-0.169/plain");
    let out = agentobs(
        &[
            "report",
            plain.to_str().unwrap(),
            "--json",
            "--price-book",
            book.to_str().unwrap(),
            "--no-cache",
        ],
        cache.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // 4390 input × $1/M + 38 output × $10/M = 0.00439 + 0.00038
    let cost = v["totals"]["cost_usd"].as_f64().unwrap();
    assert!((cost - 0.00477).abs() < 1e-12, "{cost}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[models.x]\ninput = -1\noutput = 1\n").unwrap();
    let out = agentobs(
        &[
            "report",
            plain.to_str().unwrap(),
            "--price-book",
            bad.to_str().unwrap(),
        ],
        cache.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("bad.toml"));
}
