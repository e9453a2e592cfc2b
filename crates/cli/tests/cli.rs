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

#[test]
fn service_tier_from_config_then_flag() {
    let cache = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let day = home.path().join("sessions/2025/09/12");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::copy(
        fixtures().join("traps/no_turn_context.jsonl"),
        day.join("rollout-2025-09-12T16-00-00-2c9d8e7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f.jsonl"),
    )
    .unwrap();
    let h = home.path().to_str().unwrap();
    let cost = |extra: &[&str]| -> f64 {
        let mut args = vec!["report", "--codex-home", h, "--json", "--no-cache"];
        args.extend_from_slice(extra);
        let out = agentobs(&args, cache.path());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["totals"]["cost_usd"].as_f64().unwrap()
    };
    // gpt-5 (inferred), 3000 input of which 1000 cached, 200 output.
    // standard 1.25/0.125/10: 2000·1.25 + 1000·0.125 + 200·10 = 4625 µ$
    assert!((cost(&[]) - 0.004625).abs() < 1e-12);
    // flex 0.625/0.0625/5: 1250 + 62.5 + 1000 = 2312.5 µ$
    assert!((cost(&["--service-tier", "flex"]) - 0.0023125).abs() < 1e-12);
    // config.toml says fast (priority 2.5/0.25/20): 5000 + 250 + 4000 = 9250 µ$; the flag is
    // only the last resort.
    std::fs::write(home.path().join("config.toml"), "service_tier = \"fast\"\n").unwrap();
    assert!((cost(&[]) - 0.00925).abs() < 1e-12);
    assert!((cost(&["--service-tier", "flex"]) - 0.00925).abs() < 1e-12);
}
