//! OTLP/gRPC: the logs, metrics and trace services of opentelemetry-proto on a tonic server.

use std::net::SocketAddr;
use std::sync::Arc;

use agentobs_export::proto::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use agentobs_export::proto::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use agentobs_export::proto::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use agentobs_export::proto::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use agentobs_export::proto::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use agentobs_export::proto::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tonic::codec::CompressionEncoding;
use tonic::{Request, Response, Status};

use crate::GatewayError;
use crate::ingest::{Ingest, Payload, Reject};

#[derive(Clone, Debug)]
struct Service(Arc<Ingest>);

impl Service {
    fn submit(&self, payload: Payload, wire_bytes: usize) -> Result<(), Status> {
        let s = &self.0;
        crate::stats::bump(&s.counters.requests);
        crate::stats::add(&s.counters.received_bytes, wire_bytes as u64);
        // The permit bounds requests being handed over, as for HTTP.
        let result = match s.in_flight.clone().try_acquire_owned() {
            Ok(_permit) => s.submit(payload),
            Err(_) => Err(Reject::Busy),
        };
        result.map_err(|r| {
            s.count_reject(&r);
            match r {
                Reject::Busy => Status::resource_exhausted(r.to_string()),
                Reject::Closing => Status::unavailable(r.to_string()),
                Reject::TooLarge(_) => Status::out_of_range(r.to_string()),
                Reject::Bad(_) | Reject::Unsupported(_) => Status::invalid_argument(r.to_string()),
            }
        })
    }
}

#[tonic::async_trait]
impl LogsService for Service {
    async fn export(
        &self,
        r: Request<ExportLogsServiceRequest>,
    ) -> Result<Response<ExportLogsServiceResponse>, Status> {
        let r = r.into_inner();
        let n = prost::Message::encoded_len(&r);
        self.submit(Payload::Logs(r), n)?;
        Ok(Response::new(ExportLogsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Service {
    async fn export(
        &self,
        r: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let r = r.into_inner();
        let n = prost::Message::encoded_len(&r);
        self.submit(Payload::Metrics(r), n)?;
        Ok(Response::new(ExportMetricsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl TraceService for Service {
    async fn export(
        &self,
        r: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let r = r.into_inner();
        let n = prost::Message::encoded_len(&r);
        self.submit(Payload::Traces(r), n)?;
        Ok(Response::new(ExportTraceServiceResponse::default()))
    }
}

/// Binds `addr` and serves the three services on `rt` until the gateway closes.
pub(crate) fn serve(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    ingest: Arc<Ingest>,
    max_body_bytes: usize,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), GatewayError> {
    let listener = std::net::TcpListener::bind(addr)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|source| GatewayError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| GatewayError::Bind { addr, source })?;
    let mut closed = ingest.closed.subscribe();
    let svc = Service(ingest);
    let task = rt.spawn(async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let _ = tonic::transport::Server::builder()
            .add_service(
                LogsServiceServer::new(svc.clone())
                    .accept_compressed(CompressionEncoding::Gzip)
                    .max_decoding_message_size(max_body_bytes),
            )
            .add_service(
                MetricsServiceServer::new(svc.clone())
                    .accept_compressed(CompressionEncoding::Gzip)
                    .max_decoding_message_size(max_body_bytes),
            )
            .add_service(
                TraceServiceServer::new(svc)
                    .accept_compressed(CompressionEncoding::Gzip)
                    .max_decoding_message_size(max_body_bytes),
            )
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = closed.wait_for(|c| *c).await;
            })
            .await;
    });
    Ok((local, task))
}
