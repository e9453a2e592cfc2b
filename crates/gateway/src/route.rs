//! Which harness sent a request, so one gateway takes Codex, Claude Code and Gemini CLI at
//! once: each resource goes to the decoder of the harness its `service.name`, its scope
//! names or its record names point to (Codex when none does, as before).

use agentobs_claude::otlp as claude;
use agentobs_export::proto::collector::logs::v1::ExportLogsServiceRequest;
use agentobs_export::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use agentobs_export::proto::collector::trace::v1::ExportTraceServiceRequest;
use agentobs_export::proto::common::v1::any_value::Value;
use agentobs_export::proto::logs::v1::ResourceLogs;
use agentobs_export::proto::metrics::v1::ResourceMetrics;
use agentobs_export::proto::resource::v1::Resource;
use agentobs_export::proto::trace::v1::ResourceSpans;
use agentobs_gemini::otlp as gemini;

/// The harness a resource is from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    Codex,
    Claude,
    Gemini,
}

impl Source {
    const ALL: [Source; 3] = [Source::Codex, Source::Claude, Source::Gemini];
}

fn service_name(res: Option<&Resource>) -> Option<&str> {
    res?.attributes
        .iter()
        .rev()
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Value::StringValue(s) => Some(s.as_str()),
            _ => None,
        })
}

/// The source a resource's `service.name` and scope names say, if they say one.
fn by_names<'a>(res: Option<&Resource>, scopes: impl Iterator<Item = &'a str>) -> Option<Source> {
    let service = service_name(res);
    let mut scopes = scopes.peekable();
    let first_scope = scopes.peek().copied().unwrap_or("");
    if claude::is_claude(service, first_scope) {
        return Some(Source::Claude);
    }
    if gemini::is_gemini(service, first_scope) {
        return Some(Source::Gemini);
    }
    for scope in scopes {
        if claude::is_claude(None, scope) {
            return Some(Source::Claude);
        }
        if gemini::is_gemini(None, scope) {
            return Some(Source::Gemini);
        }
    }
    None
}

/// The source a record, metric or span name says.
fn by_name(name: &str) -> Option<Source> {
    if name.starts_with(claude::NAME_PREFIX) {
        Some(Source::Claude)
    } else if name.starts_with(gemini::NAME_PREFIX) {
        Some(Source::Gemini)
    } else {
        None
    }
}

pub(crate) fn of_logs(rl: &ResourceLogs) -> Source {
    let scopes = rl
        .scope_logs
        .iter()
        .map(|s| s.scope.as_ref().map_or("", |s| s.name.as_str()));
    by_names(rl.resource.as_ref(), scopes)
        .or_else(|| {
            rl.scope_logs
                .iter()
                .flat_map(|s| &s.log_records)
                .find_map(|r| {
                    let attr = r.attributes.iter().find(|kv| kv.key == "event.name");
                    let name = match attr.and_then(|kv| kv.value.as_ref()?.value.as_ref()) {
                        Some(Value::StringValue(s)) => s.as_str(),
                        _ => match r.body.as_ref().and_then(|b| b.value.as_ref()) {
                            Some(Value::StringValue(s)) => s.as_str(),
                            _ => r.event_name.as_str(),
                        },
                    };
                    by_name(name)
                })
        })
        .unwrap_or(Source::Codex)
}

pub(crate) fn of_metrics(rm: &ResourceMetrics) -> Source {
    let scopes = rm
        .scope_metrics
        .iter()
        .map(|s| s.scope.as_ref().map_or("", |s| s.name.as_str()));
    by_names(rm.resource.as_ref(), scopes)
        .or_else(|| {
            rm.scope_metrics
                .iter()
                .flat_map(|s| &s.metrics)
                .find_map(|m| by_name(&m.name))
        })
        .unwrap_or(Source::Codex)
}

pub(crate) fn of_spans(rs: &ResourceSpans) -> Source {
    let scopes = rs
        .scope_spans
        .iter()
        .map(|s| s.scope.as_ref().map_or("", |s| s.name.as_str()));
    by_names(rs.resource.as_ref(), scopes)
        .or_else(|| {
            rs.scope_spans
                .iter()
                .flat_map(|s| &s.spans)
                .find_map(|s| by_name(&s.name))
        })
        .unwrap_or(Source::Codex)
}

