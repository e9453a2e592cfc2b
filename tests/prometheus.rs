//! Prometheus and Grafana: the alerting rules (`agentobs::anomaly::prometheus`), the
//! dashboards (`agentobs::anomaly::grafana`) and the `/metrics` endpoint
//! (`agentobs::export::prometheus`) against what the dialects record and against a real
//! Prometheus.
//!
//! - Always: every metric and attribute the rules and dashboards read is one the dialect
//!   records, with the same unit and instrument (the names cannot drift).
//! - With `AGENTOBS_PROMTOOL` (`.ci/install-prometheus.sh` prints it): `promtool check rules`
//!   on every dialect × translation strategy, and `promtool test rules` with the exposition of
//!   a session over the thresholds and one under them as input series.
//! - With `AGENTOBS_PROMETHEUS`: a Prometheus on 127.0.0.1 scrapes our endpoint every second,
//!   evaluates the rules (`for: 0s`) until the expected alerts fire, and answers every
//!   dashboard query with data.
//!
//! Without the variables these tests say so and pass; `.ci/run` sets both.

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentobs::BookPricer;
use agentobs::anomaly::grafana;
use agentobs::anomaly::prometheus::{
    AlertRule, DialectMetrics, MetricKind, RuleGroup, RuleOptions, TranslationStrategy,
    alerting_rules,
};
use agentobs::anomaly::{Engine, RuleSet, Tap};
use agentobs::cost::{PriceBook, ServiceTier};
use agentobs::export::prometheus::{PrometheusServer, PrometheusSink};
use agentobs::schema::{
    ApiRequest, ErrorEvent, ErrorKind, Event, EventKind, EventSink, Harness, SessionContext,
    Timestamp, TokenUsage, TokenUsageEvent, ToolResult, TurnCompleted, TurnStarted,
};
use agentobs::semconv::{Mapper, PointValue, SignalSink, Signals, dialects};

/// Thresholds low enough for a small session to cross every one.
const RULES_TOML: &str = "\
[runaway_session]
max_tokens = 100000
max_cost_usd = 0.1
[tool_call_storm]
max_tool_calls = 8
[api_reliability]
burst = 2
[latency_regression]
api_p95_ms = 2000
turn_p95_ms = 20000
min_samples = 3
";

fn rule_set() -> RuleSet {
    RuleSet::from_toml(RULES_TOML, "test-rules.toml", None).unwrap()
}

/// A tool named by an environment variable, or `None` with a notice.
fn tool(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var).filter(|v| !v.is_empty()) {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!("{var} not set (run .ci/install-prometheus.sh): skipped");
            None
        }
    }
}

const JOB: &str = "codex_exec";

/// The session id of a dialect's session: `<dialect>-hot` or `<dialect>-cold`.
fn session_id(dialect: &str, hot: bool) -> String {
    format!("{dialect}-{}", if hot { "hot" } else { "cold" })
}

