//! OTLP/HTTP over TLS to an in-process HTTPS receiver: a private CA from Codex's
//! `[otel].tls` section, mutual TLS with a client certificate, and the errors for bad files.

use std::path::Path;
use std::time::Duration;

use agentobs::codex::otel::OtelConfig;
use agentobs::export::config::ExportConfig;
use agentobs::schema::{Harness, SessionContext, TokenUsage};
use agentobs::telemetry::Telemetry;
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};

use agentobs_testing::Receiver;

struct Pki {
    ca: String,
    server: (String, String),
    client: (String, String),
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = |san: SanType| {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.subject_alt_names = vec![san];
        let cert = p.signed_by(&key, &issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    };
    Pki {
        ca: ca_cert.pem(),
        server: leaf(SanType::IpAddress("127.0.0.1".parse().unwrap())),
        client: leaf(SanType::DnsName("agent.example".try_into().unwrap())),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// The config a Codex user writes, pointing every signal at `url` over TLS.
fn codex_config(url: &str, tls: &str) -> ExportConfig {
    let text = format!(
        "[otel]\nexporter = {{ otlp-http = {{ endpoint = \"{url}/v1/logs\", protocol = \"binary\", tls = {{ {tls} }} }} }}\n\
         trace_exporter = {{ otlp-http = {{ endpoint = \"{url}/v1/traces\", protocol = \"binary\", tls = {{ {tls} }} }} }}\n\
         metrics_exporter = {{ otlp-http = {{ endpoint = \"{url}/v1/metrics\", protocol = \"json\", tls = {{ {tls} }} }} }}\n"
    );
    let env = |_: &str| None;
    let otel = OtelConfig::parse(&text, Path::new("config.toml"), &env)
        .unwrap()
        .unwrap();
    ExportConfig::builder().resolve(Some(&otel), &env).unwrap()
}

fn one_session(t: &Telemetry) {
    let mut c = SessionContext::new(Harness::Codex);
    c.thread_id = Some("tls-thread".into());
    c.model = Some("gpt-5".into());
    let s = t.session(c);
    s.turn_started("t1");
    s.token_usage(TokenUsage {
        input_tokens: 10,
        output_tokens: 2,
        ..Default::default()
    });
    s.turn_completed("t1");
    s.end();
}

#[test]
fn a_private_ca_and_mutual_tls_from_the_codex_config() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki();
    let ca = write(dir.path(), "ca.pem", &pki.ca);
    let cert = write(dir.path(), "client.pem", &pki.client.0);
    let key = write(dir.path(), "client.key", &pki.client.1);
    for mutual in [false, true] {
        let r = Receiver::start_tls(
            &pki.server.0,
            &pki.server.1,
            mutual.then_some(pki.ca.as_str()),
        );
        let tls = if mutual {
            format!(
                "ca-certificate = \"{ca}\", client-certificate = \"{cert}\", client-private-key = \"{key}\""
            )
        } else {
            format!("ca-certificate = \"{ca}\"")
        };
        let t = Telemetry::builder()
            .otlp(&codex_config(&r.https_url(), &tls), "codex")
            .unwrap()
            .otlp(&codex_config(&r.https_url(), &tls), "genai")
            .unwrap()
            .build();
        one_session(&t);
        let report = t.shutdown(Duration::from_secs(10));
        assert!(report.complete(), "mutual={mutual}: {report:?}");
        let paths: std::collections::BTreeSet<String> =
            r.requests().into_iter().map(|q| q.path).collect();
        assert!(
            paths.contains("/v1/traces") && paths.contains("/v1/logs"),
            "{paths:?}"
        );
    }
}

#[test]
fn an_untrusted_server_or_a_missing_client_certificate_fails_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let pki = pki();
    let ca = write(dir.path(), "ca.pem", &pki.ca);
    // No CA given: the web PKI roots do not know our private CA.
    let r = Receiver::start_tls(&pki.server.0, &pki.server.1, None);
    let t = Telemetry::builder()
        .otlp(&codex_config(&r.https_url(), ""), "genai")
        .unwrap()
        .build();
    one_session(&t);
    let report = t.shutdown(Duration::from_secs(10));
    assert!(!report.complete());
    assert!(r.requests().is_empty());
    // The server wants a client certificate we do not send.
    let r = Receiver::start_tls(&pki.server.0, &pki.server.1, Some(&pki.ca));
    let t = Telemetry::builder()
        .otlp(
            &codex_config(&r.https_url(), &format!("ca-certificate = \"{ca}\"")),
            "genai",
        )
        .unwrap()
        .build();
    one_session(&t);
    let report = t.shutdown(Duration::from_secs(10));
    let error = report.summaries[0]
        .1
        .as_ref()
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(error.contains("https://127.0.0.1"), "{error}");
    assert!(r.requests().is_empty());
}

#[test]
fn bad_tls_files_are_named_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pem").display().to_string();
    let not_pem = write(dir.path(), "ca.txt", "just text");
    for (tls, expect) in [
        (
            format!("ca-certificate = \"{missing}\""),
            "tls.ca-certificate",
        ),
        (format!("ca-certificate = \"{not_pem}\""), "not a PEM file"),
        (
            format!("client-certificate = \"{not_pem}\""),
            "tls.client-certificate",
        ),
    ] {
        let err = Telemetry::from_config(&codex_config("https://127.0.0.1:9", &tls), "genai")
            .unwrap_err()
            .to_string();
        assert!(err.contains(expect), "{tls}: {err}");
    }
}
