//! [`Destinations`]: each signal to where an [`ExportConfig`] says.

use agentobs_semconv::{LogRecord, MetricPoint, SignalSink, SpanRecord};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};

#[cfg(not(feature = "grpc"))]
use crate::config::Signal;
use crate::config::{ExportConfig, Target, Transport};
use crate::http::{ExportError, OtlpHttpExporter, Protocol};
use crate::sdk::SdkSpanSink;
use crate::sdk_logs::SdkLogSink;

enum Traces {
    /// Through `opentelemetry-otlp`'s span exporter (OTLP/HTTP protobuf).
    Sdk(SdkSpanSink<opentelemetry_otlp::SpanExporter>, String),
    /// Our own OTLP/HTTP client (for JSON bodies, which the SDK exporter is built without,
    /// and for [`Destinations::batched`]).
    Http(OtlpHttpExporter),
}

impl std::fmt::Debug for Traces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Traces::Sdk(..) => "Traces::Sdk",
            Traces::Http(_) => "Traces::Http",
        })
    }
}

enum Logs {
    /// Through `opentelemetry-otlp`'s log exporter (OTLP/HTTP protobuf).
    Sdk(SdkLogSink<opentelemetry_otlp::LogExporter>, String),
    /// Our own OTLP/HTTP client (JSON bodies, and [`Destinations::batched`]).
    Http(OtlpHttpExporter),
}

impl std::fmt::Debug for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Logs::Sdk(..) => "Logs::Sdk",
            Logs::Http(_) => "Logs::Http",
        })
    }
}

enum Metrics {
    /// Our own OTLP/HTTP client (protobuf or JSON).
    Http(OtlpHttpExporter),
    /// The generated OTLP/gRPC client.
    #[cfg(feature = "grpc")]
    Grpc(crate::grpc::GrpcMetrics),
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Metrics::Http(_) => "Metrics::Http",
            #[cfg(feature = "grpc")]
            Metrics::Grpc(_) => "Metrics::Grpc",
        })
    }
}

impl Metrics {
    fn flush(&mut self) {
        match self {
            Metrics::Http(h) => h.flush(),
            #[cfg(feature = "grpc")]
            Metrics::Grpc(g) => g.flush(),
        }
    }

    fn failed(&self) -> u64 {
        match self {
            Metrics::Http(h) => h.stats().failed_requests,
            #[cfg(feature = "grpc")]
            Metrics::Grpc(g) => g.stats().failed_requests,
        }
    }
}

/// The gRPC runtime, started on first use.
#[derive(Default)]
struct Runtime {
    #[cfg(feature = "grpc")]
    rt: Option<std::sync::Arc<tokio::runtime::Runtime>>,
}

impl Runtime {
    #[cfg(feature = "grpc")]
    fn get(&mut self) -> Result<std::sync::Arc<tokio::runtime::Runtime>, ExportError> {
        if self.rt.is_none() {
            self.rt = Some(crate::grpc::runtime()?);
        }
        Ok(self.rt.clone().expect("just set"))
    }
}

#[cfg(not(feature = "grpc"))]
fn no_grpc(signal: Signal, t: &Target) -> ExportError {
    ExportError::Client(format!(
        "{signal:?} is configured for OTLP/gRPC ({}); this build has no gRPC: use \
         http/protobuf or http/json, or build with the `grpc` feature",
        t.endpoint
    ))
}

fn retries() -> opentelemetry_otlp::RetryPolicy {
    // One retry after the first attempt (the SDK's default is three): a flush to a dead
    // collector is bounded by two timeouts, and the circuit breaker fails the next batches
    // fast.
    opentelemetry_otlp::RetryPolicy::recommended().with_max_retries(1)
}

fn sdk_headers(t: &Target) -> std::collections::HashMap<String, String> {
    t.headers
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect()
}

/// What [`Destinations::finish`] delivered, per signal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivered {
    /// Spans accepted by the receiver.
    pub spans: u64,
    /// Spans that failed.
    pub failed_spans: u64,
    /// Log records accepted.
    pub logs: u64,
    /// Log records that failed (through the SDK exporter; our client counts requests).
    pub failed_logs: u64,
    /// Metric points accepted.
    pub metric_points: u64,
    /// Requests of logs and metrics that failed.
    pub failed_requests: u64,
}

/// A [`SignalSink`] that sends each signal to its target: spans through the OpenTelemetry
/// SDK's OTLP exporter (protobuf; our client for JSON), logs and metrics through
/// [`OtlpHttpExporter`] (the SDK has no public way to export log records and metric points
/// with their original times and ids). A signal without a target is dropped.
#[derive(Debug)]
pub struct Destinations {
    traces: Option<Traces>,
    logs: Option<Logs>,
    metrics: Option<Metrics>,
}

fn http_for(target: &Target) -> Result<OtlpHttpExporter, ExportError> {
    let protocol = match target.transport {
        Transport::HttpJson => Protocol::HttpJson,
        _ => Protocol::HttpProtobuf,
    };
    let headers: Vec<(String, String)> = target
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.expose().to_owned()))
        .collect();
    // Destinations hands this exporter one signal only; its URL is the target's, as written.
    let url = target.endpoint.as_str();
    Ok(OtlpHttpExporter::new(url, protocol, &headers)?
        .with_signal_urls(url, url, url)
        .with_client(crate::tls::http_client(target)?))
}

