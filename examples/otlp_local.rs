//! Export to a local OTLP endpoint: gRPC, HTTP/protobuf and HTTP/JSON, self-contained.
//!
//! ```sh
//! cargo run --example otlp_local
//! ```
//!
//! Starts `agentobs-testing`'s OTLP receiver in-process on 127.0.0.1 (ephemeral ports), points
//! an OTLP exporter at it once per transport, emits one session through the emit API, and
//! prints what the receiver decoded. Point the same configuration at a real collector
//! (`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318`) and nothing else changes.

use std::time::Duration;

use agentobs::export::config::{ExportConfig, Transport};
use agentobs::schema::TokenUsage;
use agentobs::telemetry::Telemetry;
use agentobs_testing::SessionBuilder;
use agentobs_testing::receiver::{Receiver, Signal};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let receiver = Receiver::start();
    let mut session = SessionBuilder::new().model("gpt-5");
    session.turn("add a changelog line");
    session.request(TokenUsage {
        input_tokens: 5_000,
        cached_input_tokens: 4_000,
        output_tokens: 120,
        ..TokenUsage::default()
    });
    session.tool("apply_patch", "*** Begin Patch", 0, 40, "Success.");
    session.end_turn();

    for (transport, url) in [
        (Transport::Grpc, receiver.grpc_url()),
        (Transport::HttpProtobuf, receiver.http_url()),
        (Transport::HttpJson, receiver.http_url()),
    ] {
        let before = receiver.count(Signal::Traces);
        let config = ExportConfig::builder()
            .endpoint(url.clone())
            .transport(transport)
            .timeout(Duration::from_secs(5))
            .resolve(None, &|_| None)?;
        let telemetry = Telemetry::builder().otlp(&config, "genai")?.build();
        session.emit(&telemetry);
        let report = telemetry.shutdown(Duration::from_secs(10));
        let spans = receiver.wait_for(Signal::Traces, before + 1, Duration::from_secs(10))?;
        println!(
            "{transport:?} to {url}: {} spans (complete: {})",
            spans - before,
            report.complete()
        );
    }
    let names: std::collections::BTreeSet<String> =
        receiver.spans().into_iter().map(|s| s.name).collect();
    println!("span names: {names:?}");
    println!(
        "{} requests: {} spans, {} log records, {} metrics",
        receiver.requests().len(),
        receiver.count(Signal::Traces),
        receiver.count(Signal::Logs),
        receiver.count(Signal::Metrics)
    );
    Ok(())
}