/// A session over every threshold of [`RULES_TOML`] (3 turns of 60 s, 6 model requests of
/// which 3 failed with 500, 126 000 tokens of gpt-5 costing $0.21, 12 tool calls of which 7
/// failed, a context window error), or one under all of them.
fn session(id: &str, hot: bool) -> Vec<Event> {
    let mut ctx = SessionContext::new(Harness::Codex);
    ctx.thread_id = Some(id.to_owned());
    ctx.model = Some("gpt-5".into());
    ctx.originator = Some(JOB.into());
    let ctx = Arc::new(ctx);
    let t0 = 1_795_594_870_000;
    let mut events = Vec::new();
    let mut push = |ms: i64, kind: EventKind| {
        events.push(Event::new(
            Timestamp::from_unix_millis(t0 + ms),
            ctx.clone(),
            kind,
        ))
    };
    let turns = if hot { 3 } else { 1 };
    for turn in 0..turns {
        let base = turn * 100_000;
        let mut started = TurnStarted::default();
        started.turn_id = Some(format!("turn-{turn}"));
        push(base, EventKind::TurnStarted(started));
        let mut at = base + 1_000;
        if hot {
            let mut failed = ApiRequest::default();
            failed.status_code = Some(500);
            failed.duration_ms = Some(4_000);
            failed.error = Some("internal server error".into());
            at += 4_000;
            push(at, EventKind::ApiRequest(failed));
        }
        let mut ok = ApiRequest::default();
        ok.status_code = Some(200);
        ok.attempt = u32::from(hot);
        ok.duration_ms = Some(if hot { 5_000 } else { 100 });
        at += 5_000;
        push(at, EventKind::ApiRequest(ok));
        let usage = TokenUsage {
            input_tokens: if hot { 40_000 } else { 500 },
            output_tokens: if hot { 2_000 } else { 100 },
            ..TokenUsage::default()
        };
        at += if hot { 5_000 } else { 200 };
        push(at, EventKind::TokenUsage(TokenUsageEvent::new(usage)));
        let (calls, failures) = match (hot, turn) {
            (false, _) => (2, 0),
            (true, 0) => (4, 3),
            (true, _) => (4, 2),
        };
        for i in 0..calls {
            let mut r = ToolResult::new(if i % 2 == 0 {
                "exec_command"
            } else {
                "apply_patch"
            });
            r.call_id = Some(format!("call-{turn}-{i}"));
            r.duration_ms = Some(if hot { 3_000 } else { 50 });
            let fail = i < failures;
            r.success = Some(!fail);
            r.exit_code = Some(i64::from(fail));
            at += if hot { 5_000 } else { 100 };
            push(at, EventKind::ToolResult(r));
        }
        let mut done = TurnCompleted::default();
        done.turn_id = Some(format!("turn-{turn}"));
        done.duration_ms = Some(if hot { 60_000 } else { 5_000 });
        push(
            base + if hot { 60_000 } else { 5_000 },
            EventKind::TurnCompleted(done),
        );
    }
    if hot {
        let mut e = ErrorEvent::new("Codex ran out of room in the model's context window");
        e.kind = Some(ErrorKind::ContextWindowExceeded);
        push(turns * 100_000, EventKind::Error(e));
    }
    events
}

/// `sessions` mapped through `dialect` into `sink`, priced with the embedded price book, the
/// anomaly engine (with [`RULES_TOML`]) tapping the stream so that its alerts are mapped too.
fn mapped<S: SignalSink>(dialect: &str, sink: S, sessions: &[Vec<Event>]) -> S {
    let d = dialects::by_name(dialect, None).unwrap();
    let engine = Engine::builder().rules(rule_set()).build();
    let pricer = BookPricer::new(PriceBook::embedded(), ServiceTier::Standard);
    let mut tap = Tap::new(engine, Mapper::new(d, sink).with_pricer(pricer));
    for e in sessions.iter().flatten() {
        let _ = tap.event(e);
    }
    let (_, mapper) = tap.finish();
    mapper.finish().0
}

/// The hot and the cold session of `dialect`, as our endpoint exposes them.
fn exposition(dialect: &str) -> PrometheusSink {
    let sessions = [
        session(&session_id(dialect, true), true),
        session(&session_id(dialect, false), false),
    ];
    mapped(dialect, PrometheusSink::new(), &sessions)
}