impl Destinations {
    /// The destinations of `config`: OTLP/HTTP (protobuf through the SDK exporters, JSON
    /// through this crate's client) and, with the `grpc` feature, OTLP/gRPC.
    pub fn new(config: &ExportConfig) -> Result<Self, ExportError> {
        Self::build(config, false)
    }

    /// As [`new`](Self::new), but OTLP/HTTP protobuf spans and log records go through this
    /// crate's client too: one request per flush holding every resource of it. The SDK
    /// exporters take one resource per export call, so a flush of spans from N sessions
    /// (each its own resource, `service.instance.id`) costs them N requests; a gateway
    /// with many sessions open at once wants this.
    pub fn batched(config: &ExportConfig) -> Result<Self, ExportError> {
        Self::build(config, true)
    }

    fn build(config: &ExportConfig, batched: bool) -> Result<Self, ExportError> {
        let mut rt = Runtime::default();
        let traces = match &config.traces {
            None => None,
            Some(t) if batched && t.transport == Transport::HttpProtobuf => {
                Some(Traces::Http(http_for(t)?))
            }
            Some(t) => Some(traces(t, &mut rt)?),
        };
        let logs = match &config.logs {
            None => None,
            Some(t) if batched && t.transport == Transport::HttpProtobuf => {
                Some(Logs::Http(http_for(t)?))
            }
            Some(t) => Some(logs(t, &mut rt)?),
        };
        let metrics = match &config.metrics {
            None => None,
            Some(t) if t.transport == Transport::Grpc => {
                #[cfg(feature = "grpc")]
                {
                    Some(Metrics::Grpc(crate::grpc::GrpcMetrics::new(rt.get()?, t)?))
                }
                #[cfg(not(feature = "grpc"))]
                return Err(no_grpc(Signal::Metrics, t));
            }
            Some(t) => Some(Metrics::Http(http_for(t)?)),
        };
        Ok(Destinations {
            traces,
            logs,
            metrics,
        })
    }

    /// True when no signal has a target.
    pub fn is_empty(&self) -> bool {
        self.traces.is_none() && self.logs.is_none() && self.metrics.is_none()
    }

    /// Sends what is buffered now. An error when a request (or a span export) failed during
    /// this flush; the destinations go on either way.
    pub fn flush(&mut self) -> Result<(), String> {
        let failed_before = self.failures();
        match &mut self.traces {
            Some(Traces::Sdk(s, _)) => s.flush(),
            Some(Traces::Http(h)) => h.flush(),
            None => {}
        }
        match &mut self.logs {
            Some(Logs::Sdk(s, _)) => s.flush(),
            Some(Logs::Http(h)) => h.flush(),
            None => {}
        }
        if let Some(m) = &mut self.metrics {
            m.flush();
        }
        let failed = self.failures() - failed_before;
        if failed == 0 {
            Ok(())
        } else {
            Err(format!("{failed} exports failed in this flush"))
        }
    }

    /// Spans and requests that failed so far.
    fn failures(&self) -> u64 {
        let traces = match &self.traces {
            Some(Traces::Sdk(s, _)) => s.failed(),
            Some(Traces::Http(h)) => h.stats().failed_requests,
            None => 0,
        };
        let logs = match &self.logs {
            Some(Logs::Sdk(s, _)) => s.failed(),
            Some(Logs::Http(h)) => h.stats().failed_requests,
            None => 0,
        };
        traces + logs + self.metrics.as_ref().map_or(0, Metrics::failed)
    }

    /// Sends what is left; what was delivered, and the first error if anything failed.
    pub fn finish(self) -> (Delivered, Option<String>) {
        let mut d = Delivered::default();
        let mut first: Option<String> = None;
        match self.traces {
            Some(Traces::Sdk(s, endpoint)) => {
                let (ok, failed, error) = s.finish();
                d.spans = ok;
                d.failed_spans = failed;
                if let Some(e) = error {
                    first.get_or_insert(format!("{endpoint}: {e}"));
                }
            }
            Some(Traces::Http(mut h)) => {
                h.flush();
                let st = h.stats();
                d.spans = st.spans;
                d.failed_requests += st.failed_requests;
                if let Err(e) = h.finish() {
                    first.get_or_insert(e.to_string());
                }
            }
            None => {}
        }
        let logs_http = match self.logs {
            Some(Logs::Sdk(s, endpoint)) => {
                let (ok, failed, error) = s.finish();
                d.logs += ok;
                d.failed_logs += failed;
                if let Some(e) = error {
                    first.get_or_insert(format!("{endpoint}: {e}"));
                }
                None
            }
            Some(Logs::Http(h)) => Some(h),
            None => None,
        };
        let metrics_http = match self.metrics {
            Some(Metrics::Http(h)) => Some(h),
            #[cfg(feature = "grpc")]
            Some(Metrics::Grpc(g)) => {
                let (st, error) = g.finish();
                d.metric_points += st.metric_points;
                d.failed_requests += st.failed_requests;
                if let Some(e) = error {
                    first.get_or_insert(e.to_string());
                }
                None
            }
            None => None,
        };
        for h in [logs_http, metrics_http].into_iter().flatten() {
            let mut h = h;
            h.flush();
            let st = h.stats();
            d.logs += st.logs;
            d.metric_points += st.metric_points;
            d.failed_requests += st.failed_requests;
            if let Err(e) = h.finish() {
                first.get_or_insert(e.to_string());
            }
        }
        (d, first)
    }
}

