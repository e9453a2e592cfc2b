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
            match serde_json::from_slice(body) {
                Ok(v) => Ok(v),
                Err(e) => enum_names(body).ok_or_else(|| OtlpError::Json {
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                }),
            }
        }
    }
}

/// The protobuf JSON mapping lets enums be written by name (`"SPAN_KIND_INTERNAL"`), which
/// OTLP/JSON does not (Codex writes numbers) but converters do: such a body is read again with
/// the names turned into their numbers. `None` when that does not help.
fn enum_names<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    let mut v: serde_json::Value = serde_json::from_slice(body).ok()?;
    if !number_enums(&mut v) {
        return None;
    }
    serde_json::from_value(v).ok()
}

/// Replaces enum names by numbers in the fields that hold OTLP enums; true when any changed.
fn number_enums(v: &mut serde_json::Value) -> bool {
    use opentelemetry_proto::tonic::logs::v1::SeverityNumber;
    use opentelemetry_proto::tonic::metrics::v1::AggregationTemporality;
    use opentelemetry_proto::tonic::trace::v1::{span::SpanKind, status::StatusCode};
    use serde_json::Value;

    let mut changed = false;
    match v {
        Value::Object(map) => {
            for (k, field) in map.iter_mut() {
                if let Value::String(name) = field {
                    let n = match k.as_str() {
                        "kind" => SpanKind::from_str_name(name).map(|e| e as i32),
                        "severityNumber" => SeverityNumber::from_str_name(name).map(|e| e as i32),
                        "aggregationTemporality" => {
                            AggregationTemporality::from_str_name(name).map(|e| e as i32)
                        }
                        "code" => StatusCode::from_str_name(name).map(|e| e as i32),
                        _ => None,
                    };
                    if let Some(n) = n {
                        *field = Value::from(n);
                        changed = true;
                    }
                } else {
                    changed |= number_enums(field);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                changed |= number_enums(item);
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::{ExportLogsServiceRequest, ExportTraceServiceRequest};

    #[test]
    fn errors_say_where() {
        let e = parse::<ExportLogsServiceRequest>(b"{\n \"resourceLogs\": 5}", Encoding::Json)
            .unwrap_err();
        assert!(matches!(e, OtlpError::Json { line: 2, .. }), "{e}");
        assert!(
            e.to_string().starts_with("bad OTLP/JSON at line 2, column"),
            "{e}"
        );
        let e = parse::<ExportLogsServiceRequest>(b"  ", Encoding::Json).unwrap_err();
        assert!(matches!(e, OtlpError::Empty));
        let e =
            parse::<ExportLogsServiceRequest>(&[0x0a, 0x05, 1], Encoding::Protobuf).unwrap_err();
        assert!(matches!(e, OtlpError::Protobuf { .. }), "{e}");
        // An empty protobuf message is a valid, empty request.
        let ok = parse::<ExportLogsServiceRequest>(b"", Encoding::Protobuf).unwrap();
        assert!(ok.resource_logs.is_empty());
    }

    #[test]
    fn enum_names_are_read_as_their_numbers() {
        let body = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[
            {"traceId":"00","spanId":"01","name":"x","kind":"SPAN_KIND_SERVER",
             "status":{"code":"STATUS_CODE_ERROR"}}]}]}]}"#;
        let r: ExportTraceServiceRequest = parse(body, Encoding::Json).unwrap();
        let span = &r.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!((span.kind, span.status.as_ref().unwrap().code), (2, 2));
        // A name that is no enum's is still an error.
        let bad = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"NOPE"}]}]}]}"#;
        assert!(parse::<ExportTraceServiceRequest>(bad, Encoding::Json).is_err());
    }
}