#[test]
fn rules_and_dashboards_read_what_the_dialects_record() {
    for dialect in DialectMetrics::NAMES {
        let m = DialectMetrics::for_dialect(dialect).unwrap();
        let signals = mapped(dialect, Signals::default(), &[session("s", true)]);
        let mut wanted = m.referenced();
        wanted.extend(
            m.model_label
                .into_iter()
                .filter_map(|k| Some((m.tokens.first()?.metric, vec![k]))),
        );
        if let (Some(t), Some(k)) = (&m.tool_calls, m.tool_label) {
            wanted.push((t.all.metric, vec![k]));
        }
        // Every dialect records cost, by the model label its dashboard groups by: the hot
        // session over `max_cost_usd`, the cold one under it.
        let cost = m.cost.as_ref().expect("every dialect records cost");
        wanted.push((cost.metric, m.model_label.into_iter().collect()));
        let cold = mapped(dialect, Signals::default(), &[session("c", false)]);
        let usd = |s: &Signals| -> f64 {
            s.metrics_named(cost.metric.name)
                .map(|p| match p.value {
                    PointValue::Sum(v) => v,
                    PointValue::Histogram(_) => panic!("a counter"),
                })
                .sum()
        };
        let limit = rule_set().runaway_session.max_cost_usd;
        assert!(
            (usd(&signals) - 0.21).abs() < 1e-9 && usd(&cold) < limit,
            "{dialect}: hot ${}, cold ${}",
            usd(&signals),
            usd(&cold)
        );
        for (metric, keys) in wanted {
            let points: Vec<_> = signals.metrics_named(metric.name).collect();
            assert!(!points.is_empty(), "{dialect}: no {} recorded", metric.name);
            for p in &points {
                assert_eq!(p.unit, metric.unit, "{dialect}: unit of {}", metric.name);
                assert_eq!(
                    MetricKind::from(p.instrument),
                    metric.kind,
                    "{dialect}: instrument of {}",
                    metric.name
                );
            }
            for k in keys {
                assert!(
                    points.iter().any(|p| p.attributes.contains(k)),
                    "{dialect}: no {} point has attribute {k}",
                    metric.name
                );
            }
        }
        // And the exposition has every series the rules select.
        let text = exposition(dialect).render();
        let group = alerting_rules(&m, &rule_set(), &RuleOptions::default()).unwrap();
        for r in &group.rules {
            for name in metric_names(&r.expr) {
                assert!(
                    text.lines().any(|l| l.starts_with(&format!("{name}{{"))),
                    "{dialect}: {} reads {name}, not exposed:\n{text}",
                    r.alert
                );
            }
        }
    }
}

/// The metric names in a PromQL expression written with bare names (`name{` or `name[`).
fn metric_names(expr: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = expr.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
            i += 1;
        }
        let word = &expr[start..i];
        let next = b.get(i).copied();
        if i > start
            && matches!(next, Some(b'{') | Some(b'['))
            && word.contains('_')
            && (start == 0 || b[start - 1] == b'(')
        {
            out.insert(word.to_owned());
        }
        if i == start {
            i += 1;
        }
    }
    out
}

fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[test]
fn promtool_checks_the_rules_of_every_dialect_and_strategy() {
    let Some(promtool) = tool("AGENTOBS_PROMTOOL") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut table = Vec::new();
    for dialect in DialectMetrics::NAMES {
        let m = DialectMetrics::for_dialect(dialect).unwrap();
        for t in TranslationStrategy::ALL {
            let opts = RuleOptions::default().with_translation(t);
            let group = alerting_rules(&m, &RuleSet::default(), &opts).unwrap();
            let file = dir.path().join(format!("{dialect}-{t}.yml"));
            std::fs::write(&file, group.to_yaml()).unwrap();
            let (ok, out) = run(Command::new(&promtool).arg("check").arg("rules").arg(&file));
            let quoted = group.rules.iter().filter(|r| r.needs_utf8_promql).count();
            if t.escapes() {
                assert!(ok, "{dialect} {t}: {out}");
            } else {
                // Prometheus 2.x has no quoted label names: a file with one is rejected;
                // each rule without one (names as {__name__="…"}) is accepted.
                assert_eq!(ok, quoted == 0, "{dialect} {t}: {out}");
            }
            let mut accepted = 0;
            for r in &group.rules {
                let one = dir.path().join("one.yml");
                std::fs::write(&one, group.rule_yaml(r)).unwrap();
                let (ok, out) = run(Command::new(&promtool).arg("check").arg("rules").arg(&one));
                assert_eq!(ok, !r.needs_utf8_promql, "{dialect} {t} {}: {out}", r.alert);
                accepted += usize::from(ok);
            }
            table.push(format!(
                "{dialect:<14} {t:<34} file {} ({accepted}/{} rules)",
                if ok { "accepted" } else { "rejected" },
                group.rules.len()
            ));
        }
    }
    eprintln!("promtool check rules:\n{}", table.join("\n"));
}

/// A YAML single-quoted scalar.
fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The labels a rule's alert on `instance` has (besides `alertname`).
fn alert_labels(rule: &AlertRule, instance: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut l = vec![
        ("severity".to_owned(), rule.severity.as_str().to_owned()),
        ("job".to_owned(), JOB.to_owned()),
        ("instance".to_owned(), instance.to_owned()),
    ];
    if let Some(e) = rule.engine_rule {
        l.push(("agentobs_rule".into(), e.into()));
    }
    l.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    l
}

