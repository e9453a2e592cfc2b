//! OTLP/gRPC (feature `grpc`): one tonic channel per target on a current-thread tokio runtime
//! owned by the destinations; spans and logs through opentelemetry-otlp's tonic exporters on
//! that channel, metric points through the generated `MetricsService` client (the SDK has no
//! public way to export points with their original times).

use std::sync::Arc;

use agentobs_semconv::{MetricPoint, SignalSink};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Channel, Endpoint};

use crate::batch::{Batches, Deliver};
use crate::breaker::Breaker;
use crate::config::Target;
use crate::http::{ExportError, SendStats};

/// The runtime gRPC exports run on.
pub(crate) fn runtime() -> Result<Arc<tokio::runtime::Runtime>, ExportError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| ExportError::Client(format!("cannot start the gRPC runtime: {e}")))
}

/// A lazily connecting channel to `target` (it connects on the first export, and again
/// after a failure).
pub(crate) fn channel(
    rt: &tokio::runtime::Runtime,
    target: &Target,
) -> Result<Channel, ExportError> {
    let url = target.endpoint.as_str();
    #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
    let mut endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|_| ExportError::Endpoint(url.to_owned()))?
        .timeout(target.timeout)
        .connect_timeout(target.timeout);
    #[cfg(feature = "tls")]
    if let Some(tls) = crate::tls::tonic_config(target)? {
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|e| ExportError::Client(format!("{url}: TLS: {e}")))?;
    }
    // Without TLS in the build, an https:// endpoint or a `tls` section is a clear error.
    #[cfg(not(feature = "tls"))]
    crate::tls::check(target)?;
    let _guard = rt.enter();
    Ok(endpoint.connect_lazy())
}

/// The target's headers as gRPC metadata.
pub(crate) fn metadata(target: &Target) -> Result<MetadataMap, ExportError> {
    let mut map = MetadataMap::new();
    for (name, value) in &target.headers {
        let key = MetadataKey::from_bytes(name.to_ascii_lowercase().as_bytes()).map_err(|e| {
            ExportError::Header {
                name: name.clone(),
                reason: e.to_string(),
            }
        })?;
        let value = MetadataValue::try_from(value.expose()).map_err(|_| ExportError::Header {
            name: name.clone(),
            reason: "the value has characters a header cannot carry".into(),
        })?;
        map.insert(key, value);
    }
    Ok(map)
}

struct MetricsOut {
    rt: Arc<tokio::runtime::Runtime>,
    client: MetricsServiceClient<Channel>,
    metadata: MetadataMap,
    url: String,
    stats: SendStats,
    error: Option<ExportError>,
    breaker: Breaker,
}

impl Deliver for MetricsOut {
    fn spans(&mut self, _: &[agentobs_semconv::SpanRecord]) {}
    fn logs(&mut self, _: &[agentobs_semconv::LogRecord]) {}
    fn metrics(&mut self, points: &[MetricPoint]) {
        if !self.breaker.allow() {
            self.stats.failed_requests += 1;
            self.stats.skipped_requests += 1;
            return;
        }
        let body = crate::otlp::metrics_request(points);
        let mut request = tonic::Request::new(body);
        *request.metadata_mut() = self.metadata.clone();
        let client = &mut self.client;
        match self.rt.block_on(client.export(request)) {
            Ok(_) => {
                self.breaker.success();
                self.stats.requests += 1;
                self.stats.metric_points += points.len() as u64;
            }
            Err(status) => {
                // Only "send less" (bad data) says nothing about the receiver's health.
                if status.code() != tonic::Code::InvalidArgument {
                    self.breaker.failure();
                }
                self.stats.failed_requests += 1;
                self.error.get_or_insert(ExportError::Transport {
                    url: self.url.clone(),
                    reason: format!("gRPC {:?}: {}", status.code(), status.message()),
                });
            }
        }
    }
}

/// Metric points over OTLP/gRPC, batched.
pub(crate) struct GrpcMetrics {
    batches: Batches,
    out: MetricsOut,
}

impl std::fmt::Debug for GrpcMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcMetrics")
            .field("url", &self.out.url)
            .finish_non_exhaustive()
    }
}

impl GrpcMetrics {
    pub(crate) fn new(
        rt: Arc<tokio::runtime::Runtime>,
        target: &Target,
    ) -> Result<Self, ExportError> {
        let channel = channel(&rt, target)?;
        Ok(GrpcMetrics {
            batches: Batches::new(crate::DEFAULT_BATCH),
            out: MetricsOut {
                rt,
                client: MetricsServiceClient::new(channel),
                metadata: metadata(target)?,
                url: target.endpoint.clone(),
                stats: SendStats::default(),
                error: None,
                breaker: Breaker::default(),
            },
        })
    }

    pub(crate) fn flush(&mut self) {
        self.batches.flush(&mut self.out);
    }

    pub(crate) fn stats(&self) -> SendStats {
        self.out.stats
    }

    pub(crate) fn finish(mut self) -> (SendStats, Option<ExportError>) {
        self.out.breaker.half_open();
        self.flush();
        (self.out.stats, self.out.error.take())
    }
}

impl SignalSink for GrpcMetrics {
    fn metric(&mut self, point: MetricPoint) {
        self.batches.metric(point, &mut self.out);
    }
}
