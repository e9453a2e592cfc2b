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
fn warnings_go_to_stderr_with_path_and_line_and_exit_three() {
    let cache = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rollout-bad.jsonl");
    let mut text = std::fs::read_to_string(fixtures().join("traps/reemit.jsonl")).unwrap();
    text.insert_str(0, "{not json\n");
    std::fs::write(&p, text).unwrap();
    let out = agentobs(&["events", p.to_str().unwrap()], cache.path());
    assert_eq!(out.status.code(), Some(3), "3: complete, with warnings");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(&format!("{}:1: ", p.display())), "{err}");
}

/// A Codex home of three sessions, one of them damaged in the ways that once panicked: a line
/// cut after a backslash, a non-ASCII id, a byte-order mark, a far reset time.
fn home_with_one_poisoned_file() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let day = home.path().join("sessions/2026/11/25");
    std::fs::create_dir_all(&day).unwrap();
    for (name, src) in [
        (
            "rollout-2026-11-25T08-21-01-01a211cb-3c46-7bb3-af1a-a652150d45a1.jsonl",
            "tool",
        ),
        (
            "rollout-2026-11-25T08-21-01-01a211cb-3c46-7bb3-af1a-a652150d45a2.jsonl",
            "plain",
        ),
    ] {
        let dir = fixtures().join("codex-0.169").join(src);
        let file = std::fs::read_dir(&dir).unwrap().find_map(|e| {
            let p = e.unwrap().path();
            (p.extension().is_some_and(|x| x == "jsonl")).then_some(p)
        });
        std::fs::copy(file.unwrap(), day.join(name)).unwrap();
    }
    let poisoned = concat!(
        "\u{feff}",
        r#"{"timestamp":"2026-11-25T09:00:00.000Z","type":"session_meta","payload":{"id":"01a2é1cb-0000-7000-8000-000000000009","cwd":"C:\\Users\\dév"}}"#,
        "\n",
        r#"{"timestamp":"2026-11-25T09:00:00.100Z","type":"event_msg","payload":{"type":"token_count","info":null,"rate_limits":{"primary":{"used_percent":5.0,"resets_in_seconds":9223372036854775807}}}}"#,
        "\n",
        r#"{"timestamp":"2026-11-25T09:00:00.200Z","type":"turn_context","payload":{"turn_id":"x","cwd":"C:\"#,
        "\n",
    );
    std::fs::write(
        day.join("rollout-2026-11-25T09-00-00-01a2é1cb-0000-7000-8000-000000000009.jsonl"),
        poisoned,
    )
    .unwrap();
    home
}

