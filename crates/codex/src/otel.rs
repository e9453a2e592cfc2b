//! Codex's `[otel]` section of `config.toml`, as users write it.
//!
//! ```toml
//! [otel]
//! environment = "prod"
//! log_user_prompt = false
//! exporter = { otlp-http = { endpoint = "http://127.0.0.1:4318/v1/logs", protocol = "binary",
//!              headers = { "authorization" = "Bearer ${COLLECTOR_TOKEN}" } } }
//! trace_exporter = { otlp-grpc = { endpoint = "http://127.0.0.1:4317" } }
//! metrics_exporter = "none"
//! ```
//!
//! The model follows Codex (unknown keys are errors, exporter kinds kebab-case, `trace_exporter`
//! defaulting to `exporter`), with two differences: `${VAR}` in a header value is expanded from
//! the environment (a missing variable is an error naming it), and `statsig` — Codex's built-in
//! metrics sink at OpenAI — is refused with a message, because it sends data off the machine
//! under a key that is not the user's.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A value that must not be printed (a header value: tokens, API keys).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<{} bytes>)", self.0.len())
    }
}

/// OTLP/HTTP body encoding (`protocol` in an `otlp-http` exporter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OtelHttpProtocol {
    /// Protobuf.
    Binary,
    /// OTLP-JSON.
    Json,
}

/// TLS files of an exporter (absolute paths).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
#[non_exhaustive]
pub struct OtelTls {
    /// CA bundle to trust.
    pub ca_certificate: Option<PathBuf>,
    /// Client certificate, for mutual TLS.
    pub client_certificate: Option<PathBuf>,
    /// Client private key, for mutual TLS.
    pub client_private_key: Option<PathBuf>,
}

/// Where one signal goes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtelExporter {
    /// Nowhere.
    None,
    /// OTLP over gRPC.
    OtlpGrpc {
        /// Endpoint URL.
        endpoint: String,
        /// Request headers (values expanded, secret).
        headers: BTreeMap<String, Secret>,
        /// TLS files.
        tls: Option<OtelTls>,
    },
    /// OTLP over HTTP.
    OtlpHttp {
        /// Endpoint URL, used as written (Codex's form names the signal path).
        endpoint: String,
        /// Body encoding.
        protocol: OtelHttpProtocol,
        /// Request headers (values expanded, secret).
        headers: BTreeMap<String, Secret>,
        /// TLS files.
        tls: Option<OtelTls>,
    },
}

/// The `[otel]` section, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OtelConfig {
    /// `environment` (Codex's default `dev`): the resource attribute `env`.
    pub environment: String,
    /// `log_user_prompt` (default false): prompts are exported only when true.
    pub log_user_prompt: bool,
    /// `exporter`: where logs go (default none).
    pub logs: OtelExporter,
    /// `trace_exporter`: where traces go (default: the same as `exporter`).
    pub traces: OtelExporter,
    /// `metrics_exporter`: where metrics go. Codex's default is `statsig`; here it is none.
    pub metrics: OtelExporter,
}

impl Default for OtelConfig {
    fn default() -> Self {
        OtelConfig {
            environment: "dev".to_owned(),
            log_user_prompt: false,
            logs: OtelExporter::None,
            traces: OtelExporter::None,
            metrics: OtelExporter::None,
        }
    }
}

/// Why an `[otel]` section could not be used. Messages name the file, line and column, and
/// never a header value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtelConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, or not the shape of an `[otel]` section.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// `statsig` was asked for.
    #[error(
        "{path}: [otel].{key} = \"statsig\" sends metrics to OpenAI's own endpoint with a \
         built-in key; agentobs does not send there. Use \"none\", or an otlp-http / \
         otlp-grpc exporter pointing at your collector"
    )]
    Statsig {
        /// The file.
        path: PathBuf,
        /// `exporter`, `trace_exporter` or `metrics_exporter`.
        key: &'static str,
    },
    /// A header value names an environment variable that is not set.
    #[error("{path}: [otel].{key} header {header:?} uses ${{{variable}}}, which is not set")]
    MissingVariable {
        /// The file.
        path: PathBuf,
        /// The exporter key.
        key: &'static str,
        /// The header's name.
        header: String,
        /// The variable.
        variable: String,
    },
    /// A `${` without its `}`.
    #[error("{path}: [otel].{key} header {header:?} has an unclosed ${{")]
    BadExpansion {
        /// The file.
        path: PathBuf,
        /// The exporter key.
        key: &'static str,
        /// The header's name.
        header: String,
    },
}

