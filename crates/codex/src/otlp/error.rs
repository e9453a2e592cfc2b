//! Parsing request bodies, and what goes wrong doing it.

use serde::de::DeserializeOwned;

use super::Encoding;

/// An OTLP request body that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtlpError {
    /// The body is empty (an empty protobuf message is valid; an empty JSON body is not).
    #[error("empty OTLP/JSON body")]
    Empty,
    /// Not a valid protobuf message of the expected type.
    #[error("bad OTLP protobuf: {message}")]
    Protobuf {
        /// What the protobuf decoder said (it names the field path).
        message: String,
    },
    /// Not valid OTLP/JSON of the expected type.
    #[error("bad OTLP/JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// Parses `body` as `T`.
pub(super) fn parse<T: prost::Message + Default + DeserializeOwned>(
    body: &[u8],
    encoding: Encoding,
) -> Result<T, OtlpError> {
    match encoding {
        Encoding::Protobuf => T::decode(body).map_err(|e| OtlpError::Protobuf {
            message: e.to_string(),
        }),
        Encoding::Json => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Err(OtlpError::Empty);
            }
            serde_json::from_slice(body).map_err(|e| OtlpError::Json {
                line: e.line(),
                column: e.column(),
                message: e.to_string(),
            })
        }
    }
}
