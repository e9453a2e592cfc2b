//! TLS for the exporters (feature `tls`): the CA bundle and client certificate of Codex's
//! `[otel].tls` (`ca-certificate`, `client-certificate`, `client-private-key`), read once
//! with errors that name the key and the file; the web PKI roots when no CA is given.
//! rustls with the ring provider, for OTLP/HTTP (reqwest) and OTLP/gRPC (tonic).

use std::path::Path;
use std::time::Duration;

use crate::config::{OtelTls, Target};
use crate::http::ExportError;

/// The PEM files of a target's TLS settings.
#[derive(Debug, Default)]
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub(crate) struct TlsFiles {
    pub(crate) ca: Option<Vec<u8>>,
    pub(crate) cert: Option<Vec<u8>>,
    pub(crate) key: Option<Vec<u8>>,
}

fn tls_error(key: &str, path: &Path, reason: impl std::fmt::Display) -> ExportError {
    ExportError::Client(format!("tls.{key} {}: {reason}", path.display()))
}

fn read(key: &str, path: &Option<std::path::PathBuf>) -> Result<Option<Vec<u8>>, ExportError> {
    let Some(p) = path else { return Ok(None) };
    let bytes = std::fs::read(p).map_err(|e| tls_error(key, p, e))?;
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Err(tls_error(key, p, "not a PEM file (no -----BEGIN line)"));
    }
    Ok(Some(bytes))
}

/// Reads the files `tls` names; a client certificate needs its key and the other way round.
pub(crate) fn files(tls: &OtelTls) -> Result<TlsFiles, ExportError> {
    let f = TlsFiles {
        ca: read("ca-certificate", &tls.ca_certificate)?,
        cert: read("client-certificate", &tls.client_certificate)?,
        key: read("client-private-key", &tls.client_private_key)?,
    };
    if f.cert.is_some() != f.key.is_some() {
        return Err(ExportError::Client(
            "tls: client-certificate and client-private-key go together (mutual TLS needs both)"
                .into(),
        ));
    }
    Ok(f)
}

/// Fails when `target` asks for TLS and this build has none.
#[cfg(not(feature = "tls"))]
pub(crate) fn check(target: &Target) -> Result<(), ExportError> {
    if target.endpoint.starts_with("https://") || target.tls.is_some() {
        // Still read the files, so a wrong path is named even here.
        if let Some(t) = &target.tls {
            files(t)?;
        }
        return Err(ExportError::Client(format!(
            "{}: TLS needs the `tls` feature, not in this build",
            target.endpoint
        )));
    }
    Ok(())
}

/// Makes rustls' ring provider the process default, once (with the `tls` feature; a no-op
/// without it, or when a default is already installed).
///
/// The `tls` feature builds reqwest without a crypto provider of its own, so any reqwest
/// client in the process — including the one `opentelemetry-otlp` makes when given none —
/// needs a process default. This crate's exporters call it; call it yourself before building
/// SDK exporters directly.
pub fn install_tls_provider() {
    #[cfg(feature = "tls")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
    }
}

/// The blocking HTTP client for `target`: its timeout, and with the `tls` feature, its CA
/// and client certificate.
pub(crate) fn http_client(target: &Target) -> Result<reqwest::blocking::Client, ExportError> {
    #[cfg(not(feature = "tls"))]
    check(target)?;
    client(target.timeout, target.tls.as_ref())
}

/// A blocking HTTP client with `timeout` and, with the `tls` feature, rustls set up from
/// `tls` (the web PKI roots when it names no CA).
pub(crate) fn client(
    timeout: Duration,
    tls: Option<&OtelTls>,
) -> Result<reqwest::blocking::Client, ExportError> {
    let builder =
        reqwest::blocking::Client::builder().timeout(timeout.max(Duration::from_millis(1)));
    #[cfg(not(feature = "tls"))]
    let _ = tls;
    #[cfg(feature = "tls")]
    let builder = builder.use_preconfigured_tls(rustls_config(tls)?);
    builder
        .build()
        .map_err(|e| ExportError::Client(e.to_string()))
}

#[cfg(feature = "tls")]
fn rustls_config(tls: Option<&OtelTls>) -> Result<rustls::ClientConfig, ExportError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let f = match tls {
        Some(t) => files(t)?,
        None => TlsFiles::default(),
    };
    let mut roots = rustls::RootCertStore::empty();
    match &f.ca {
        Some(pem) => {
            let path = tls
                .and_then(|t| t.ca_certificate.clone())
                .unwrap_or_default();
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| tls_error("ca-certificate", &path, e))?;
                roots
                    .add(cert)
                    .map_err(|e| tls_error("ca-certificate", &path, e))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ExportError::Client(e.to_string()))?
        .with_root_certificates(roots);
    let tls_path = |k: fn(&OtelTls) -> &Option<std::path::PathBuf>| {
        tls.and_then(|t| k(t).clone()).unwrap_or_default()
    };
    match (&f.cert, &f.key) {
        (Some(cert), Some(key)) => {
            let certs = CertificateDer::pem_slice_iter(cert)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    tls_error(
                        "client-certificate",
                        &tls_path(|t| &t.client_certificate),
                        e,
                    )
                })?;
            let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| {
                tls_error(
                    "client-private-key",
                    &tls_path(|t| &t.client_private_key),
                    e,
                )
            })?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| ExportError::Client(format!("tls: client certificate: {e}")))
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

/// tonic's TLS settings for `target` (`None` for plaintext).
#[cfg(all(feature = "grpc", feature = "tls"))]
pub(crate) fn tonic_config(
    target: &Target,
) -> Result<Option<tonic::transport::ClientTlsConfig>, ExportError> {
    use tonic::transport::{Certificate, ClientTlsConfig, Identity};
    let https = target.endpoint.starts_with("https://");
    if !https && target.tls.is_none() {
        return Ok(None);
    }
    let f = match &target.tls {
        Some(t) => files(t)?,
        None => TlsFiles::default(),
    };
    let mut c = ClientTlsConfig::new();
    c = match f.ca {
        Some(ca) => c.ca_certificate(Certificate::from_pem(ca)),
        None => c.with_webpki_roots(),
    };
    if let (Some(cert), Some(key)) = (f.cert, f.key) {
        c = c.identity(Identity::from_pem(cert, key));
    }
    Ok(Some(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_paths_name_the_key_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("ca.txt");
        std::fs::write(&not_pem, "hello").unwrap();
        let missing = dir.path().join("missing.pem");
        let tls = |ca: &Path| {
            let mut t = OtelTls::default();
            t.ca_certificate = Some(ca.to_owned());
            t
        };
        let e = files(&tls(&missing)).unwrap_err().to_string();
        assert!(
            e.contains("tls.ca-certificate") && e.contains("missing.pem"),
            "{e}"
        );
        let e = files(&tls(&not_pem)).unwrap_err().to_string();
        assert!(e.contains("not a PEM file"), "{e}");
        let pem = dir.path().join("c.pem");
        std::fs::write(&pem, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let mut half = OtelTls::default();
        half.client_certificate = Some(pem);
        let e = files(&half).unwrap_err().to_string();
        assert!(e.contains("go together"), "{e}");
    }
}