#[test]
fn a_poisoned_file_costs_only_itself() {
    let cache = tempfile::tempdir().unwrap();
    let home = home_with_one_poisoned_file();
    let clean = tempfile::tempdir().unwrap();
    let day = clean.path().join("sessions/2026/11/25");
    std::fs::create_dir_all(&day).unwrap();
    for e in std::fs::read_dir(home.path().join("sessions/2026/11/25")).unwrap() {
        let p = e.unwrap().path();
        if !p.to_string_lossy().contains("000000000009") {
            std::fs::copy(&p, day.join(p.file_name().unwrap())).unwrap();
        }
    }
    let args = |h: &Path| {
        vec![
            "report".to_owned(),
            "--codex-home".into(),
            h.display().to_string(),
            "--json".into(),
            "--no-cache".into(),
        ]
    };
    let run = |h: &Path, panic_on: Option<&str>| {
        let a = args(h);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentobs"));
        cmd.args(&a)
            .env("XDG_CACHE_HOME", cache.path())
            .env_remove("CODEX_HOME")
            .env_remove("AGENTOBS_PRICE_BOOK");
        if let Some(p) = panic_on {
            cmd.env("AGENTOBS_TEST_PANIC_ON", p);
        }
        cmd.output().unwrap()
    };
    let want: serde_json::Value = serde_json::from_slice(&run(clean.path(), None).stdout).unwrap();
    // The damaged file gives warnings, never a panic, and the others' numbers are all there.
    let out = run(home.path(), None);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got["totals"]["input_tokens"],
        want["totals"]["input_tokens"]
    );
    assert!(!got["warnings"].as_array().unwrap().is_empty());
    // A panic inside one file's reading (forced by a debug-build test seam) is that file's
    // warning: exit 3, every other file's figures, a warning naming the file.
    let out = run(home.path(), Some("a652150d45a2"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = got["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w["kind"] == "internal"
            && w["path"].as_str().unwrap().contains("a652150d45a2")
            && w["message"].as_str().unwrap().contains("internal error")),
        "{warnings:?}"
    );
    let tool_only = got["totals"]["input_tokens"].as_u64().unwrap();
    assert!(tool_only > 0 && tool_only < want["totals"]["input_tokens"].as_u64().unwrap());
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
    // Ten threads, nine with usage (the context-overflow run billed nothing): plain and
    // reasoning 4390 each, five two-request runs 8780 each, the reviewer sub-thread 2890,
    // and the hook-denied run 4200 + 4600.
    assert_eq!(v["totals"]["sessions"], 9);
    assert_eq!(
        v["totals"]["input_tokens"],
        4390 * 2 + 8780 * 5 + 2890 + 8800
    );
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

#[test]
fn map_writes_otlp_json_per_dialect() {
    let cache = tempfile::tempdir().unwrap();
    let dir = fixtures().join("codex-0.169/tool_approved_by_reviewer");
    let dir = dir.to_str().unwrap();
    let lines = |out: &Output| -> Vec<serde_json::Value> {
        String::from_utf8(out.stdout.clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let out = agentobs(&["map", dir], cache.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    assert!(l[0]["resourceSpans"].is_array());
    let text = serde_json::to_string(&l).unwrap();
    assert!(text.contains("\"invoke_agent guardian\""));
    assert!(text.contains("gen_ai.usage.cache_creation.input_tokens"));
    assert!(text.contains("https://opentelemetry.io/schemas/1.41.0"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("→ genai: 6 spans"), "{stderr}");

    // The ecosystem's switch selects the latest names.
    let out = Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args(["map", dir])
        .env(
            "OTEL_SEMCONV_STABILITY_OPT_IN",
            "http,gen_ai_latest_experimental",
        )
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("gen_ai.usage.cache_write.input_tokens"));
    assert!(!text.contains("cache_creation"));

    let out = agentobs(&["map", "--dialect", "codex", dir], cache.path());
    let text = serde_json::to_string(&lines(&out)).unwrap();
    assert!(text.contains("codex.turn.token_usage"));
    assert!(text.contains("\"codex.sse_event\""));
    assert!(
        !text.contains("resourceSpans"),
        "the codex dialect has no spans"
    );

    let out = agentobs(&["map", "--dialect", "openinference", dir], cache.path());
    let text = serde_json::to_string(&lines(&out)).unwrap();
    assert!(text.contains("GUARDRAIL") && text.contains("llm.cost.total"));
}

#[test]
fn map_content_capture_dates_and_usage_errors() {
    let cache = tempfile::tempdir().unwrap();
    let dir = fixtures().join("codex-0.169/tool");
    let dir = dir.to_str().unwrap();
    let out = agentobs(&["map", dir], cache.path());
    let plain = String::from_utf8(out.stdout).unwrap();
    assert!(!plain.contains("gen_ai.tool.call.arguments"));
    let out = agentobs(
        &[
            "map",
            "--capture",
            "tool-arguments",
            "--max-content-chars",
            "5",
            dir,
        ],
        cache.path(),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("gen_ai.tool.call.arguments"));
    assert!(text.contains("truncated"));
    assert!(!text.contains("gen_ai.tool.call.result"));

    // The fixtures ran on 2026-11-25.
    let out = agentobs(
        &["map", "--since", "2026-11-26", "--timezone", "UTC", dir],
        cache.path(),
    );
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "nothing in range");
    let out = agentobs(
        &["map", "--until", "20261125", "--timezone", "UTC", dir],
        cache.path(),
    );
    assert_eq!(out.stdout, plain.as_bytes());

    let file = cache.path().join("out.jsonl");
    let out = agentobs(&["map", "-o", file.to_str().unwrap(), dir], cache.path());
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), plain);

    for bad in [
        vec!["map", "--dialect", "langfuse", dir],
        vec!["map", "--capture", "secrets", dir],
        vec!["map", "--endpoint", "localhost:4318", dir],
        vec!["map", "--protocol", "http/json", dir],
        vec!["map", "--endpoint", "http://127.0.0.1:1", "-o", "x", dir],
    ] {
        let out = agentobs(&bad, cache.path());
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let out = agentobs(
        &["map", "--endpoint", "http://127.0.0.1:1", dir],
        cache.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unreachable receiver fails the run"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("/v1/traces"));
}

#[test]
fn export_needs_a_destination_and_reports_failures() {
    let cache = tempfile::tempdir().unwrap();
    let dir = fixtures().join("codex-0.169/tool");
    let dir = dir.to_str().unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_agentobs"));
        c.args(args).env("XDG_CACHE_HOME", cache.path());
        for k in [
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_SDK_DISABLED",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            c.env_remove(k);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let out = run(&["export", dir], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nowhere to export"));
    let out = run(
        &["export", dir],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"),
            ("OTEL_SDK_DISABLED", "true"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "disabled: nowhere to export");
    let out = run(
        &[
            "export",
            "--endpoint",
            "http://127.0.0.1:1",
            "--protocol",
            "grpc",
            dir,
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "gRPC to nowhere: delivery failed"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("127.0.0.1:1"));
    // An [otel] section with statsig is refused, naming the key.
    let cfg = cache.path().join("config.toml");
    std::fs::write(&cfg, "[otel]\nmetrics_exporter = \"statsig\"\n").unwrap();
    let out = run(&["export", "--config", cfg.to_str().unwrap(), dir], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("metrics_exporter = \"statsig\""));
    // A receiver that is not there: the run fails and says where it tried.
    let out = run(
        &[
            "export",
            "--endpoint",
            "http://127.0.0.1:1",
            "--header",
            "authorization=Bearer s3cr3t",
            dir,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
}

/// `agentobs export --prometheus-listen`: the sessions' metrics (and, with `--alerts`, the
/// engine's alerts counter) served at `/metrics` while the command lingers.
#[test]
fn export_serves_prometheus_metrics_while_it_lingers() {
    use std::io::{BufRead, BufReader, Read, Write};
    let cache = tempfile::tempdir().unwrap();
    let dir = fixtures().join("codex-0.169/ctx_window_sse");
    let mut child = Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args(["export", "--dialect", "codex", "--alerts"])
        .args([
            "--prometheus-listen",
            "127.0.0.1:0",
            "--prometheus-linger",
            "3",
        ])
        .arg(&dir)
        .env("XDG_CACHE_HOME", cache.path())
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let addr = loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "no address: {seen}");
        seen.push_str(&line);
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.trim().trim_end_matches("/metrics").to_owned();
        }
    };
    // The server answers as soon as it listens; wait for the sessions to be read.
    while !seen.contains("serving /metrics") {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "{seen}");
        seen.push_str(&line);
    }
    let mut c = std::net::TcpStream::connect(&addr).unwrap();
    c.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
    let mut body = String::new();
    c.read_to_string(&mut body).unwrap();
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(body.contains("text/plain; version=0.0.4"), "{body}");
    assert!(
        body.contains(
            "agentobs_alerts_total{agentobs_alert_rule=\"context_exhaustion\",\
                       agentobs_alert_severity=\"critical\",instance=\"01a211cb-c00c-74b2-bbef-\
                       4b71ed336802\",job=\"codex_exec\"} 1"
        ),
        "{body}"
    );
    assert!(body.contains("# TYPE codex_turn_e2e_duration_ms_milliseconds histogram"));
    let status = child.wait().unwrap();
    err.read_to_string(&mut seen).unwrap();
    assert!(status.success(), "{seen}");
    assert!(seen.contains("answered 1 scrapes"), "{seen}");
    // Loopback only; and nowhere at all is still a usage error.
    let out = agentobs(
        &[
            "export",
            "--prometheus-listen",
            "0.0.0.0:9464",
            dir.to_str().unwrap(),
        ],
        cache.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

/// `agentobs rules prometheus` and `agentobs dashboards grafana`.
#[test]
fn prometheus_rules_and_grafana_dashboards() {
    let cache = tempfile::tempdir().unwrap();
    let out = agentobs(&["rules", "prometheus", "--dialect", "codex"], cache.path());
    assert!(out.status.success());
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.starts_with("# Prometheus alerting rules for agentobs dialect codex"));
    assert!(yaml.contains("codex_tool_call_total"), "{yaml}");
    assert!(yaml.contains("        for: 5m\n"));
    let rules = cache.path().join("rules.toml");
    std::fs::write(&rules, "[tool_call_storm]\nmax_tool_calls = 7\n").unwrap();
    let out = agentobs(
        &[
            "rules",
            "prometheus",
            "--rules",
            rules.to_str().unwrap(),
            "--for",
            "0s",
            "--translation",
            "NoUTF8EscapingWithSuffixes",
        ],
        cache.path(),
    );
    assert!(out.status.success());
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(yaml.contains("[15m])) > 7\""), "{yaml}");
    assert!(yaml.contains("__name__=\\\"gen_ai.client.operation.duration_seconds_count\\\""));
    assert!(String::from_utf8_lossy(&out.stderr).contains("need Prometheus ≥ 3.0"));
    for bad in [
        &["rules", "prometheus", "--dialect", "nope"][..],
        &["rules", "prometheus", "--translation", "Underscores"],
        &["rules", "prometheus", "--window", "1m"],
        &["rules", "prometheus", "--for", "5 minutes"],
    ] {
        assert_eq!(
            agentobs(bad, cache.path()).status.code(),
            Some(2),
            "{bad:?}"
        );
    }
    let boards = cache.path().join("boards");
    let out = agentobs(
        &[
            "dashboards",
            "grafana",
            "--output",
            boards.to_str().unwrap(),
        ],
        cache.path(),
    );
    assert!(out.status.success());
    for d in ["genai", "genai-latest", "codex", "openinference"] {
        let text = std::fs::read_to_string(boards.join(format!("agentobs-{d}.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["schemaVersion"], 39, "{d}");
        assert_eq!(v["templating"]["list"][0]["name"], "datasource", "{d}");
    }
}

#[path = "../../../tests/receiver.rs"]
#[allow(dead_code)]
mod receiver;

/// `gen_ai.conversation.id` of the agent spans a receiver got.
fn agent_conversations(r: &receiver::Receiver) -> Vec<String> {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    use prost::Message;
    let mut out: Vec<String> = r
        .requests_to("/v1/traces")
        .iter()
        .flat_map(|q| {
            ExportTraceServiceRequest::decode(&q.body[..])
                .unwrap()
                .resource_spans
        })
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .filter(|s| s.name.starts_with("invoke_agent"))
        .filter_map(|s| {
            s.attributes
                .into_iter()
                .find(|kv| kv.key == "gen_ai.conversation.id")
                .and_then(|kv| match kv.value?.value? {
                    Value::StringValue(v) => Some(v),
                    _ => None,
                })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn watch_follows_new_sessions_as_they_are_written_and_stops_cleanly() {
    use std::io::Write;
    let cache = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let day = home.path().join("sessions/2026/11/25");
    std::fs::create_dir_all(&day).unwrap();
    let old = fixtures().join(
        "codex-0.169/tool/rollout-2026-11-25T08-21-01-01a211cb-3c46-7bb3-af1a-a652150d45a3.jsonl",
    );
    std::fs::copy(&old, day.join(old.file_name().unwrap())).unwrap();
    let r = receiver::Receiver::start();
    let child = Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args(["watch", "--codex-home", home.path().to_str().unwrap()])
        .args([
            "--endpoint",
            &r.url(),
            "--poll-interval",
            "100",
            "--idle-close",
            "1",
        ])
        .args(["--duration", "60"])
        .env("XDG_CACHE_HOME", cache.path())
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_SDK_DISABLED")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    // A new session, written a few lines at a time (a last line cut in two).
    let new = fixtures().join("codex-0.169/tool_fail/rollout-2026-11-25T08-21-10-01a211cb-5d67-7e11-8d91-4c2724a0d00a.jsonl");
    let text = std::fs::read(&new).unwrap();
    let mut out = std::fs::File::create(day.join(new.file_name().unwrap())).unwrap();
    for chunk in text.chunks(text.len() / 5 + 1) {
        out.write_all(chunk).unwrap();
        out.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    // Idle for a second: the session closes and its agent span goes out.
    let got = r.wait_until(std::time::Duration::from_secs(20), |q| !q.is_empty());
    assert!(!got.is_empty());
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while agent_conversations(&r).is_empty() && std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        agent_conversations(&r),
        ["01a211cb-5d67-7e11-8d91-4c2724a0d00a"],
        "only the session written while watching"
    );
    // SIGTERM: a clean stop with counts.
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("inotify") && err.contains("sent"), "{err}");
}

#[test]
fn check_prints_alerts_with_evidence_and_gates_with_fail_on() {
    let cache = tempfile::tempdir().unwrap();
    let fail = fixtures().join("codex-0.169/ctx_window_sse");
    let fail = fail.to_str().unwrap();
    let out = agentobs(&["check", fail], cache.path());
    assert_eq!(out.status.code(), Some(0), "default --fail-on never");
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("critical  context_exhaustion"), "{table}");
    assert!(table.contains(".jsonl:12"), "{table}");
    let out = agentobs(
        &["check", "--json", "--fail-on", "critical", fail],
        cache.path(),
    );
    assert_eq!(out.status.code(), Some(1), "a critical alert fails the run");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema"], "agentobs.alerts/v1");
    assert_eq!(json["alerts"][0]["rule"], "context_exhaustion");
    assert_eq!(
        json["alerts"][0]["session_id"],
        "01a211cb-c00c-74b2-bbef-4b71ed336802"
    );
    // A warning does not fail a run gated on critical; it fails one gated on warning.
    let warn = fixtures().join("codex-0.169/tool_fail");
    let warn = warn.to_str().unwrap();
    let code = |gate| {
        agentobs(&["check", "--fail-on", gate, warn], cache.path())
            .status
            .code()
    };
    assert_eq!((code("critical"), code("warning")), (Some(0), Some(1)));
    // Normal work: nothing, exit 0.
    let plain = fixtures().join("codex-0.169/plain");
    let out = agentobs(
        &["check", "--fail-on", "info", plain.to_str().unwrap()],
        cache.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "no alerts");
}

#[test]
fn check_rejects_bad_rules_and_flags_with_the_place() {
    let cache = tempfile::tempdir().unwrap();
    let rules = cache.path().join("rules.toml");
    std::fs::write(&rules, "[tool_loop]\nrepeats = 4\nrepeat = 3\n").unwrap();
    let plain = fixtures().join("codex-0.169/plain");
    let args = [
        "check",
        "--rules",
        rules.to_str().unwrap(),
        plain.to_str().unwrap(),
    ];
    let out = agentobs(&args, cache.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("rules.toml:3:1"), "{err}");
    let out = agentobs(
        &["check", "--fail-on", "loud", plain.to_str().unwrap()],
        cache.path(),
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn baseline_then_check_against_it() {
    let cache = tempfile::tempdir().unwrap();
    let out_file = cache.path().join("baseline.json");
    let home = fixtures().join("codex-0.169");
    let out = agentobs(
        &[
            "baseline",
            home.to_str().unwrap(),
            "--output",
            out_file.to_str().unwrap(),
            "--min-sessions",
            "2",
        ],
        cache.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(b["schema"], "agentobs.baseline/v1");
    let all = &b["groups"][0];
    assert!(all["sessions"].as_u64().unwrap() >= 8, "{all}");
    assert!(
        all["session_tokens"]["p95"].as_f64().unwrap() > 0.0,
        "{all}"
    );
    let out = agentobs(
        &[
            "check",
            "--baseline",
            out_file.to_str().unwrap(),
            home.to_str().unwrap(),
        ],
        cache.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hook_denies_by_policy_and_records_stop() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.jsonl");
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "deny_network = true\n").unwrap();
    let hook = |input: String| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_agentobs"))
            .args([
                "hook",
                "--policy",
                policy.to_str().unwrap(),
                "--ledger",
                ledger.to_str().unwrap(),
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let pre = |cmd: &str| {
        serde_json::json!({"hook_event_name": "PreToolUse", "session_id": "s", "cwd": "/w",
            "tool_name": "Bash", "tool_use_id": "c1", "tool_input": {"command": cmd}})
        .to_string()
    };
    let out = hook(pre("curl -s http://example.com"));
    assert_eq!(out.status.code(), Some(0));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["hookSpecificOutput"]["permissionDecision"], "deny");
    let out = hook(pre("ls"));
    assert_eq!(
        (out.status.code(), out.stdout.len()),
        (Some(0), 0),
        "allowed: no answer"
    );
    let rollout = fixtures().join("codex-0.169/tool_fail");
    let rollout = std::fs::read_dir(&rollout)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .unwrap();
    let stop = serde_json::json!({"hook_event_name": "Stop", "session_id": "s", "turn_id": "t",
        "transcript_path": rollout.to_str().unwrap()});
    let out = hook(stop.to_string());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&ledger)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["hook"].as_str(), lines[0]["rule"].as_str()),
        (Some("PreToolUse"), Some("network"))
    );
    let s = &lines[1];
    assert_eq!(s["schema"], "agentobs.ledger/v1");
    // tool_fail's two requests: 4390 + 4390 input (8064 cached), 57 + 38 output.
    assert_eq!(s["tokens"]["input"], 8780);
    assert_eq!(s["tokens"]["output"], 95);
    assert_eq!(s["alerts"][0]["rule"], "false_success");
    assert_eq!(s["complete"], true);
    // A broken policy denies (fails closed), a broken input is an error.
    std::fs::write(&policy, "deny_commands = ['(']\n").unwrap();
    let out = hook(pre("ls"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("denied"));
    assert_eq!(hook("{not json".into()).status.code(), Some(1));
}

#[test]
fn map_with_alerts_sends_them_as_log_records() {
    let cache = tempfile::tempdir().unwrap();
    let dir = fixtures().join("codex-0.169/tool_fail");
    let out = agentobs(&["map", "--alerts", dir.to_str().unwrap()], cache.path());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(r#""agentobs.alert""#), "no alert log record");
    assert!(text.contains(r#""agentobs.alerts""#), "no alert counter");
    let out = agentobs(&["map", dir.to_str().unwrap()], cache.path());
    assert!(
        !String::from_utf8(out.stdout)
            .unwrap()
            .contains("agentobs.alert")
    );
}

/// A home with all three harnesses in their default places: `~/.codex`, `~/.claude/projects`
/// and `~/.gemini/tmp/<project>/chats`.
fn three_harness_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    };
    let codex = fixtures().join("codex-0.171/tool");
    for e in std::fs::read_dir(&codex).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "jsonl") {
            copy(
                &e.path(),
                &home
                    .path()
                    .join(".codex/sessions/2026/11/25")
                    .join(e.file_name()),
            );
        }
    }
    copy(
        &crates.join("claude/tests/fixtures/claude-code-2.1.197/tool/transcript.jsonl"),
        &home.path().join(".claude/projects/-w-demo/tool.jsonl"),
    );
    copy(
        &crates.join("gemini/tests/fixtures/gemini-cli-0.61.0/tool/chat.jsonl"),
        &home
            .path()
            .join(".gemini/tmp/demo/chats/session-tool.jsonl"),
    );
    home
}

fn agentobs_home(args: &[&str], home: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("CODEX_HOME")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("GEMINI_CLI_HOME")
        .env_remove("AGENTOBS_PRICE_BOOK")
        .output()
        .unwrap()
}

#[test]
fn report_by_harness_reads_every_default_home() {
    let home = three_harness_home();
    let out = agentobs_home(&["report", "--by", "harness,model", "--json"], home.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<(String, String, u64, u64, u64, u64, f64)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"]["harness"].as_str().unwrap().to_owned(),
                r["key"]["model"].as_str().unwrap().to_owned(),
                r["input_tokens"].as_u64().unwrap(),
                r["cached_input_tokens"].as_u64().unwrap(),
                r["cache_write_input_tokens"].as_u64().unwrap(),
                r["output_tokens"].as_u64().unwrap(),
                r["cost_usd"].as_f64().unwrap(),
            )
        })
        .collect();
    let harnesses: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        harnesses,
        ["claude_code", "codex", "gemini_cli"],
        "{rows:?}"
    );
    // Each row priced by hand from its own tokens and the book's rates (USD per 1M):
    // claude-opus-4-8 5 / 0.50 / 6.25 / 25; gemini-3.8-flash 0.75 / 0.075 / - / 3.75.
    let cost = |r: &(String, String, u64, u64, u64, u64, f64), p: [f64; 4]| {
        ((r.2 - r.3 - r.4) as f64 * p[0]
            + r.3 as f64 * p[1]
            + r.4 as f64 * p[2]
            + r.5 as f64 * p[3])
            / 1e6
    };
    let claude = &rows[0];
    assert_eq!(claude.1, "claude-opus-4-8");
    assert_eq!((claude.2, claude.3, claude.5), (7_430, 3_000, 85));
    assert!((claude.6 - cost(claude, [5.0, 0.5, 6.25, 25.0])).abs() < 1e-12);
    let gemini = &rows[2];
    assert_eq!(gemini.1, "gemini-3.8-flash");
    assert!((gemini.6 - cost(gemini, [0.75, 0.075, 0.75, 3.75])).abs() < 1e-12);
    // The same home read one harness at a time gives the same rows.
    for (flag, name) in [
        ("codex", "codex"),
        ("claude", "claude_code"),
        ("gemini", "gemini_cli"),
    ] {
        let out = agentobs_home(
            &["report", "--harness", flag, "--by", "harness", "--json"],
            home.path(),
        );
        let one: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let row = &one["rows"][0];
        assert_eq!(one["rows"].as_array().unwrap().len(), 1);
        assert_eq!(row["key"]["harness"], name);
        let want = rows.iter().find(|r| r.0 == name).unwrap();
        assert_eq!(row["input_tokens"].as_u64().unwrap(), want.2);
    }
}

#[test]
fn events_and_check_read_the_harness_named() {
    let home = three_harness_home();
    let out = agentobs_home(&["events", "--harness", "gemini", "--json"], home.path());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() > 3);
    assert!(text.lines().all(|l| l.contains("\"gemini_cli\"")), "{text}");
    // A Claude transcript given as a PATH with --harness claude.
    let path = home.path().join(".claude/projects/-w-demo/tool.jsonl");
    let out = agentobs_home(
        &["events", "--harness", "claude", path.to_str().unwrap()],
        home.path(),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("tool_result"), "{text}");
    let out = agentobs_home(&["check", "--json"], home.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 files"), "{stderr}");
    let out = agentobs_home(&["report", "--harness", "copilot"], home.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--harness \"copilot\""));
}
