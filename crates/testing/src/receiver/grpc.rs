//! The OTLP/gRPC side: opentelemetry-proto's generated services on a tonic server, on a
//! current-thread tokio runtime of its own.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

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
use prost::Message;
use tonic::{Response, Status};

use super::{Mode, Payload, Request, Shared, Transport};

#[derive(Clone)]
struct Service(Arc<Shared>);

impl Service {
    /// Applies the mode: `Ok(())` to keep the request.
    async fn admit(&self) -> Result<(), Status> {
        self.0.attempt();
        match self.0.mode() {
            Mode::Accept => Ok(()),
            Mode::Stall(d) => {
                let step = Duration::from_millis(10);
                let mut left = d;
                while !left.is_zero() && !self.0.stopped() {
                    let s = left.min(step);
                    tokio::time::sleep(s).await;
                    left = left.saturating_sub(s);
                }
                Ok(())
            }
            Mode::Fail(429 | 502 | 503 | 504) | Mode::Drop => {
                Err(Status::unavailable("receiver told to fail"))
            }
            Mode::Fail(_) => Err(Status::internal("receiver told to fail")),
        }
    }

    fn keep<T: Message>(&self, path: &str, r: &tonic::Request<T>, payload: Payload) {
        let headers: BTreeMap<String, String> = r
            .metadata()
            .iter()
            .filter_map(|kv| match kv {
                tonic::metadata::KeyAndValueRef::Ascii(k, v) => {
                    Some((k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                }
                _ => None,
            })
            .collect();
        self.0.keep(Request {
            transport: Transport::Grpc,
            path: path.to_owned(),
            headers,
            body: r.get_ref().encode_to_vec(),
            payload,
        });
    }
}

#[tonic::async_trait]
impl TraceService for Service {
    async fn export(
        &self,
        r: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        self.admit().await?;
        let payload = Payload::Traces(r.get_ref().clone());
        self.keep(
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            &r,
            payload,
        );
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for Service {
    async fn export(
        &self,
        r: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        self.admit().await?;
        let payload = Payload::Logs(r.get_ref().clone());
        self.keep(
            "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
            &r,
            payload,
        );
        Ok(Response::new(ExportLogsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Service {
    async fn export(
        &self,
        r: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        self.admit().await?;
        let payload = Payload::Metrics(r.get_ref().clone());
        self.keep(
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
            &r,
            payload,
        );
        Ok(Response::new(ExportMetricsServiceResponse::default()))
    }
}

pub(super) struct GrpcServer {
    pub(super) addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GrpcServer {
    pub(super) fn start(shared: Arc<Shared>) -> GrpcServer {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let _ = std_listener.set_nonblocking(true);
        let addr = std_listener.local_addr().expect("local address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s = Service(shared);
        let thread = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) else {
                    return;
                };
                let incoming = tonic::transport::server::TcpIncoming::from(listener);
                let _ = tonic::transport::Server::builder()
                    .add_service(TraceServiceServer::new(s.clone()))
                    .add_service(LogsServiceServer::new(s.clone()))
                    .add_service(MetricsServiceServer::new(s))
                    .serve_with_incoming_shutdown(incoming, async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        GrpcServer {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for GrpcServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
