//! [`Destinations`]: each signal to where an [`ExportConfig`] says.

use agentobs_semconv::{LogRecord, MetricPoint, SignalSink, SpanRecord};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};

use crate::config::{ExportConfig, Signal, Target, Transport};
use crate::http::{ExportError, OtlpHttpExporter, Protocol};
use crate::sdk::SdkSpanSink;
use crate::sdk_logs::SdkLogSink;

enum Traces {
    /// Through `opentelemetry-otlp`'s span exporter (OTLP/HTTP protobuf).
    Sdk(SdkSpanSink<opentelemetry_otlp::SpanExporter>, String),
    /// Our own OTLP/HTTP client (for JSON bodies, which the SDK exporter is built without).
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
    /// Our own OTLP/HTTP client (JSON bodies).
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
    metrics: Option<OtlpHttpExporter>,
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
    Ok(OtlpHttpExporter::new(url, protocol, &headers)?.with_signal_urls(url, url, url))
}

impl Destinations {
    /// The destinations of `config`. gRPC is refused for now (this build has OTLP/HTTP only).
    pub fn new(config: &ExportConfig) -> Result<Self, ExportError> {
        for s in Signal::ALL {
            if let Some(t) = config.target(s)
                && t.transport == Transport::Grpc
            {
                return Err(ExportError::Client(format!(
                    "{s:?} is configured for OTLP/gRPC ({}); this build exports OTLP/HTTP only: \
                     use http/protobuf or http/json",
                    t.endpoint
                )));
            }
        }
        let traces = match &config.traces {
            None => None,
            Some(t) if t.transport == Transport::HttpJson => Some(Traces::Http(http_for(t)?)),
            Some(t) => {
                let headers = t
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.expose().to_owned()))
                    .collect();
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_endpoint(t.endpoint.clone())
                    .with_timeout(t.timeout)
                    .with_headers(headers)
                    // One retry after the first attempt (the SDK's default is three): a
                    // flush to a dead collector is bounded by two timeouts, and the
                    // destinations' circuit breaker fails the next batches fast.
                    .with_retry_policy(
                        opentelemetry_otlp::RetryPolicy::recommended().with_max_retries(1),
                    )
                    .build()
                    .map_err(|e| ExportError::Client(e.to_string()))?;
                Some(Traces::Sdk(SdkSpanSink::new(exporter), t.endpoint.clone()))
            }
        };
        let logs = match &config.logs {
            None => None,
            Some(t) if t.transport == Transport::HttpJson => Some(Logs::Http(http_for(t)?)),
            Some(t) => {
                let exporter = opentelemetry_otlp::LogExporter::builder()
                    .with_http()
                    .with_endpoint(t.endpoint.clone())
                    .with_timeout(t.timeout)
                    .with_headers(sdk_headers(t))
                    .with_retry_policy(
                        opentelemetry_otlp::RetryPolicy::recommended().with_max_retries(1),
                    )
                    .build()
                    .map_err(|e| ExportError::Client(e.to_string()))?;
                Some(Logs::Sdk(SdkLogSink::new(exporter), t.endpoint.clone()))
            }
        };
        Ok(Destinations {
            traces,
            logs,
            metrics: config.metrics.as_ref().map(http_for).transpose()?,
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
        if let Some(h) = &mut self.metrics {
            h.flush();
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
        traces
            + logs
            + self
                .metrics
                .as_ref()
                .map_or(0, |h| h.stats().failed_requests)
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
        for h in [logs_http, self.metrics].into_iter().flatten() {
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
        if let Some(h) = &mut self.metrics {
            h.metric(point);
        }
    }
}