fn traces(t: &Target, rt: &mut Runtime) -> Result<Traces, ExportError> {
    let _ = &rt;
    let build = |e: opentelemetry_otlp::ExporterBuildError| ExportError::Client(e.to_string());
    match t.transport {
        #[cfg(not(feature = "http-json"))]
        Transport::HttpJson => Ok(Traces::Http(http_for(t)?)),
        Transport::Grpc => {
            #[cfg(feature = "grpc")]
            {
                use opentelemetry_otlp::WithTonicConfig;
                let rt = rt.get()?;
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_tonic()
                    .with_channel(crate::grpc::channel(&rt, t)?)
                    .with_metadata(crate::grpc::metadata(t)?)
                    .with_timeout(t.timeout)
                    .with_retry_policy(retries())
                    .build()
                    .map_err(build)?;
                let sink =
                    SdkSpanSink::new(exporter).with_executor(crate::exec::Executor::Tokio(rt));
                Ok(Traces::Sdk(sink, t.endpoint.clone()))
            }
            #[cfg(not(feature = "grpc"))]
            Err(no_grpc(Signal::Traces, t))
        }
        _ => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(sdk_protocol(t.transport))
                .with_endpoint(t.endpoint.clone())
                .with_timeout(t.timeout)
                .with_headers(sdk_headers(t))
                .with_http_client(crate::tls::http_client(t)?)
                .with_retry_policy(retries())
                .build()
                .map_err(build)?;
            Ok(Traces::Sdk(SdkSpanSink::new(exporter), t.endpoint.clone()))
        }
    }
}

fn logs(t: &Target, rt: &mut Runtime) -> Result<Logs, ExportError> {
    let _ = &rt;
    let build = |e: opentelemetry_otlp::ExporterBuildError| ExportError::Client(e.to_string());
    match t.transport {
        #[cfg(not(feature = "http-json"))]
        Transport::HttpJson => Ok(Logs::Http(http_for(t)?)),
        Transport::Grpc => {
            #[cfg(feature = "grpc")]
            {
                use opentelemetry_otlp::WithTonicConfig;
                let rt = rt.get()?;
                let exporter = opentelemetry_otlp::LogExporter::builder()
                    .with_tonic()
                    .with_channel(crate::grpc::channel(&rt, t)?)
                    .with_metadata(crate::grpc::metadata(t)?)
                    .with_timeout(t.timeout)
                    .with_retry_policy(retries())
                    .build()
                    .map_err(build)?;
                let sink =
                    SdkLogSink::new(exporter).with_executor(crate::exec::Executor::Tokio(rt));
                Ok(Logs::Sdk(sink, t.endpoint.clone()))
            }
            #[cfg(not(feature = "grpc"))]
            Err(no_grpc(Signal::Logs, t))
        }
        _ => {
            let exporter = opentelemetry_otlp::LogExporter::builder()
                .with_http()
                .with_protocol(sdk_protocol(t.transport))
                .with_endpoint(t.endpoint.clone())
                .with_timeout(t.timeout)
                .with_headers(sdk_headers(t))
                .with_http_client(crate::tls::http_client(t)?)
                .with_retry_policy(retries())
                .build()
                .map_err(build)?;
            Ok(Logs::Sdk(SdkLogSink::new(exporter), t.endpoint.clone()))
        }
    }
}

fn sdk_protocol(t: Transport) -> opentelemetry_otlp::Protocol {
    match t {
        #[cfg(feature = "http-json")]
        Transport::HttpJson => opentelemetry_otlp::Protocol::HttpJson,
        _ => opentelemetry_otlp::Protocol::HttpBinary,
    }
}

impl SignalSink for Destinations {
    fn span(&mut self, span: SpanRecord) {
        match &mut self.traces {
            Some(Traces::Sdk(s, _)) => s.span(span),
            Some(Traces::Http(h)) => h.span(span),
            None => {}
        }
    }
    fn log(&mut self, log: LogRecord) {
        match &mut self.logs {
            Some(Logs::Sdk(s, _)) => s.log(log),
            Some(Logs::Http(h)) => h.log(log),
            None => {}
        }
    }
    fn metric(&mut self, point: MetricPoint) {
        match &mut self.metrics {
            Some(Metrics::Http(h)) => h.metric(point),
            #[cfg(feature = "grpc")]
            Some(Metrics::Grpc(g)) => g.metric(point),
            None => {}
        }
    }
}
