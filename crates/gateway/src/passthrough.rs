//! `--passthrough`: each request forwarded as it arrived (same messages, re-encoded) to the
//! configured destination of its signal, on a thread of its own behind a bounded queue.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use agentobs_export::config::{ExportConfig, Target, Transport};
use agentobs_export::proto::collector::logs::v1::logs_service_client::LogsServiceClient;
use agentobs_export::proto::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use agentobs_export::proto::collector::trace::v1::trace_service_client::TraceServiceClient;

use crate::GatewayError;
use crate::ingest::Payload;
use crate::stats::{self, Counters};

/// Requests waiting to be passed through; beyond it they are dropped and counted.
const QUEUE: usize = 256;

/// The passthrough thread's handle.
#[derive(Debug)]
pub(crate) struct Passthrough {
    tx: Option<SyncSender<Arc<Payload>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    counters: Arc<Counters>,
}

/// Where the decoder hands requests to the passthrough.
#[derive(Clone, Debug)]
pub(crate) struct Sender {
    tx: SyncSender<Arc<Payload>>,
    counters: Arc<Counters>,
}

impl Sender {
    /// Queues `payload` without waiting; a full queue drops it and counts.
    pub(crate) fn send(&self, payload: Arc<Payload>) {
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) =
            self.tx.try_send(payload)
        {
            stats::bump(&self.counters.passthrough_dropped);
        }
    }
}

/// One signal's destination.
enum Dest {
    Http {
        client: reqwest::blocking::Client,
        url: String,
        json: bool,
        headers: Vec<(String, String)>,
    },
    Grpc {
        channel: tonic::transport::Channel,
        headers: Vec<(String, String)>,
    },
}

fn dest(target: &Target) -> Result<Dest, GatewayError> {
    let headers: Vec<(String, String)> = target
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect();
    match target.transport {
        Transport::Grpc => {
            let channel = tonic::transport::Channel::from_shared(target.endpoint.clone())
                .map_err(|e| GatewayError::Passthrough(format!("{}: {e}", target.endpoint)))?
                .timeout(target.timeout)
                .connect_lazy();
            Ok(Dest::Grpc { channel, headers })
        }
        t => {
            agentobs_export::install_tls_provider();
            let client = reqwest::blocking::Client::builder()
                .timeout(target.timeout)
                .build()
                .map_err(|e| GatewayError::Passthrough(e.to_string()))?;
            Ok(Dest::Http {
                client,
                url: target.endpoint.clone(),
                json: t == Transport::HttpJson,
                headers,
            })
        }
    }
}

impl Passthrough {
    /// Starts the thread; gRPC calls run on `rt`.
    pub(crate) fn start(
        config: &ExportConfig,
        rt: tokio::runtime::Handle,
        counters: Arc<Counters>,
    ) -> Result<Self, GatewayError> {
        // A lazy gRPC channel needs the runtime's context to be built.
        let _guard = rt.enter();
        let dests = [
            config.logs.as_ref().map(dest).transpose()?,
            config.metrics.as_ref().map(dest).transpose()?,
            config.traces.as_ref().map(dest).transpose()?,
        ];
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let c = counters.clone();
        let thread = std::thread::Builder::new()
            .name("agentobs-gateway-passthrough".into())
            .spawn(move || run(&rx, &dests, &rt, &c))
            .map_err(|source| GatewayError::Start {
                what: "passthrough thread",
                source,
            })?;
        Ok(Passthrough {
            tx: Some(tx),
            thread: Some(thread),
            counters,
        })
    }

    /// A sender for the decoder.
    pub(crate) fn sender(&self) -> Option<Sender> {
        Some(Sender {
            tx: self.tx.clone()?,
            counters: self.counters.clone(),
        })
    }

    /// Sends what is queued, until `until`; true when done in time.
    pub(crate) fn shutdown(mut self, until: Instant) -> bool {
        self.tx.take();
        let Some(t) = self.thread.take() else {
            return true;
        };
        while !t.is_finished() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        let done = t.is_finished();
        if done {
            let _ = t.join();
        }
        done
    }
}

fn run(
    rx: &Receiver<Arc<Payload>>,
    dests: &[Option<Dest>; 3],
    rt: &tokio::runtime::Handle,
    c: &Counters,
) {
    while let Ok(payload) = rx.recv() {
        let i = match &*payload {
            Payload::Logs(_) => 0,
            Payload::Metrics(_) => 1,
            Payload::Traces(_) => 2,
        };
        let Some(dest) = &dests[i] else { continue };
        match send(dest, &payload, rt) {
            Ok(()) => stats::bump(&c.passthrough_sent),
            Err(_) => stats::bump(&c.passthrough_failed),
        }
    }
}

fn send(dest: &Dest, payload: &Payload, rt: &tokio::runtime::Handle) -> Result<(), String> {
    match dest {
        Dest::Http {
            client,
            url,
            json,
            headers,
        } => {
            let body = if *json {
                match payload {
                    Payload::Logs(r) => serde_json::to_vec(r),
                    Payload::Metrics(r) => serde_json::to_vec(r),
                    Payload::Traces(r) => serde_json::to_vec(r),
                }
                .map_err(|e| e.to_string())?
            } else {
                match payload {
                    Payload::Logs(r) => prost::Message::encode_to_vec(r),
                    Payload::Metrics(r) => prost::Message::encode_to_vec(r),
                    Payload::Traces(r) => prost::Message::encode_to_vec(r),
                }
            };
            let ct = if *json {
                "application/json"
            } else {
                "application/x-protobuf"
            };
            let mut req = client.post(url).header("content-type", ct).body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            let resp = req.send().map_err(|e| e.to_string())?;
            if resp.status().is_success() {
                Ok(())
            } else {
                Err(format!("{url}: HTTP {}", resp.status()))
            }
        }
        Dest::Grpc { channel, headers } => {
            rt.block_on(grpc_send(channel.clone(), headers, payload))
        }
    }
}

fn with_headers<T>(msg: T, headers: &[(String, String)]) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            k.to_ascii_lowercase()
                .parse::<tonic::metadata::MetadataKey<tonic::metadata::Ascii>>(),
            v.parse(),
        ) {
            req.metadata_mut().insert(k, v);
        }
    }
    req
}

async fn grpc_send(
    channel: tonic::transport::Channel,
    headers: &[(String, String)],
    payload: &Payload,
) -> Result<(), String> {
    let r = match payload {
        Payload::Logs(r) => LogsServiceClient::new(channel)
            .export(with_headers(r.clone(), headers))
            .await
            .map(|_| ()),
        Payload::Metrics(r) => MetricsServiceClient::new(channel)
            .export(with_headers(r.clone(), headers))
            .await
            .map(|_| ()),
        Payload::Traces(r) => TraceServiceClient::new(channel)
            .export(with_headers(r.clone(), headers))
            .await
            .map(|_| ()),
    };
    r.map_err(|s| s.to_string())
}
