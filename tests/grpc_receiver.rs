//! An in-process OTLP/gRPC receiver on 127.0.0.1 (opentelemetry-proto's generated services on
//! a tonic server): records, per request, the signal, the metadata and the item count. Stops
//! when the handle is dropped.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agentobs::export::proto::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use agentobs::export::proto::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use agentobs::export::proto::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use agentobs::export::proto::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use agentobs::export::proto::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use agentobs::export::proto::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tonic::{Request, Response, Status};

/// One export call.
#[derive(Clone, Debug)]
pub struct Call {
    /// `traces`, `logs` or `metrics`.
    pub signal: &'static str,
    /// Metadata (lower-case keys; binary values left out).
    pub metadata: BTreeMap<String, String>,
    /// Spans, log records or data points in the call.
    pub items: usize,
}

#[derive(Clone, Default)]
struct Store(Arc<Mutex<Vec<Call>>>);

impl Store {
    fn record<T>(&self, signal: &'static str, r: &Request<T>, items: usize) {
        let metadata = r
            .metadata()
            .iter()
            .filter_map(|kv| match kv {
                tonic::metadata::KeyAndValueRef::Ascii(k, v) => {
                    Some((k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                }
                _ => None,
            })
            .collect();
        self.0.lock().unwrap().push(Call {
            signal,
            metadata,
            items,
        });
    }
}

#[tonic::async_trait]
impl TraceService for Store {
    async fn export(
        &self,
        r: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let n = r
            .get_ref()
            .resource_spans
            .iter()
            .flat_map(|x| &x.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        self.record("traces", &r, n);
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for Store {
    async fn export(
        &self,
        r: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let n = r
            .get_ref()
            .resource_logs
            .iter()
            .flat_map(|x| &x.scope_logs)
            .map(|s| s.log_records.len())
            .sum();
        self.record("logs", &r, n);
        Ok(Response::new(ExportLogsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Store {
    async fn export(
        &self,
        r: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let n = r
            .get_ref()
            .resource_metrics
            .iter()
            .flat_map(|x| &x.scope_metrics)
            .map(|s| s.metrics.len())
            .sum();
        self.record("metrics", &r, n);
        Ok(Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// The receiver's handle.
pub struct GrpcReceiver {
    addr: std::net::SocketAddr,
    store: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GrpcReceiver {
    /// Starts on an ephemeral port.
    pub fn start() -> GrpcReceiver {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let store = Store::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s = store.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                let incoming = tonic::transport::server::TcpIncoming::from(listener);
                let _ = tonic::transport::Server::builder()
                    .add_service(TraceServiceServer::new(s.clone()))
                    .add_service(LogsServiceServer::new(s.clone()))
                    .add_service(MetricsServiceServer::new(s))
                    .serve_with_incoming_shutdown(incoming, async {
                        let _ = tokio::time::timeout(Duration::from_secs(120), rx).await;
                    })
                    .await;
            });
        });
        GrpcReceiver {
            addr,
            store,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The calls so far.
    pub fn calls(&self) -> Vec<Call> {
        self.store.0.lock().unwrap().clone()
    }

    /// Waits until `pred` holds, at most `timeout`; the calls then.
    pub fn wait_until(&self, timeout: Duration, pred: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        let until = Instant::now() + timeout;
        loop {
            let c = self.calls();
            if pred(&c) || Instant::now() >= until {
                return c;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for GrpcReceiver {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