#[derive(Deserialize)]
struct File {
    otel: Option<Raw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    environment: Option<String>,
    log_user_prompt: Option<bool>,
    exporter: Option<RawExporter>,
    trace_exporter: Option<RawExporter>,
    metrics_exporter: Option<RawExporter>,
    // Newer Codex keys, accepted and not used yet.
    #[serde(default)]
    #[allow(dead_code)]
    span_attributes: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawExporter {
    None,
    Statsig,
    OtlpGrpc {
        endpoint: String,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        tls: Option<OtelTls>,
    },
    OtlpHttp {
        endpoint: String,
        protocol: OtelHttpProtocol,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        tls: Option<OtelTls>,
    },
}

impl OtelConfig {
    /// Reads the `[otel]` section of `home/config.toml`; `None` when the file or the section
    /// is absent. Header values are expanded from the process environment.
    pub fn load(home: &Path) -> Result<Option<OtelConfig>, OtelConfigError> {
        let path = home.join("config.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(OtelConfigError::Io { path, source }),
        };
        Self::parse(&text, &path, &|v| std::env::var(v).ok())
    }

    /// Parses a `config.toml` text (`path` names it in errors), expanding `${VAR}` in header
    /// values with `env`.
    pub fn parse(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<OtelConfig>, OtelConfigError> {
        let file: File = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
            OtelConfigError::Syntax {
                path: path.to_owned(),
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        let Some(raw) = file.otel else {
            return Ok(None);
        };
        let resolve = |key: &'static str, e: Option<RawExporter>| {
            e.map(|e| exporter(e, key, path, env)).transpose()
        };
        let logs = resolve("exporter", raw.exporter)?.unwrap_or(OtelExporter::None);
        let traces = resolve("trace_exporter", raw.trace_exporter)?.unwrap_or_else(|| logs.clone());
        let metrics =
            resolve("metrics_exporter", raw.metrics_exporter)?.unwrap_or(OtelExporter::None);
        Ok(Some(OtelConfig {
            environment: raw.environment.unwrap_or_else(|| "dev".to_owned()),
            log_user_prompt: raw.log_user_prompt.unwrap_or(false),
            logs,
            traces,
            metrics,
        }))
    }
}

fn exporter(
    e: RawExporter,
    key: &'static str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<OtelExporter, OtelConfigError> {
    let headers =
        |h: BTreeMap<String, String>| -> Result<BTreeMap<String, Secret>, OtelConfigError> {
            h.into_iter()
                .map(|(name, value)| {
                    let v = expand(&value, env).map_err(|missing| match missing {
                        Some(variable) => OtelConfigError::MissingVariable {
                            path: path.to_owned(),
                            key,
                            header: name.clone(),
                            variable,
                        },
                        None => OtelConfigError::BadExpansion {
                            path: path.to_owned(),
                            key,
                            header: name.clone(),
                        },
                    })?;
                    Ok((name, Secret(v)))
                })
                .collect()
        };
    Ok(match e {
        RawExporter::None => OtelExporter::None,
        RawExporter::Statsig => {
            return Err(OtelConfigError::Statsig {
                path: path.to_owned(),
                key,
            });
        }
        RawExporter::OtlpGrpc {
            endpoint,
            headers: h,
            tls,
        } => OtelExporter::OtlpGrpc {
            endpoint,
            headers: headers(h)?,
            tls,
        },
        RawExporter::OtlpHttp {
            endpoint,
            protocol,
            headers: h,
            tls,
        } => OtelExporter::OtlpHttp {
            endpoint,
            protocol,
            headers: headers(h)?,
            tls,
        },
    })
}

/// Expands `${VAR}` (and `$$` to `$`); `Err(Some(var))` for an unset variable, `Err(None)`
/// for an unclosed `${`.
fn expand(value: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, Option<String>> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find('$') {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        if let Some(after) = tail.strip_prefix("$$") {
            out.push('$');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let Some(end) = after.find('}') else {
                return Err(None);
            };
            let (name, after_name) = after.split_at(end);
            match env(name) {
                Some(v) => out.push_str(&v),
                None => return Err(Some(name.to_owned())),
            }
            rest = after_name.get(1..).unwrap_or_default();
        } else {
            out.push('$');
            rest = tail.get(1..).unwrap_or_default();
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count().saturating_add(1);
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.chars().count())
        .saturating_add(1);
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "s3cr3t".to_owned())
    }

