//! OTLP/HTTP: `POST /v1/logs`, `/v1/metrics`, `/v1/traces`; `GET /healthz`, `GET /stats`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::GatewayError;
use crate::ingest::{self, Ingest, Reject, Signal};

type Shared = Arc<Ingest>;

/// Binds `addr` and serves on `rt` until the gateway closes.
pub(crate) fn serve(
    rt: &tokio::runtime::Runtime,
    addr: SocketAddr,
    ingest: Shared,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), GatewayError> {
    let listener = std::net::TcpListener::bind(addr)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|source| GatewayError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| GatewayError::Bind { addr, source })?;
    let mut closed = ingest.closed.subscribe();
    let app = Router::new()
        .route("/v1/logs", post(logs))
        .route("/v1/metrics", post(metrics))
        .route("/v1/traces", post(traces))
        .route("/healthz", get(healthz))
        .route("/stats", get(stats))
        .with_state(ingest);
    let task = rt.spawn(async move {
        let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
            return;
        };
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = closed.wait_for(|c| *c).await;
            })
            .await;
    });
    Ok((local, task))
}

async fn logs(State(s): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    export(&s, Signal::Logs, &headers, body).await
}

async fn metrics(State(s): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    export(&s, Signal::Metrics, &headers, body).await
}

async fn traces(State(s): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    export(&s, Signal::Traces, &headers, body).await
}

async fn healthz(State(s): State<Shared>) -> Response {
    if s.closing() {
        (StatusCode::SERVICE_UNAVAILABLE, "closing\n").into_response()
    } else {
        (StatusCode::OK, "ok\n").into_response()
    }
}

async fn stats(State(s): State<Shared>) -> Response {
    match serde_json::to_vec(&s.stats()) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// One export request: limits, body, decompression, parse, queue.
async fn export(s: &Ingest, signal: Signal, headers: &HeaderMap, body: Body) -> Response {
    crate::stats::bump(&s.counters.requests);
    let json = header_str(headers, header::CONTENT_TYPE)
        .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"));
    match receive(s, signal, headers, body).await {
        Ok(()) => ok(json),
        Err(r) => {
            s.count_reject(&r);
            refuse(s, &r)
        }
    }
}

async fn receive(
    s: &Ingest,
    signal: Signal,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), Reject> {
    if s.closing() {
        return Err(Reject::Closing);
    }
    let encoding = ingest::encoding_of(header_str(headers, header::CONTENT_TYPE))?;
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > s.max_body_bytes as u64) {
        return Err(Reject::TooLarge(s.max_body_bytes));
    }
    // At most `max_in_flight` bodies are held at once.
    let _permit = s
        .in_flight
        .clone()
        .try_acquire_owned()
        .map_err(|_| Reject::Busy)?;
    let bytes: Bytes = match Limited::new(body, s.max_body_bytes).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(Reject::TooLarge(s.max_body_bytes));
        }
        Err(e) => return Err(Reject::Bad(format!("reading the body: {e}"))),
    };
    crate::stats::add(&s.counters.received_bytes, bytes.len() as u64);
    let plain = ingest::decompress(
        &bytes,
        header_str(headers, header::CONTENT_ENCODING),
        s.max_body_bytes,
    )?;
    let body = plain.as_deref().unwrap_or(&bytes);
    let payload = ingest::parse(signal, body, encoding)?;
    s.submit(payload)
}

/// 200 with an empty export response in the request's encoding.
fn ok(json: bool) -> Response {
    if json {
        ([(header::CONTENT_TYPE, "application/json")], "{}").into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            Vec::<u8>::new(),
        )
            .into_response()
    }
}

fn refuse(s: &Ingest, r: &Reject) -> Response {
    let status = match r {
        Reject::Bad(_) => StatusCode::BAD_REQUEST,
        Reject::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Reject::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        Reject::Busy => StatusCode::TOO_MANY_REQUESTS,
        Reject::Closing => StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut resp = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{r}\n"),
    )
        .into_response();
    if matches!(r, Reject::Busy | Reject::Closing) {
        let secs = s.retry_after.as_secs().max(1);
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}
