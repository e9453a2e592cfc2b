//! Where each signal goes: resolved from a builder, the standard `OTEL_*` variables and
//! Codex's `[otel]` section.
//!
//! **Precedence**, highest first, for each setting of each signal:
//! 1. the builder ([`ExportConfigBuilder`]: what command-line flags set);
//! 2. the per-signal variable (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `…_LOGS_PROTOCOL`, …);
//! 3. the generic variable (`OTEL_EXPORTER_OTLP_ENDPOINT`, `…_PROTOCOL`, `…_HEADERS`,
//!    `…_TIMEOUT`);
//! 4. Codex's `[otel]` section (`exporter` for logs, `trace_exporter`, `metrics_exporter`);
//! 5. the defaults: no exporter, `http/protobuf`, 10 s.
//!
//! Headers merge by name in the same order. A generic endpoint is a base URL: `/v1/traces`,
//! `/v1/logs` or `/v1/metrics` is appended for HTTP; per-signal and `[otel]` endpoints are
//! used as written. A gRPC endpoint without a scheme gets `https://`, or `http://` when
//! `OTEL_EXPORTER_OTLP_INSECURE=true`. `OTEL_SDK_DISABLED=true` turns every signal off.
//! Header values are [`Secret`]s: no `Debug` output, log line or error shows one.

use std::collections::BTreeMap;
use std::time::Duration;

pub use agentobs_codex::otel::{OtelConfig, OtelExporter, OtelHttpProtocol, OtelTls, Secret};

/// How a signal is carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// OTLP/gRPC.
    Grpc,
    /// OTLP/HTTP with protobuf bodies (the OTLP default).
    HttpProtobuf,
    /// OTLP/HTTP with JSON bodies.
    HttpJson,
}

impl Transport {
    /// Parses an `OTEL_EXPORTER_OTLP_PROTOCOL` value.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "grpc" => Some(Transport::Grpc),
            "http/protobuf" => Some(Transport::HttpProtobuf),
            "http/json" => Some(Transport::HttpJson),
            _ => None,
        }
    }
}

/// One signal of OTLP: traces, logs or metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Spans.
    Traces,
    /// Log records.
    Logs,
    /// Metric points.
    Metrics,
}

impl Signal {
    /// `TRACES`, `LOGS`, `METRICS`: the infix of per-signal variables.
    pub fn env_infix(self) -> &'static str {
        match self {
            Signal::Traces => "TRACES",
            Signal::Logs => "LOGS",
            Signal::Metrics => "METRICS",
        }
    }

    /// `/v1/traces`, `/v1/logs`, `/v1/metrics`.
    pub fn http_path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Logs => "/v1/logs",
            Signal::Metrics => "/v1/metrics",
        }
    }

    /// The three signals.
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Logs, Signal::Metrics];
}

/// Where one signal goes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Target {
    /// Full URL (for HTTP, including the signal path).
    pub endpoint: String,
    /// Transport.
    pub transport: Transport,
    /// Request headers.
    pub headers: BTreeMap<String, Secret>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// TLS files.
    pub tls: Option<OtelTls>,
}

/// The resolved configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExportConfig {
    /// Where spans go; `None`: not exported.
    pub traces: Option<Target>,
    /// Where log records go.
    pub logs: Option<Target>,
    /// Where metric points go.
    pub metrics: Option<Target>,
    /// `OTEL_SERVICE_NAME`, overriding the resource's `service.name`.
    pub service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, added to every resource.
    pub resource_attributes: Vec<(String, String)>,
    /// `[otel].environment`.
    pub environment: Option<String>,
    /// `[otel].log_user_prompt`.
    pub log_user_prompt: bool,
    /// `OTEL_SEMCONV_STABILITY_OPT_IN` lists `gen_ai_latest_experimental`.
    pub genai_latest: bool,
}

impl ExportConfig {
    /// The target of `signal`.
    pub fn target(&self, signal: Signal) -> Option<&Target> {
        match signal {
            Signal::Traces => self.traces.as_ref(),
            Signal::Logs => self.logs.as_ref(),
            Signal::Metrics => self.metrics.as_ref(),
        }
    }

