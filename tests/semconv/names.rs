//! Every name a dialect writes is defined by its convention, or is in our `agentobs.*`
//! namespace. The lists below are taken from the spec tables (GenAI v1.41.0 registry and span
//! tables; the genai repository's main branch; OpenInference's spec), not from our constants.

use std::collections::BTreeSet;

use agentobs::semconv::Signals;

use super::*;

/// GenAI v1.41.0 attributes (registry) plus the general ones its tables reference.
const GENAI_V1_41: &[&str] = &[
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.conversation.id",
    "gen_ai.agent.id",
    "gen_ai.agent.name",
    "gen_ai.agent.description",
    "gen_ai.agent.version",
    "gen_ai.request.model",
    "gen_ai.request.stream",
    "gen_ai.request.max_tokens",
    "gen_ai.request.temperature",
    "gen_ai.request.top_p",
    "gen_ai.request.seed",
    "gen_ai.response.model",
    "gen_ai.response.id",
    "gen_ai.response.finish_reasons",
    "gen_ai.response.time_to_first_chunk",
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.reasoning.output_tokens",
    "gen_ai.tool.name",
    "gen_ai.tool.type",
    "gen_ai.tool.call.id",
    "gen_ai.tool.description",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.token.type",
    "error.type",
    "server.address",
    "server.port",
    "http.response.status_code",
    "exception.type",
    "exception.message",
];

/// What the genai main branch adds or renames (cache_creation → cache_write).
const GENAI_LATEST_ADDED: &[&str] = &[
    "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.conversation.compacted",
    "gen_ai.request.reasoning.level",
    "gen_ai.request.previous_response.id",
];

const GENAI_V1_41_METRICS: &[&str] = &[
    "gen_ai.client.token.usage",
    "gen_ai.client.operation.duration",
];

const GENAI_LATEST_METRICS: &[&str] = &[
    "gen_ai.client.inference.usage.input_tokens",
    "gen_ai.client.inference.usage.output_tokens",
    "gen_ai.client.inference.usage.cache_read.input_tokens",
    "gen_ai.client.inference.usage.cache_write.input_tokens",
    "gen_ai.client.inference.usage.reasoning.output_tokens",
    "gen_ai.client.inference.operation.input_tokens",
    "gen_ai.client.inference.operation.output_tokens",
    "gen_ai.client.inference.duration",
    "gen_ai.client.operation.duration",
    "gen_ai.invoke_agent.duration",
    "gen_ai.execute_tool.duration",
];

/// OpenInference span attributes (spec 0.1.32).
const OPENINFERENCE: &[&str] = &[
    "openinference.span.kind",
    "session.id",
    "user.id",
    "agent.name",
    "metadata",
    "input.value",
    "input.mime_type",
    "output.value",
    "output.mime_type",
    "llm.model_name",
    "llm.provider",
    "llm.system",
    "llm.invocation_parameters",
    "llm.token_count.prompt",
    "llm.token_count.completion",
    "llm.token_count.total",
    "llm.token_count.prompt_details.cache_read",
    "llm.token_count.prompt_details.cache_write",
    "llm.token_count.completion_details.reasoning",
    "llm.cost.prompt",
    "llm.cost.completion",
    "llm.cost.total",
    "llm.cost.prompt_details.input",
    "llm.cost.prompt_details.cache_read",
    "llm.cost.prompt_details.cache_write",
    "llm.cost.completion_details.output",
    "tool.name",
    "tool.id",
    "tool_call.id",
    "tool_call.function.name",
    "tool_call.function.arguments",
    "exception.type",
    "exception.message",
];

/// Stable resource attributes.
const RESOURCE: &[&str] = &[
    "service.name",
    "service.instance.id",
    "service.version",
    "deployment.environment.name",
];

fn ours(k: &str) -> bool {
    k.starts_with("agentobs.")
}