/// The critical engine rules that fired in `instance`, read from the exposition.
fn critical_rules(text: &str, instance: &str) -> Vec<String> {
    text.lines()
        .filter(|l| {
            l.starts_with("agentobs_alerts_total{")
                && l.contains("agentobs_alert_severity=\"critical\"")
                && l.contains(&format!("instance=\"{instance}\""))
        })
        .filter_map(|l| {
            let rest = l.split("agentobs_alert_rule=\"").nth(1)?;
            Some(rest.split('"').next()?.to_owned())
        })
        .collect()
}

/// A `promtool test rules` file: the exposition held for 10 minutes, each rule pending at
/// 2m (`for: 5m`), firing for the hot session only at 8m, and resolved at 40m (the window of
/// 15m has passed since the last sample).
fn unit_test(group: &RuleGroup, rules_file: &str, text: &str, dialect: &str) -> String {
    let hot = session_id(dialect, true);
    let mut y = format!(
        "rule_files: [{}]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n",
        single_quoted(rules_file)
    );
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        y.push_str(&format!(
            "      - series: {}\n        values: {}\n",
            single_quoted(series),
            single_quoted(&format!("{value}+0x10"))
        ));
    }
    y.push_str("    alert_rule_test:\n");
    let critical = critical_rules(text, &hot);
    assert!(critical.iter().any(|r| r == "context_exhaustion"), "{text}");
    for r in &group.rules {
        for (t, fires) in [("2m", false), ("8m", true), ("40m", false)] {
            y.push_str(&format!(
                "      - eval_time: {t}\n        alertname: {}\n        exp_alerts:",
                r.alert
            ));
            let alerts: Vec<Vec<(String, String)>> = match (fires, r.alert) {
                (false, _) => Vec::new(),
                (true, "AgentobsCriticalAlert") => critical
                    .iter()
                    .map(|c| alert_labels(r, &hot, &[("agentobs_alert_rule", c)]))
                    .collect(),
                (true, _) => vec![alert_labels(r, &hot, &[])],
            };
            if alerts.is_empty() {
                y.push_str(" []\n");
            } else {
                y.push('\n');
                for labels in alerts {
                    y.push_str("          - exp_labels:\n");
                    for (k, v) in labels {
                        y.push_str(&format!("              {k}: {}\n", single_quoted(&v)));
                    }
                }
            }
        }
    }
    y
}

#[test]
fn promtool_tests_every_rule_firing_and_not() {
    let Some(promtool) = tool("AGENTOBS_PROMTOOL") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for dialect in DialectMetrics::NAMES {
        let m = DialectMetrics::for_dialect(dialect).unwrap();
        let mut group = alerting_rules(&m, &rule_set(), &RuleOptions::default()).unwrap();
        assert_eq!(
            group.rules.len(),
            if dialect == "openinference" { 2 } else { 8 }
        );
        // Annotations are checked by `promtool check rules` and the live test; here only
        // which alerts fire, with which labels.
        for r in &mut group.rules {
            r.summary.clear();
            r.description.clear();
        }
        let rules = format!("{dialect}-rules.yml");
        std::fs::write(dir.path().join(&rules), group.to_yaml()).unwrap();
        let text = exposition(dialect).render();
        let test = dir.path().join(format!("{dialect}-test.yml"));
        std::fs::write(&test, unit_test(&group, &rules, &text, dialect)).unwrap();
        let (ok, out) = run(Command::new(&promtool)
            .arg("test")
            .arg("rules")
            .arg(&test)
            .current_dir(dir.path()));
        assert!(ok, "{dialect}: {out}");
        eprintln!(
            "{dialect}: promtool test rules: {} rules fire and do not fire",
            group.rules.len()
        );
    }
}