    fn parse(text: &str) -> Result<Option<OtelConfig>, OtelConfigError> {
        OtelConfig::parse(text, Path::new("config.toml"), &env)
    }

    #[test]
    fn codex_forms_and_defaults() {
        let c = parse(
            r#"model = "gpt-5"
[otel]
environment = "prod"
exporter = { otlp-http = { endpoint = "http://127.0.0.1:4318/v1/logs", protocol = "binary", headers = { authorization = "Bearer ${TOKEN}" } } }
metrics_exporter = { otlp-grpc = { endpoint = "http://127.0.0.1:4317", tls = { ca-certificate = "/etc/ca.pem" } } }
"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.environment, "prod");
        assert!(!c.log_user_prompt);
        let OtelExporter::OtlpHttp {
            headers, protocol, ..
        } = &c.logs
        else {
            panic!("{c:?}")
        };
        assert_eq!(*protocol, OtelHttpProtocol::Binary);
        assert_eq!(headers["authorization"].expose(), "Bearer s3cr3t");
        assert_eq!(c.traces, c.logs, "trace_exporter defaults to exporter");
        assert!(
            matches!(&c.metrics, OtelExporter::OtlpGrpc { tls: Some(t), .. } if t.ca_certificate.is_some())
        );
        // The secret never shows.
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert_eq!(parse("[otel]\n").unwrap().unwrap(), OtelConfig::default());
        assert!(parse("model = \"x\"\n").unwrap().is_none());
    }

    #[test]
    fn errors_name_the_place_and_never_the_value() {
        let e = parse("[otel]\nexporter = \"none\"\nflavour = 1\n").unwrap_err();
        let m = e.to_string();
        assert!(
            m.starts_with("config.toml:3:1: unknown field `flavour`"),
            "{m}"
        );
        let e = parse("[otel]\nmetrics_exporter = \"statsig\"\n").unwrap_err();
        assert!(e.to_string().contains("metrics_exporter = \"statsig\""));
        let e = parse(
            "[otel]\nexporter = { otlp-grpc = { endpoint = \"x\", headers = { k = \"a ${NOPE} s3cr3t\" } } }\n",
        )
        .unwrap_err();
        let m = e.to_string();
        assert!(m.contains("${NOPE}") && !m.contains("s3cr3t"), "{m}");
        let e = parse("[otel]\nexporter = { otlp-http = { endpoint = \"x\" } }\n").unwrap_err();
        assert!(e.to_string().contains("protocol"), "{e}");
    }

    #[test]
    fn expansion() {
        assert_eq!(expand("a$$b${TOKEN}$x", &env).unwrap(), "a$bs3cr3t$x");
        assert_eq!(expand("${TOKEN", &env), Err(None));
        assert_eq!(expand("é${X}", &env), Err(Some("X".into())));
        assert_eq!(line_column("ab\ncdé\nx", 8), (3, 1));
        assert_eq!(line_column("ab\ncdé\nx", 7), (2, 4));
    }
}