/// A request's resources by source: `Ok(source)` when they are all of one (the request
/// goes whole), else one list of resources per source that has any, in [`Source::ALL`]
/// order.
fn split<R: Clone>(
    items: &[R],
    of: impl Fn(&R) -> Source,
) -> Result<Source, Vec<(Source, Vec<R>)>> {
    let sources: Vec<Source> = items.iter().map(&of).collect();
    let first = sources.first().copied().unwrap_or(Source::Codex);
    if sources.iter().all(|s| *s == first) {
        return Ok(first);
    }
    Err(Source::ALL
        .into_iter()
        .filter_map(|src| {
            let part: Vec<R> = items
                .iter()
                .zip(&sources)
                .filter(|(_, s)| **s == src)
                .map(|(r, _)| r.clone())
                .collect();
            (!part.is_empty()).then_some((src, part))
        })
        .collect())
}

/// Logs by source (see [`split`]).
pub(crate) fn logs(
    r: &ExportLogsServiceRequest,
) -> Result<Source, Vec<(Source, ExportLogsServiceRequest)>> {
    split(&r.resource_logs, of_logs).map_err(|parts| {
        parts
            .into_iter()
            .map(|(s, resource_logs)| (s, ExportLogsServiceRequest { resource_logs }))
            .collect()
    })
}

/// Metrics by source (see [`split`]).
pub(crate) fn metrics(
    r: &ExportMetricsServiceRequest,
) -> Result<Source, Vec<(Source, ExportMetricsServiceRequest)>> {
    split(&r.resource_metrics, of_metrics).map_err(|parts| {
        parts
            .into_iter()
            .map(|(s, resource_metrics)| (s, ExportMetricsServiceRequest { resource_metrics }))
            .collect()
    })
}

/// Traces by source (see [`split`]).
pub(crate) fn traces(
    r: &ExportTraceServiceRequest,
) -> Result<Source, Vec<(Source, ExportTraceServiceRequest)>> {
    split(&r.resource_spans, of_spans).map_err(|parts| {
        parts
            .into_iter()
            .map(|(s, resource_spans)| (s, ExportTraceServiceRequest { resource_spans }))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentobs_export::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue};
    use agentobs_export::proto::logs::v1::{LogRecord, ScopeLogs};

    fn string(k: &str, v: &str) -> KeyValue {
        KeyValue {
            key: k.into(),
            value: Some(AnyValue {
                value: Some(Value::StringValue(v.into())),
            }),
            ..KeyValue::default()
        }
    }

    fn resource(service: Option<&str>, scope: &str, event: &str) -> ResourceLogs {
        ResourceLogs {
            resource: Some(Resource {
                attributes: service
                    .map(|s| string("service.name", s))
                    .into_iter()
                    .collect(),
                ..Resource::default()
            }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: scope.into(),
                    ..InstrumentationScope::default()
                }),
                log_records: vec![LogRecord {
                    attributes: vec![string("event.name", event)],
                    ..LogRecord::default()
                }],
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }
    }

    #[test]
    fn resources_go_by_service_scope_or_event_name() {
        assert_eq!(
            of_logs(&resource(Some("claude-code"), "", "x")),
            Source::Claude
        );
        assert_eq!(
            of_logs(&resource(None, "com.anthropic.claude_code.events", "x")),
            Source::Claude
        );
        assert_eq!(
            of_logs(&resource(Some("gemini-cli"), "", "x")),
            Source::Gemini
        );
        assert_eq!(
            of_logs(&resource(None, "", "gemini_cli.api_response")),
            Source::Gemini
        );
        assert_eq!(
            of_logs(&resource(
                Some("codex_exec"),
                "codex_otel",
                "codex.api_request"
            )),
            Source::Codex
        );
        assert_eq!(of_logs(&resource(None, "", "whatever")), Source::Codex);
    }

    #[test]
    fn a_mixed_request_is_split_and_a_plain_one_is_not() {
        let one = ExportLogsServiceRequest {
            resource_logs: vec![resource(Some("claude-code"), "", "api_request")],
        };
        assert_eq!(logs(&one).unwrap(), Source::Claude);
        assert_eq!(
            logs(&ExportLogsServiceRequest::default()).unwrap(),
            Source::Codex
        );
        let mixed = ExportLogsServiceRequest {
            resource_logs: vec![
                resource(Some("gemini-cli"), "", "x"),
                resource(Some("codex_exec"), "", "codex.sse_event"),
                resource(Some("gemini-cli"), "", "y"),
            ],
        };
        let parts = logs(&mixed).unwrap_err();
        let shape: Vec<_> = parts
            .iter()
            .map(|(s, r)| (*s, r.resource_logs.len()))
            .collect();
        assert_eq!(shape, [(Source::Codex, 1), (Source::Gemini, 2)]);
    }
}
