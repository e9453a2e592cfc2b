//! Through a real collector: the rotel agent (PyPI `rotel`, installed by `.ci/install-rotel.sh`,
//! found through `AGENTOBS_ROTEL`) receives our OTLP on 127.0.0.1 and forwards it to the
//! in-process receiver. Faults: the collector down at start then up, and killed mid-stream
//! then restarted.
//!
//! Without `AGENTOBS_ROTEL` (and no agent under `target/rotel-venv`) these tests say so and
//! pass; `.ci/run` always sets it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use agentobs::export::config::ExportConfig;
use agentobs::export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs::export::proto::collector::trace::v1::ExportTraceServiceRequest;
use agentobs::schema::{Harness, SessionContext, TokenUsage};
use agentobs::telemetry::{Telemetry, ToolCall};
use prost::Message;

use agentobs_testing::receiver::{Receiver, Request};

fn agent() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AGENTOBS_ROTEL") {
        return Some(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/rotel-venv/lib");
    let found = std::fs::read_dir(&venv).ok()?.flatten().find_map(|d| {
        let p = d.path().join("site-packages/rotel/rotel-agent");
        p.is_file().then_some(p)
    });
    if found.is_none() {
        eprintln!("rotel-agent not installed (run .ci/install-rotel.sh): skipped");
    }
    found
}

/// A running rotel agent; killed when dropped.
struct Rotel {
    child: Child,
    http: SocketAddr,
    grpc: SocketAddr,
}

