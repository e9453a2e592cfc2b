//! Errors of the price book.

use std::path::PathBuf;

/// Why a price book could not be loaded. Every variant names the file (or origin) it came from.
#[derive(thiserror::Error, Debug)]
#[non_exhaustive]
pub enum PriceError {
    /// The file could not be read.
    #[error("{}: cannot read price book: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or not in the price-book shape.
    #[error("{}: invalid TOML price book: {source}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: toml::de::Error,
    },
    /// The file is not valid JSON, or not in the LiteLLM shape.
    #[error("{}: invalid LiteLLM JSON price book: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The file parsed, but a value is not acceptable (negative or non-finite price, …).
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the model key.
        message: String,
    },
}

/// A service-tier name that [`ServiceTier`](crate::ServiceTier) does not know.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("unknown service tier {0:?} (expected standard, default, priority, fast, flex or batch)")]
pub struct ParseServiceTierError(pub String);
