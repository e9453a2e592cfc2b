//! An OTLP receiver for coding agents' own telemetry.
//!
//! Codex (and any harness that exports the same `codex.*` signals), Claude Code and Gemini
//! CLI send their OTLP logs, metrics and traces here, over OTLP/HTTP (`/v1/logs`, `/v1/metrics`, `/v1/traces`;
//! protobuf or JSON; gzip bodies) or OTLP/gRPC. Each request is parsed on the receiving
//! task, split by session over the decoder threads ([`GatewayBuilder::decoders`]), put on
//! their bounded queues, and decoded into the typed event stream
//! (`agentobs_codex::otlp`, `agentobs_claude::otlp` or `agentobs_gemini::otlp`, chosen per
//! resource by its `service.name`, scope names or record names); the events go through the anomaly engine when one is given
//! (its alerts become events of their sessions) and into an export [`Pipeline`] — typically
//! an `OtlpSink` that maps them to a dialect, prices each request and sends them upstream.
//!
//! ```text
//!  HTTP / gRPC ─> parse, split ─> bounded queues ─> decoder threads ─> anomaly Taps ─> Pipeline ─> upstream
//!   (429/503,      (400 on bad    (one per thread;   (one per shard of    (one per      (bounded
//!   RESOURCE_       input; by      full: 429 /        sessions, closed     thread)       queues,
//!   EXHAUSTED)      session key)   RESOURCE_EXH.)     when idle or at end)               own threads)
//! ```
//!
//! Memory is bounded: a request body (and its gunzipped form) is capped, so are the
//! requests being read at once and the queues; a decoder waits while the pipeline's queue
//! is nearly full, so an upstream that cannot keep up fills the gateway's queue and the
//! receiver answers HTTP 429 with `Retry-After` (gRPC `RESOURCE_EXHAUSTED`) instead of
//! dropping. Sessions from OTLP have no end: one whose last record is older than the idle
//! time is closed (its agent span and its alerts are exported), and
//! [`Gateway::shutdown`] stops accepting, drains the queue, closes every open session and
//! flushes within a deadline.
//!
//! ```no_run
//! use std::time::Duration;
//! use agentobs_export::pipeline::{MemorySink, Pipeline};
//! use agentobs_gateway::Gateway;
//!
//! let memory = MemorySink::new();
//! let pipeline = Pipeline::builder().sink("memory", memory.clone()).build();
//! let gateway = Gateway::builder()
//!     .http("127.0.0.1:4318".parse().unwrap())
//!     .start(pipeline)?;
//! println!("listening on {}", gateway.http_addr().unwrap());
//! // … Codex exports to http://127.0.0.1:4318 …
//! let report = gateway.shutdown(Duration::from_secs(10));
//! println!("{} events", report.stats.decoded_events);
//! # Ok::<(), agentobs_gateway::GatewayError>(())
//! ```

#![warn(unreachable_pub, missing_debug_implementations)]

mod grpc;
mod http;
mod ingest;
mod passthrough;
mod route;
mod shard;
mod stats;
mod worker;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use agentobs_anomaly::Engine;
use agentobs_codex::log_event::DecodeOptions;
use agentobs_export::config::ExportConfig;
use agentobs_export::pipeline::Pipeline;

pub use ingest::Signal;
pub use stats::Stats;

/// Default cap on a request body, compressed or not, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 << 20;
/// Default capacity of the queue between receiving and decoding, in requests.
pub const DEFAULT_QUEUE_CAPACITY: usize = 64;
/// Default number of request bodies read at once.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;
/// Default number of tokio worker threads serving HTTP and gRPC.
pub const DEFAULT_WORKERS: usize = 2;
/// Default idle time after which a session is closed.
pub const DEFAULT_IDLE_CLOSE: Duration = Duration::from_secs(300);
/// Longest wait at shutdown for the connections still open to finish their requests.
const SERVER_GRACE: Duration = Duration::from_secs(2);
/// Default `Retry-After` given with a 429 or 503.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What can go wrong starting a gateway.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// Neither an HTTP nor a gRPC address was given.
    #[error("nothing to listen on: give an HTTP or a gRPC address")]
    NoListener,
    /// An address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The runtime or a thread could not be started.
    #[error("cannot start the gateway's {what}: {source}")]
    Start {
        /// What was being started.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
    /// The passthrough destination is not usable.
    #[error("passthrough: {0}")]
    Passthrough(String),
}

/// Builds a [`Gateway`]. Defaults: no listener (give at least one), bodies up to
/// [`DEFAULT_MAX_BODY_BYTES`], a queue of [`DEFAULT_QUEUE_CAPACITY`] requests,
/// [`DEFAULT_MAX_IN_FLIGHT`] bodies read at once, [`DEFAULT_WORKERS`] worker threads,
/// [`default_decoders`] decoder threads, sessions closed after [`DEFAULT_IDLE_CLOSE`],
/// `Retry-After` [`DEFAULT_RETRY_AFTER`], no anomaly engine, content withheld, no
/// passthrough.
#[derive(Debug)]
pub struct GatewayBuilder {
    http: Option<SocketAddr>,
    grpc: Option<SocketAddr>,
    max_body_bytes: usize,
    queue_capacity: usize,
    max_in_flight: usize,
    workers: usize,
    idle_close: Duration,
    retry_after: Duration,
    decode: DecodeOptions,
    engine: Option<worker::MakeEngine>,
    passthrough: Option<ExportConfig>,
    pipeline_capacity: usize,
    decoders: Option<usize>,
}