    /// A builder (for command-line flags and code), resolved against `env` and `otel`.
    pub fn builder() -> ExportConfigBuilder {
        ExportConfigBuilder::default()
    }
}

/// Why a configuration could not be resolved. Names the variable or key, never a header value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportConfigError {
    /// A protocol value is not `grpc`, `http/protobuf` or `http/json`.
    #[error("{variable}={value:?}: expected grpc, http/protobuf or http/json")]
    Protocol {
        /// Where it was set.
        variable: String,
        /// The value.
        value: String,
    },
    /// A `k=v,k=v` list has an entry without `=`.
    #[error("{variable}: entry {index} is not NAME=VALUE")]
    List {
        /// Where it was set.
        variable: String,
        /// 1-based entry.
        index: usize,
    },
    /// A timeout is not a number of milliseconds.
    #[error("{variable}={value:?}: expected milliseconds")]
    Timeout {
        /// Where it was set.
        variable: String,
        /// The value.
        value: String,
    },
    /// A header was given without an endpoint to send it to.
    #[error("{signal:?}: headers or a protocol are set, but no endpoint")]
    NoEndpoint {
        /// The signal.
        signal: Signal,
    },
}

/// Settings given in code or by flags; they override the environment and `[otel]`.
///
/// ```
/// use agentobs_export::config::{ExportConfig, Signal, Transport};
/// let env = |_: &str| None;
/// let c = ExportConfig::builder()
///     .endpoint("http://127.0.0.1:4318")
///     .header("authorization", "Bearer x")
///     .resolve(None, &env)
///     .unwrap();
/// let t = c.target(Signal::Traces).unwrap();
/// assert_eq!(t.endpoint, "http://127.0.0.1:4318/v1/traces");
/// assert_eq!(t.transport, Transport::HttpProtobuf);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ExportConfigBuilder {
    endpoint: Option<String>,
    transport: Option<Transport>,
    headers: Vec<(String, Secret)>,
    timeout: Option<Duration>,
}

impl ExportConfigBuilder {
    /// Base endpoint for every signal (the signal path is appended for HTTP).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Transport for every signal.
    pub fn transport(mut self, t: Transport) -> Self {
        self.transport = Some(t);
        self
    }

