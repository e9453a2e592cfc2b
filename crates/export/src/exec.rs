//! Where exporter futures run: on the calling thread (the blocking HTTP client needs no
//! runtime), or on a tokio runtime of the exporter's own (gRPC).

use std::future::Future;

/// Runs an exporter's futures to completion on the calling thread.
#[derive(Clone, Debug, Default)]
pub(crate) enum Executor {
    /// A plain executor: enough for the blocking reqwest client.
    #[default]
    Local,
    /// A current-thread tokio runtime (tonic needs one).
    #[cfg(feature = "grpc")]
    Tokio(std::sync::Arc<tokio::runtime::Runtime>),
}

impl Executor {
    pub(crate) fn block_on<F: Future>(&self, f: F) -> F::Output {
        match self {
            Executor::Local => futures_executor::block_on(f),
            #[cfg(feature = "grpc")]
            Executor::Tokio(rt) => rt.block_on(f),
        }
    }
}
