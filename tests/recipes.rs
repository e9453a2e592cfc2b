//! The backend recipes of `docs/backends.md`, read from the document, pointed at in-process
//! receivers in place of the vendors' hosts: the exact paths and headers each one sends.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use agentobs::codex::otel::OtelConfig;
use agentobs::export::config::{ExportConfig, Transport};
use agentobs::schema::{Harness, SessionContext, TokenUsage};
use agentobs::telemetry::{Telemetry, ToolCall};

use agentobs_testing::Receiver;

/// The `# recipe: NAME` TOML blocks of the document.
fn recipes() -> Vec<(String, String)> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/backends.md"))
            .unwrap();
    let mut out = Vec::new();
    for block in doc.split("```toml\n").skip(1) {
        let body = block.split("```").next().unwrap();
        let name = body
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# recipe: "))
            .expect("each block names its recipe");
        out.push((name.to_owned(), body.to_owned()));
    }
    out
}

/// `text` with every endpoint's scheme and host replaced by `url`.
fn pointed_at(text: &str, url: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("endpoint = \"") {
        let start = i + "endpoint = \"".len();
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find('"').unwrap();
        let full = &tail[..end];
        let after_scheme = full.split_once("://").unwrap().1;
        let path = after_scheme.find('/').map_or("", |p| &after_scheme[p..]);
        out.push_str(url);
        out.push_str(path);
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn env(k: &str) -> Option<String> {
    match k {
        "GRAFANA_OTLP_AUTH" => Some("MTIzNDU2OmdsY19zZWNyZXQ=".into()),
        "SIGNOZ_INGESTION_KEY" => Some("sz-key-1".into()),
        "CORALOGIX_KEY" => Some("cx-key-1".into()),
        _ => None,
    }
}

fn resolve(text: &str) -> ExportConfig {
    let otel = OtelConfig::parse(text, Path::new("config.toml"), &env)
        .unwrap()
        .unwrap();
    ExportConfig::builder().resolve(Some(&otel), &env).unwrap()
}

fn run(config: &ExportConfig) {
    let t = Telemetry::builder()
        .otlp(config, "genai")
        .unwrap()
        .otlp(config, "codex")
        .unwrap()
        .build();
    let mut c = SessionContext::new(Harness::Codex);
    c.thread_id = Some("recipe-thread".into());
    c.model = Some("gpt-5".into());
    let s = t.session(c);
    s.turn_started("t1");
    s.token_usage(TokenUsage {
        input_tokens: 100,
        output_tokens: 5,
        ..Default::default()
    });
    s.tool_result(ToolCall {
        tool: "shell",
        call_id: "c1",
        success: true,
        ..Default::default()
    });
    s.turn_completed("t1");
    s.end();
    let report = t.shutdown(Duration::from_secs(10));
    assert!(report.complete(), "{report:?}");
}

#[test]
fn every_recipe_sends_the_paths_and_headers_its_backend_expects() {
    let all = recipes();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["grafana-cloud", "signoz", "coralogix", "datadog"]);
    for (name, text) in &all {
        // As written: the transports and endpoints the vendor documents.
        let as_written = resolve(text);
        let traces = as_written.traces.as_ref().unwrap();
        match name.as_str() {
            "signoz" => {
                assert_eq!(traces.transport, Transport::Grpc);
                assert_eq!(traces.endpoint, "https://ingest.us.signoz.cloud:443");
            }
            "grafana-cloud" => assert!(traces.endpoint.ends_with("/otlp/v1/traces")),
            _ => assert!(traces.endpoint.ends_with("/v1/traces")),
        }
        if name == "signoz" {
            let r = Receiver::start();
            run(&resolve(&pointed_at(text, &r.grpc_url())));
            let calls = r.wait_until(Duration::from_secs(10), |c| {
                c.iter()
                    .filter_map(|c| c.signal())
                    .collect::<BTreeSet<_>>()
                    .len()
                    == 3
            });
            let signals: BTreeSet<&str> = calls
                .iter()
                .filter_map(|c| c.signal())
                .map(|s| s.as_str())
                .collect();
            assert_eq!(signals, ["logs", "metrics", "traces"].into(), "{name}");
            for c in &calls {
                assert!(c.items() > 0, "{c:?}");
                assert_eq!(c.header("signoz-ingestion-key"), Some("sz-key-1"));
            }
            continue;
        }
        let r = Receiver::start();
        run(&resolve(&pointed_at(text, &r.url())));
        let got = r.requests();
        let paths: BTreeSet<&str> = got.iter().map(|q| q.path.as_str()).collect();
        let prefix = if name == "grafana-cloud" { "/otlp" } else { "" };
        let want: BTreeSet<String> = ["logs", "metrics", "traces"]
            .iter()
            .map(|s| format!("{prefix}/v1/{s}"))
            .collect();
        assert_eq!(paths, want.iter().map(String::as_str).collect(), "{name}");
        for q in &got {
            assert_eq!(q.header("content-type"), Some("application/x-protobuf"));
            match name.as_str() {
                "grafana-cloud" => {
                    assert_eq!(
                        q.header("authorization"),
                        Some("Basic MTIzNDU2OmdsY19zZWNyZXQ=")
                    )
                }
                "coralogix" => {
                    assert_eq!(q.header("authorization"), Some("Bearer cx-key-1"));
                    assert_eq!(q.header("cx-application-name"), Some("codex"));
                    assert_eq!(q.header("cx-subsystem-name"), Some("agentobs"));
                }
                "datadog" => assert_eq!(q.header("authorization"), None),
                _ => unreachable!(),
            }
        }
    }
}

#[test]
fn a_recipe_without_its_secret_names_the_variable_and_nothing_else() {
    let (_, text) = recipes()
        .into_iter()
        .find(|(n, _)| n == "coralogix")
        .unwrap();
    let err = OtelConfig::parse(&text, Path::new("config.toml"), &|_| None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("CORALOGIX_KEY"), "{err}");
    assert!(!err.contains("cx-key"), "{err}");
}