/// The number of decoder threads a gateway runs unless told otherwise: the available
/// parallelism (the CPUs this process may use), at least 1.
pub fn default_decoders() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

impl GatewayBuilder {
    /// The queue capacity the pipeline given to [`start`](Self::start) was built with
    /// (default [`agentobs_export::pipeline::DEFAULT_QUEUE_CAPACITY`]): the decoder never
    /// lets a sink's queue overflow — it waits until the queue is at most half full when
    /// the room it knew of is used up — so a slow upstream fills the gateway's own queue
    /// (and gets 429s) instead of dropping events.
    pub fn pipeline_capacity(mut self, events: usize) -> Self {
        self.pipeline_capacity = events.max(2);
        self
    }

    /// Serve OTLP/HTTP on `addr` (port 0 picks a free one); also `/healthz` and `/stats`.
    pub fn http(mut self, addr: SocketAddr) -> Self {
        self.http = Some(addr);
        self
    }

    /// Serve OTLP/gRPC on `addr`.
    pub fn grpc(mut self, addr: SocketAddr) -> Self {
        self.grpc = Some(addr);
        self
    }

    /// Largest request body accepted, compressed and decompressed (larger: HTTP 413, gRPC
    /// `OUT_OF_RANGE` from tonic's limit).
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes.max(1024);
        self
    }

    /// Requests (their parts, per decoder thread) queued between receiving and decoding;
    /// beyond it, 429 / `RESOURCE_EXHAUSTED`.
    pub fn queue_capacity(mut self, requests: usize) -> Self {
        self.queue_capacity = requests.max(1);
        self
    }

    /// Request bodies read at once; beyond it, 429 / `RESOURCE_EXHAUSTED`.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests.max(1);
        self
    }

    /// Worker threads of the runtime serving HTTP and gRPC.
    pub fn workers(mut self, threads: usize) -> Self {
        self.workers = threads.max(1);
        self
    }

    /// Close a session once nothing has arrived for it for this long.
    pub fn idle_close(mut self, idle: Duration) -> Self {
        self.idle_close = idle;
        self
    }

    /// The `Retry-After` given with 429 and 503 answers (whole seconds, at least 1).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = after;
        self
    }

    /// How records are decoded (content kept or withheld).
    pub fn decode_options(mut self, options: DecodeOptions) -> Self {
        self.decode = options;
        self
    }

    /// Run the anomaly rules over the sessions; their alerts are forwarded as events. Each
    /// decoder thread runs its own engine, made by `make` (its sessions are its own).
    pub fn engine(mut self, make: impl Fn() -> Engine + Send + Sync + 'static) -> Self {
        self.engine = Some(worker::MakeEngine(Arc::new(make)));
        self
    }

    /// Decoder threads (default [`default_decoders`]): each request's records are split by
    /// session key (Codex `conversation.id`, Claude Code and Gemini CLI `session.id`;
    /// records without one by resource), so every record of a session is decoded, priced
    /// and checked by the same thread, which keeps that session's state. Each thread has
    /// its own queue of [`queue_capacity`](Self::queue_capacity) parts.
    pub fn decoders(mut self, threads: usize) -> Self {
        self.decoders = Some(threads.max(1));
        self
    }

    /// Also forward every request as received (re-encoded unchanged) to where `config` says.
    pub fn passthrough(mut self, config: Option<ExportConfig>) -> Self {
        self.passthrough = config;
        self
    }

    /// Binds the listeners and starts serving; events go to `pipeline`.
    pub fn start(self, pipeline: Pipeline) -> Result<Gateway, GatewayError> {
        if self.http.is_none() && self.grpc.is_none() {
            return Err(GatewayError::NoListener);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.workers)
            .thread_name("agentobs-gateway")
            .enable_all()
            .build()
            .map_err(|source| GatewayError::Start {
                what: "runtime",
                source,
            })?;
        let counters = Arc::new(stats::Counters::default());
        let passthrough = match &self.passthrough {
            Some(c) => Some(passthrough::Passthrough::start(
                c,
                runtime.handle().clone(),
                counters.clone(),
            )?),
            None => None,
        };
        let pipeline = Arc::new(pipeline);
        let shards = self.decoders.unwrap_or_else(default_decoders);
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..shards)
            .map(|_| std::sync::mpsc::sync_channel(self.queue_capacity))
            .unzip();
        let ingest = Arc::new(ingest::Ingest::new(
            txs,
            ingest::IngestConfig {
                counters: counters.clone(),
                pipeline: pipeline.clone(),
                max_body_bytes: self.max_body_bytes,
                max_in_flight: self.max_in_flight,
                retry_after: self.retry_after,
                queue_capacity: self.queue_capacity,
                passthrough: passthrough.as_ref().and_then(|p| p.sender()),
            },
        ));
        let mut workers = Vec::with_capacity(shards);
        for (shard, rx) in rxs.into_iter().enumerate() {
            let spawned = worker::Worker {
                shard,
                shards,
                rx,
                pipeline: pipeline.clone(),
                counters: counters.clone(),
                ingest: ingest.clone(),
                decode: self.decode,
                engine: self.engine.as_ref().map(|make| (make.0)()),
                idle_close: self.idle_close,
                capacity: self.pipeline_capacity as u64,
            }
            .spawn();
            match spawned {
                Ok(w) => workers.push(w),
                Err(source) => {
                    ingest.end_input();
                    return Err(GatewayError::Start {
                        what: "decoder thread",
                        source,
                    });
                }
            }
        }
        let mut servers = Vec::new();
        let mut http_addr = None;
        let mut grpc_addr = None;
        if let Some(addr) = self.http {
            let (a, task) = http::serve(&runtime, addr, ingest.clone())?;
            http_addr = Some(a);
            servers.push(task);
        }
        if let Some(addr) = self.grpc {
            let (a, task) = grpc::serve(&runtime, addr, ingest.clone(), self.max_body_bytes)?;
            grpc_addr = Some(a);
            servers.push(task);
        }
        Ok(Gateway {
            runtime: Some(runtime),
            ingest,
            pipeline,
            workers,
            servers,
            passthrough,
            http_addr,
            grpc_addr,
        })
    }
}