/// A running Prometheus; killed when dropped.
struct Prometheus {
    child: Child,
    url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Prometheus {
    fn start(bin: &Path, dir: &Path) -> Prometheus {
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
        let child = Command::new(bin)
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("prometheus starts");
        let mut p = Prometheus { child, url };
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            if get(&format!("{}/-/ready", p.url)).is_some_and(|(s, _)| s == 200) {
                return p;
            }
            if let Ok(Some(status)) = p.child.try_wait() {
                let log = std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default();
                panic!("prometheus exited ({status}):\n{log}");
            }
            assert!(Instant::now() < until, "prometheus not ready after 30 s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn api(&self, path: &str) -> serde_json::Value {
        let (status, body) = get(&format!("{}{path}", self.url)).expect("prometheus answers");
        assert_eq!(status, 200, "{path}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "success", "{path}: {body}");
        v
    }
}

/// `GET url` (`http://127.0.0.1:PORT/path`) as HTTP/1.0, so that the answer is its body up
/// to the end of the connection; the status and the body.
fn get(url: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let addr: std::net::SocketAddr = host.parse().ok()?;
    let mut c = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    c.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    c.set_write_timeout(Some(Duration::from_secs(5))).ok()?;
    c.write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .ok()?;
    let mut raw = Vec::new();
    c.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A dashboard query with Grafana's variables as a person looking at the last hour has
/// them.
fn grafana_to_promql(q: &str) -> String {
    q.replace("$__rate_interval", "1m")
        .replace("$__range", "1h")
        .replace("$__interval", "30s")
        .replace("$job", ".*")
        .replace("$model", ".*")
}

#[test]
fn a_real_prometheus_fires_the_alerts_and_answers_the_dashboards() {
    let Some(bin) = tool("AGENTOBS_PROMETHEUS") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut servers = Vec::new();
    let mut groups = Vec::new();
    let mut rule_files = Vec::new();
    for dialect in DialectMetrics::NAMES {
        let m = DialectMetrics::for_dialect(dialect).unwrap();
        let server =
            PrometheusServer::start("127.0.0.1:0".parse().unwrap(), exposition(dialect)).unwrap();
        let opts = RuleOptions::default().with_for_seconds(0);
        let group = alerting_rules(&m, &rule_set(), &opts).unwrap();
        let file = format!("rules-{dialect}.yml");
        std::fs::write(dir.path().join(&file), group.to_yaml()).unwrap();
        rule_files.push(file);
        groups.push((dialect, group));
        servers.push(server);
    }
    let targets: Vec<String> = servers
        .iter()
        .map(|s| format!("'{}'", s.local_addr()))
        .collect();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
         rule_files: [{}]\n\
         scrape_configs:\n  - job_name: agentobs\n    honor_labels: true\n    static_configs:\n\
         \x20     - targets: [{}]\n",
        rule_files.join(", "),
        targets.join(", ")
    );
    std::fs::write(dir.path().join("prometheus.yml"), config).unwrap();
    let prom = Prometheus::start(&bin, dir.path());

    // Every rule of every dialect fires for its hot session, none for a cold one.
    let mut expected = BTreeSet::new();
    for (dialect, g) in &groups {
        for r in &g.rules {
            expected.insert((r.alert.to_owned(), session_id(dialect, true)));
        }
    }
    let until = Instant::now() + Duration::from_secs(60);
    let firing = loop {
        let v = prom.api("/api/v1/alerts");
        let alerts = v["data"]["alerts"].as_array().cloned().unwrap_or_default();
        let firing: Vec<serde_json::Value> = alerts
            .into_iter()
            .filter(|a| a["state"] == "firing")
            .collect();
        let got: BTreeSet<(String, String)> = firing
            .iter()
            .map(|a| {
                let l = &a["labels"];
                (
                    l["alertname"].as_str().unwrap_or("").to_owned(),
                    l["instance"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        if expected.is_subset(&got) {
            break firing;
        }
        if Instant::now() > until {
            let missing: Vec<_> = expected.difference(&got).collect();
            let log =
                std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
            let rules = prom.api("/api/v1/rules");
            panic!("not firing after 60 s: {missing:?}\nrules: {rules}\nlog:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    for a in &firing {
        let l = &a["labels"];
        let instance = l["instance"].as_str().unwrap_or("");
        assert!(!instance.ends_with("-cold"), "a cold session fired: {a}");
        assert_eq!(l["job"], JOB, "{a}");
        for k in ["summary", "description"] {
            let text = a["annotations"][k].as_str().unwrap_or("");
            assert!(text.contains(instance), "{k} names the session: {a}");
            assert!(
                !text.contains("<no value>") && !text.contains("error"),
                "{k}: {a}"
            );
        }
    }
    assert!(
        firing
            .iter()
            .any(|a| a["labels"]["alertname"] == "AgentobsCriticalAlert"
                && a["labels"]["agentobs_alert_rule"] == "context_exhaustion"),
        "{firing:?}"
    );
    // The cost budget: the hot session of every dialect ($0.21 > $0.1); no cold one ($0.0016)
    // fired anything (above).
    for dialect in DialectMetrics::NAMES {
        let hot = session_id(dialect, true);
        let a = firing
            .iter()
            .find(|a| {
                a["labels"]["alertname"] == "AgentobsSessionCostBudget"
                    && a["labels"]["instance"] == hot.as_str()
            })
            .unwrap_or_else(|| panic!("{dialect}: no cost alert: {firing:?}"));
        let summary = a["annotations"]["summary"].as_str().unwrap_or("");
        assert!(summary.ends_with(" cost 0.21 USD"), "{summary}");
    }
    eprintln!(
        "{} alerts firing: {:?}",
        firing.len(),
        expected
            .iter()
            .map(|(a, i)| format!("{a}@{i}"))
            .collect::<Vec<_>>()
    );

    // Every dashboard query (and variable) returns data.
    let mut checked = 0;
    for dialect in DialectMetrics::NAMES {
        let m = DialectMetrics::for_dialect(dialect).unwrap();
        let board = grafana::dashboard(&m, TranslationStrategy::default()).unwrap();
        let mut queries = grafana::queries(&board);
        for v in board["templating"]["list"].as_array().unwrap() {
            let Some(q) = v["query"].as_str() else {
                continue;
            };
            if let Some(inner) = q.strip_prefix("label_values(") {
                let selector = inner.rsplit_once(", ").map_or(inner, |(s, _)| s);
                queries.push(selector.to_owned());
            }
        }
        for q in queries {
            let promql = grafana_to_promql(&q);
            let v = prom.api(&format!("/api/v1/query?query={}", encode(&promql)));
            let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
            assert!(!result.is_empty(), "{dialect}: no data for {promql}");
            checked += 1;
        }
    }
    eprintln!("{checked} dashboard queries answered with data");
    // "Cost by model": both sessions' gpt-5 requests ($0.21 + $0.001625), by the dialect's
    // model label. `agentobs.cost.usd` has one name in every dialect, and this Prometheus
    // scrapes all four: the dialects with the same model label (genai and genai-latest) add
    // up under it, the others' series have no such label.
    for dialect in DialectMetrics::NAMES {
        let m = DialectMetrics::for_dialect(dialect).unwrap();
        let board = grafana::dashboard(&m, TranslationStrategy::default()).unwrap();
        let panel = board["panels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["title"] == "Cost by model")
            .unwrap_or_else(|| panic!("{dialect}: no Cost by model panel"));
        let promql = grafana_to_promql(panel["targets"][0]["expr"].as_str().unwrap());
        let v = prom.api(&format!("/api/v1/query?query={}", encode(&promql)));
        let result = v["data"]["result"].as_array().cloned().unwrap_or_default();
        let label = agentobs::semconv::prometheus_names::prometheus_label(
            m.model_label.unwrap(),
            TranslationStrategy::default(),
        )
        .unwrap();
        let gpt5: Vec<_> = result
            .iter()
            .filter(|r| r["metric"][label.as_str()] == "gpt-5")
            .collect();
        assert_eq!(gpt5.len(), 1, "{dialect}: {promql}: {result:?}");
        let sharing = DialectMetrics::NAMES
            .iter()
            .filter(|d| DialectMetrics::for_dialect(d).unwrap().model_label == m.model_label)
            .count();
        let usd: f64 = gpt5[0]["value"][1].as_str().unwrap().parse().unwrap();
        assert!(
            (usd - 0.211625 * sharing as f64).abs() < 1e-9,
            "{dialect}: {usd} for {sharing} dialect(s)"
        );
    }
    for s in servers {
        assert!(s.stop() > 0, "Prometheus scraped every endpoint");
    }
    drop(prom);
}