impl Rotel {
    /// Starts rotel on `http` (and a free gRPC port), forwarding OTLP/HTTP to `upstream`.
    fn start(bin: &PathBuf, http: SocketAddr, upstream: &str) -> Rotel {
        let grpc = Receiver::unused_addr();
        let mut child = Command::new(bin)
            .args(["--log-format", "json", "start"])
            .args(["--otlp-grpc-endpoint", &grpc.to_string()])
            .args(["--otlp-http-endpoint", &http.to_string()])
            .args(["--exporter", "otlp", "--otlp-exporter-protocol", "http"])
            .args(["--otlp-exporter-endpoint", upstream])
            .args(["--batch-timeout", "50ms"])
            .args(["--otlp-exporter-retry-initial-backoff", "100ms"])
            .args(["--otlp-exporter-retry-max-elapsed-time", "2s"])
            .env_clear()
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("rotel-agent starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert!(first.contains("Starting Rotel"), "{first}");
        // Keep reading its log so it never blocks on a full pipe.
        std::thread::spawn(move || for _ in out.lines() {});
        // Ready when its HTTP port answers (404 on `/`).
        let until = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(http).is_err() {
            assert!(Instant::now() < until, "rotel never listened");
            assert!(child.try_wait().unwrap().is_none(), "rotel exited");
            std::thread::sleep(Duration::from_millis(10));
        }
        Rotel { child, http, grpc }
    }

    fn url(&self) -> String {
        format!("http://{}", self.http)
    }

    fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// SIGKILL: no flush, connections cut.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(url: &str) -> ExportConfig {
    ExportConfig::builder()
        .endpoint(url)
        .timeout(Duration::from_secs(2))
        .resolve(None, &|_| None)
        .unwrap()
}

fn session(t: &Telemetry, thread: &str) {
    let mut c = SessionContext::new(Harness::Codex);
    c.thread_id = Some(thread.into());
    c.model = Some("gpt-5".into());
    let s = t.session(c);
    s.turn_started("turn-1");
    s.token_usage(TokenUsage {
        input_tokens: 5_000,
        output_tokens: 100,
        ..Default::default()
    });
    s.tool_result(ToolCall {
        tool: "shell",
        call_id: "c1",
        duration: Duration::from_millis(30),
        success: true,
        ..Default::default()
    });
    s.turn_completed("turn-1");
    s.end();
}

/// `gen_ai.conversation.id` of every span received.
fn conversations(reqs: &[Request]) -> Vec<String> {
    let mut out: Vec<String> = reqs
        .iter()
        .filter(|r| r.path == "/v1/traces")
        .flat_map(|r| {
            ExportTraceServiceRequest::decode(&r.body[..])
                .unwrap()
                .resource_spans
        })
        .flat_map(|rs| rs.scope_spans)
        .flat_map(|ss| ss.spans)
        .filter(|s| s.name.starts_with("invoke_agent"))
        .filter_map(|s| {
            s.attributes
                .iter()
                .find(|kv| kv.key == "gen_ai.conversation.id")
                .and_then(|kv| kv.value.as_ref())
                .and_then(|v| match &v.value {
                    Some(agentobs::export::proto::common::v1::any_value::Value::StringValue(s)) => {
                        Some(s.clone())
                    }
                    _ => None,
                })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn spans_and_logs_reach_the_backend_through_rotel() {
    let Some(bin) = agent() else { return };
    let upstream = Receiver::start();
    let rotel = Rotel::start(&bin, Receiver::unused_addr(), &upstream.url());
    let t = Telemetry::builder()
        .otlp(&config(&rotel.url()), "genai")
        .unwrap()
        .otlp(&config(&rotel.url()), "codex")
        .unwrap()
        .build();
    for i in 0..5 {
        session(&t, &format!("thread-{i}"));
    }
    let report = t.shutdown(Duration::from_secs(10));
    assert!(report.complete(), "{report:?}");
    let got = upstream.wait_until(Duration::from_secs(10), |r| {
        conversations(r).len() == 5 && r.iter().any(|q| q.path == "/v1/logs")
    });
    assert_eq!(
        conversations(&got),
        (0..5).map(|i| format!("thread-{i}")).collect::<Vec<_>>()
    );
    let logs: usize = got
        .iter()
        .filter(|r| r.path == "/v1/logs")
        .flat_map(|r| {
            ExportLogsServiceRequest::decode(&r.body[..])
                .unwrap()
                .resource_logs
        })
        .flat_map(|rl| rl.scope_logs)
        .map(|sl| sl.log_records.len())
        .sum();
    assert!(logs >= 5, "{logs} log records");
}

#[test]
fn a_collector_down_at_start_then_up_gets_what_comes_after() {
    let Some(bin) = agent() else { return };
    let upstream = Receiver::start();
    let addr = Receiver::unused_addr();
    let t = Telemetry::builder()
        .flush_interval(Duration::from_millis(20))
        .otlp(&config(&format!("http://{addr}")), "genai")
        .unwrap()
        .build();
    session(&t, "before");
    // The first flush fails (connection refused) and opens the breaker.
    assert!(t.flush(Duration::from_secs(10)));
    let rotel = Rotel::start(&bin, addr, &upstream.url());
    // After the back-off the next session goes through.
    std::thread::sleep(Duration::from_millis(700));
    session(&t, "after");
    assert!(t.flush(Duration::from_secs(10)));
    let report = t.shutdown(Duration::from_secs(10));
    let summary = report.summaries[0].1.clone().unwrap();
    assert!(summary.failed > 0, "{summary:?}");
    let got = upstream.wait_until(Duration::from_secs(10), |r| {
        conversations(r).contains(&"after".into())
    });
    assert_eq!(conversations(&got), ["after"]);
    drop(rotel);
}

#[test]
fn a_collector_killed_mid_stream_and_restarted_gets_the_rest() {
    let Some(bin) = agent() else { return };
    let upstream = Receiver::start();
    let addr = Receiver::unused_addr();
    let rotel = Rotel::start(&bin, addr, &upstream.url());
    let t = Telemetry::builder()
        .flush_interval(Duration::from_millis(20))
        .otlp(&config(&rotel.url()), "genai")
        .unwrap()
        .build();
    session(&t, "one");
    assert!(t.flush(Duration::from_secs(10)));
    upstream.wait_until(Duration::from_secs(10), |r| !conversations(r).is_empty());
    rotel.kill();
    let emit = Instant::now();
    for i in 0..50 {
        session(&t, &format!("lost-{i}"));
    }
    // The emitting thread never waited on the dead collector.
    assert!(emit.elapsed() < Duration::from_secs(1));
    assert!(t.flush(Duration::from_secs(10)));
    let rotel = Rotel::start(&bin, addr, &upstream.url());
    std::thread::sleep(Duration::from_millis(1200));
    session(&t, "two");
    let report = t.shutdown(Duration::from_secs(10));
    assert!(report.summaries[0].1.as_ref().unwrap().failed > 0);
    let got = upstream.wait_until(Duration::from_secs(10), |r| {
        conversations(r).contains(&"two".into())
    });
    let seen = conversations(&got);
    assert!(
        seen.contains(&"one".into()) && seen.contains(&"two".into()),
        "{seen:?}"
    );
    drop(rotel);
}

#[test]
fn otlp_grpc_spans_logs_and_metrics_through_rotel() {
    use agentobs::export::config::Transport;
    let Some(bin) = agent() else { return };
    let upstream = Receiver::start();
    let rotel = Rotel::start(&bin, Receiver::unused_addr(), &upstream.url());
    let config = ExportConfig::builder()
        .endpoint(rotel.grpc_url())
        .transport(Transport::Grpc)
        .header("x-team", "obs")
        .timeout(Duration::from_secs(2))
        .resolve(None, &|_| None)
        .unwrap();
    let t = Telemetry::builder()
        .otlp(&config, "genai")
        .unwrap()
        .otlp(&config, "codex")
        .unwrap()
        .build();
    for i in 0..3 {
        session(&t, &format!("grpc-{i}"));
    }
    let report = t.shutdown(Duration::from_secs(10));
    assert!(report.complete(), "{report:?}");
    let got = upstream.wait_until(Duration::from_secs(10), |r| {
        conversations(r).len() == 3
            && r.iter().any(|q| q.path == "/v1/logs")
            && r.iter().any(|q| q.path == "/v1/metrics")
    });
    assert_eq!(conversations(&got), ["grpc-0", "grpc-1", "grpc-2"]);
    assert!(
        got.iter().any(|q| q.path == "/v1/metrics"),
        "metrics over gRPC"
    );
}