/// A running gateway: see the [crate documentation](crate). Dropping it without
/// [`shutdown`](Gateway::shutdown) shuts it down with a 10 s deadline.
#[derive(Debug)]
pub struct Gateway {
    runtime: Option<tokio::runtime::Runtime>,
    ingest: Arc<ingest::Ingest>,
    pipeline: Arc<Pipeline>,
    workers: Vec<std::thread::JoinHandle<()>>,
    servers: Vec<tokio::task::JoinHandle<()>>,
    passthrough: Option<passthrough::Passthrough>,
    http_addr: Option<SocketAddr>,
    grpc_addr: Option<SocketAddr>,
}

/// How [`Gateway::shutdown`] went.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ShutdownReport {
    /// The counters at the end.
    pub stats: Stats,
    /// How the export pipeline shut down (per sink: delivered, failed, first error).
    pub pipeline: agentobs_export::pipeline::ShutdownReport,
    /// True when everything was drained and flushed by the deadline.
    pub complete: bool,
}

impl Gateway {
    /// A builder with the documented defaults.
    pub fn builder() -> GatewayBuilder {
        GatewayBuilder {
            http: None,
            grpc: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            workers: DEFAULT_WORKERS,
            idle_close: DEFAULT_IDLE_CLOSE,
            retry_after: DEFAULT_RETRY_AFTER,
            decode: DecodeOptions::default(),
            engine: None,
            passthrough: None,
            pipeline_capacity: agentobs_export::pipeline::DEFAULT_QUEUE_CAPACITY,
            decoders: None,
        }
    }

    /// The bound OTLP/HTTP address.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// The bound OTLP/gRPC address.
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.grpc_addr
    }

    /// The counters now (what `GET /stats` answers).
    pub fn stats(&self) -> Stats {
        self.ingest.stats()
    }

    /// Stops accepting (new requests get 503, listeners close), decodes what is queued,
    /// closes every open session (its spans and alerts are exported) and flushes the
    /// pipeline, all within `deadline`.
    pub fn shutdown(mut self, deadline: Duration) -> ShutdownReport {
        self.stop(deadline)
    }

    fn stop(&mut self, deadline: Duration) -> ShutdownReport {
        let until = Instant::now() + deadline;
        self.ingest.begin_closing();
        let mut complete = true;
        if let Some(rt) = &self.runtime {
            // Requests being read get a grace period to finish; connections still open
            // after it (idle keep-alive, a client that went quiet) are cut.
            let servers = std::mem::take(&mut self.servers);
            let grace = (deadline / 4).min(SERVER_GRACE);
            rt.block_on(async move {
                let end = tokio::time::Instant::now() + grace;
                for mut s in servers {
                    if tokio::time::timeout_at(end, &mut s).await.is_err() {
                        s.abort();
                    }
                }
            });
        }
        self.ingest.end_input();
        for w in std::mem::take(&mut self.workers) {
            while !w.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(5));
            }
            if w.is_finished() {
                let _ = w.join();
            } else {
                complete = false;
            }
        }
        if let Some(p) = self.passthrough.take() {
            complete &= p.shutdown(until);
        }
        let pipeline = self
            .pipeline
            .shutdown(until.saturating_duration_since(Instant::now()));
        complete &= pipeline.complete();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_millis(200));
        }
        ShutdownReport {
            stats: self.ingest.stats(),
            pipeline,
            complete,
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if self.runtime.is_some() {
            let _ = self.stop(Duration::from_secs(10));
        }
    }
}