/// Our metrics every dialect records besides its convention's: cost (priced requests) and
/// the anomaly engine's alerts.
const OUR_METRICS: &[&str] = &["agentobs.cost.usd", "agentobs.alerts"];

/// Every (place, name) the signals use.
fn names(s: &Signals) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for sp in &s.spans {
        for kv in &sp.attributes {
            out.insert(("span attribute".into(), kv.key.to_string()));
        }
        for e in &sp.events {
            out.insert(("span event".into(), e.name.to_string()));
            for kv in &e.attributes {
                out.insert(("span event attribute".into(), kv.key.to_string()));
            }
        }
        for kv in &sp.resource.attributes {
            out.insert(("resource".into(), kv.key.to_string()));
        }
    }
    for m in &s.metrics {
        out.insert(("metric".into(), m.name.to_string()));
        for kv in &m.attributes {
            out.insert(("metric attribute".into(), kv.key.to_string()));
        }
        for kv in &m.resource.attributes {
            out.insert(("resource".into(), kv.key.to_string()));
        }
    }
    for l in &s.logs {
        out.insert(("log".into(), l.event_name.to_string()));
    }
    out
}

fn check(dialect: &str, allowed: &dyn Fn(&str, &str) -> bool) -> BTreeSet<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut bad = BTreeSet::new();
    for (_, files) in fixture_sets() {
        let s = map_files(&files, dialect, ContentPolicy::all());
        for (place, name) in names(&s) {
            if !allowed(&place, &name) {
                bad.insert((place.clone(), name.clone()));
            }
            seen.insert((place, name));
        }
    }
    assert!(
        bad.is_empty(),
        "{dialect}: names outside the convention: {bad:#?}"
    );
    seen
}

#[test]
fn genai_uses_only_v1_41_names_or_ours() {
    let seen = check("genai", &|place, name| match place {
        "resource" => RESOURCE.contains(&name) || ours(name),
        "metric" => GENAI_V1_41_METRICS.contains(&name) || OUR_METRICS.contains(&name),
        "span event" => name == "exception" || ours(name),
        "log" => false,
        _ => GENAI_V1_41.contains(&name) || ours(name),
    });
    // The content attributes appear with capture on.
    assert!(seen.contains(&("span attribute".into(), "gen_ai.tool.call.arguments".into())));
    assert!(seen.contains(&("span attribute".into(), "gen_ai.input.messages".into())));
    assert!(seen.contains(&("metric".into(), "agentobs.cost.usd".into())));
}

#[test]
fn genai_latest_uses_only_main_branch_names_or_ours() {
    let seen = check("genai-latest", &|place, name| match place {
        "resource" => RESOURCE.contains(&name) || ours(name),
        "metric" => GENAI_LATEST_METRICS.contains(&name) || OUR_METRICS.contains(&name),
        "span event" => name == "exception" || ours(name),
        "log" => false,
        _ => {
            (GENAI_V1_41.contains(&name) && name != "gen_ai.usage.cache_creation.input_tokens")
                || GENAI_LATEST_ADDED.contains(&name)
                || ours(name)
        }
    });
    assert!(seen.contains(&(
        "span attribute".into(),
        "gen_ai.usage.cache_write.input_tokens".into()
    )));
}

#[test]
fn openinference_uses_only_its_names_or_ours() {
    check("openinference", &|place, name| match place {
        "resource" => RESOURCE.contains(&name) || ours(name),
        "metric" => OUR_METRICS.contains(&name),
        "log" => false,
        "span event" => name == "exception" || ours(name),
        _ => OPENINFERENCE.contains(&name) || ours(name),
    });
}

#[test]
fn codex_uses_codex_names() {
    check("codex", &|place, name| match place {
        "resource" => RESOURCE.contains(&name) || name == "env" || ours(name),
        "metric" => name.starts_with("codex.") || OUR_METRICS.contains(&name),
        "log" => name.starts_with("codex."),
        _ => true,
    });
}