    /// A header for every signal.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), Secret::new(value.into())));
        self
    }

    /// Timeout for every request.
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = Some(t);
        self
    }

    /// Resolves against the environment (`env`, e.g. `|k| std::env::var(k).ok()`) and Codex's
    /// `[otel]` section.
    pub fn resolve(
        &self,
        otel: Option<&OtelConfig>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ExportConfig, ExportConfigError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let truthy = |k: &str| get(k).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let mut config = ExportConfig {
            service_name: get("OTEL_SERVICE_NAME"),
            resource_attributes: match get("OTEL_RESOURCE_ATTRIBUTES") {
                Some(v) => list("OTEL_RESOURCE_ATTRIBUTES", &v)?,
                None => Vec::new(),
            },
            environment: otel.map(|o| o.environment.clone()),
            log_user_prompt: otel.is_some_and(|o| o.log_user_prompt),
            genai_latest: get("OTEL_SEMCONV_STABILITY_OPT_IN").is_some_and(|v| {
                v.split(',')
                    .any(|s| s.trim() == "gen_ai_latest_experimental")
            }),
            ..ExportConfig::default()
        };
        if truthy("OTEL_SDK_DISABLED") {
            return Ok(config);
        }
        let insecure = truthy("OTEL_EXPORTER_OTLP_INSECURE");
        for signal in Signal::ALL {
            let target = self.target(signal, otel, &get, insecure)?;
            match signal {
                Signal::Traces => config.traces = target,
                Signal::Logs => config.logs = target,
                Signal::Metrics => config.metrics = target,
            }
        }
        Ok(config)
    }

    fn target(
        &self,
        signal: Signal,
        otel: Option<&OtelConfig>,
        get: &dyn Fn(&str) -> Option<String>,
        insecure: bool,
    ) -> Result<Option<Target>, ExportConfigError> {
        let per = |what: &str| format!("OTEL_EXPORTER_OTLP_{}_{what}", signal.env_infix());
        let generic = |what: &str| format!("OTEL_EXPORTER_OTLP_{what}");
        let protocol_of = |var: String| -> Result<Option<Transport>, ExportConfigError> {
            get(&var)
                .map(|v| {
                    Transport::parse(&v).ok_or(ExportConfigError::Protocol {
                        variable: var,
                        value: v,
                    })
                })
                .transpose()
        };
        // From [otel], the lowest layer.
        let file = otel.map(|o| match signal {
            Signal::Traces => &o.traces,
            Signal::Logs => &o.logs,
            Signal::Metrics => &o.metrics,
        });
        let (mut endpoint, mut transport, mut headers, tls) = match file {
            Some(OtelExporter::OtlpGrpc {
                endpoint,
                headers,
                tls,
            }) => (
                Some(endpoint.clone()),
                Some(Transport::Grpc),
                headers.clone(),
                tls.clone(),
            ),
            Some(OtelExporter::OtlpHttp {
                endpoint,
                protocol,
                headers,
                tls,
            }) => {
                let t = match protocol {
                    OtelHttpProtocol::Json => Transport::HttpJson,
                    _ => Transport::HttpProtobuf,
                };
                (
                    Some(endpoint.clone()),
                    Some(t),
                    headers.clone(),
                    tls.clone(),
                )
            }
            _ => (None, None, BTreeMap::new(), None),
        };
        // The environment, generic then per-signal; then the builder.
        if let Some(t) = protocol_of(generic("PROTOCOL"))? {
            transport = Some(t);
        }
        if let Some(t) = protocol_of(per("PROTOCOL"))? {
            transport = Some(t);
        }
        if let Some(t) = self.transport {
            transport = Some(t);
        }
        let transport = transport.unwrap_or(Transport::HttpProtobuf);
        let base = |url: String| match transport {
            Transport::Grpc => url,
            _ => format!("{}{}", url.trim_end_matches('/'), signal.http_path()),
        };
        if let Some(v) = get(&generic("ENDPOINT")) {
            endpoint = Some(base(v));
        }
        if let Some(v) = get(&per("ENDPOINT")) {
            endpoint = Some(v);
        }
        if let Some(v) = &self.endpoint {
            endpoint = Some(base(v.clone()));
        }
        for var in [generic("HEADERS"), per("HEADERS")] {
            if let Some(v) = get(&var) {
                for (k, v) in list(&var, &v)? {
                    headers.insert(k, Secret::new(v));
                }
            }
        }
        for (k, v) in &self.headers {
            headers.insert(k.clone(), v.clone());
        }
        let mut timeout = Duration::from_secs(10);
        for var in [generic("TIMEOUT"), per("TIMEOUT")] {
            if let Some(v) = get(&var) {
                let ms: u64 = v.trim().parse().map_err(|_| ExportConfigError::Timeout {
                    variable: var.clone(),
                    value: v.clone(),
                })?;
                timeout = Duration::from_millis(ms);
            }
        }
        if let Some(t) = self.timeout {
            timeout = t;
        }
        let Some(mut endpoint) = endpoint else {
            if !self.headers.is_empty() {
                return Err(ExportConfigError::NoEndpoint { signal });
            }
            return Ok(None);
        };
        if transport == Transport::Grpc && !endpoint.contains("://") {
            let scheme = if insecure { "http://" } else { "https://" };
            endpoint = format!("{scheme}{endpoint}");
        }
        Ok(Some(Target {
            endpoint,
            transport,
            headers,
            timeout,
            tls,
        }))
    }
}

/// A `k=v,k=v` list (W3C Baggage-like, as `OTEL_EXPORTER_OTLP_HEADERS` and
/// `OTEL_RESOURCE_ATTRIBUTES` use), values percent-decoded.
fn list(variable: &str, value: &str) -> Result<Vec<(String, String)>, ExportConfigError> {
    let mut out = Vec::new();
    for (i, entry) in value.split(',').enumerate() {
        if entry.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = entry.split_once('=') else {
            return Err(ExportConfigError::List {
                variable: variable.to_owned(),
                index: i + 1,
            });
        };
        out.push((percent_decode(k.trim()), percent_decode(v.trim())));
    }
    Ok(out)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(v) = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    fn otel(text: &str) -> OtelConfig {
        OtelConfig::parse(text, Path::new("config.toml"), &|_| None)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn precedence_builder_then_per_signal_then_generic_then_file() {
        let file = otel(
            "[otel]\nexporter = { otlp-http = { endpoint = \"http://file:4318/v1/logs\", protocol = \"json\", headers = { a = \"file\", b = \"file\" } } }\ntrace_exporter = { otlp-grpc = { endpoint = \"http://file:4317\" } }\n",
        );
        // The file alone.
        let c = ExportConfig::builder()
            .resolve(Some(&file), &env(&[]))
            .unwrap();
        let logs = c.logs.as_ref().unwrap();
        assert_eq!(logs.endpoint, "http://file:4318/v1/logs");
        assert_eq!(logs.transport, Transport::HttpJson);
        assert_eq!(c.traces.as_ref().unwrap().transport, Transport::Grpc);
        assert!(c.metrics.is_none());
        // Generic variables override the file; per-signal ones override those.
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://gen:4318/"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=gen,c=gen%20x"),
            ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://per:9/logs"),
            ("OTEL_EXPORTER_OTLP_LOGS_HEADERS", "c=per"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ]);
        let c = ExportConfig::builder().resolve(Some(&file), &e).unwrap();
        let logs = c.logs.as_ref().unwrap();
        assert_eq!(logs.endpoint, "http://per:9/logs");
        assert_eq!(logs.transport, Transport::HttpProtobuf);
        let h: Vec<_> = logs
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.expose()))
            .collect();
        assert_eq!(h, [("a", "gen"), ("b", "file"), ("c", "per")]);
        assert_eq!(logs.timeout, Duration::from_millis(2500));
        assert_eq!(
            c.metrics.as_ref().unwrap().endpoint,
            "http://gen:4318/v1/metrics"
        );
        // The builder overrides everything.
        let c = ExportConfig::builder()
            .endpoint("http://flag:1")
            .header("a", "flag")
            .resolve(Some(&file), &e)
            .unwrap();
        let logs = c.logs.unwrap();
        assert_eq!(logs.endpoint, "http://flag:1/v1/logs");
        assert_eq!(logs.headers["a"].expose(), "flag");
    }

    #[test]
    fn grpc_scheme_disabled_sdk_resource_and_opt_in() {
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_SERVICE_NAME", "my-agent"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "team=ml,deployment.environment.name=prod",
            ),
            (
                "OTEL_SEMCONV_STABILITY_OPT_IN",
                "http, gen_ai_latest_experimental",
            ),
        ]);
        let c = ExportConfig::builder().resolve(None, &e).unwrap();
        assert_eq!(
            c.traces.as_ref().unwrap().endpoint,
            "https://collector:4317"
        );
        assert_eq!(c.service_name.as_deref(), Some("my-agent"));
        assert_eq!(c.resource_attributes.len(), 2);
        assert!(c.genai_latest);
        let e2 = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        ]);
        let c = ExportConfig::builder().resolve(None, &e2).unwrap();
        assert_eq!(c.logs.unwrap().endpoint, "http://collector:4317");
        let off = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x:4318"),
            ("OTEL_SDK_DISABLED", "TRUE"),
        ]);
        let c = ExportConfig::builder().resolve(None, &off).unwrap();
        assert!(c.traces.is_none() && c.logs.is_none() && c.metrics.is_none());
    }

    #[test]
    fn errors_name_the_variable_never_a_header_value() {
        let e = env(&[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "thrift")]);
        let err = ExportConfig::builder().resolve(None, &e).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=\"thrift\"")
        );
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "authorization=Bearer s3cr3t,oops",
            ),
        ]);
        let err = ExportConfig::builder().resolve(None, &e).unwrap_err();
        assert_eq!(
            err.to_string(),
            "OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not NAME=VALUE"
        );
        let e = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer s3cr3t"),
        ]);
        let c = ExportConfig::builder().resolve(None, &e).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let err = ExportConfig::builder()
            .header("k", "v")
            .resolve(None, &env(&[]))
            .unwrap_err();
        assert_eq!(
            err,
            ExportConfigError::NoEndpoint {
                signal: Signal::Traces
            }
        );
        assert_eq!(percent_decode("a%2Cb%zz%4"), "a,b%zz%4");
    }
}
