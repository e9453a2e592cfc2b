//! Helpers the dialects share: names from the session context, JSON text.

use std::borrow::Cow;
use std::fmt::Write as _;

use agentobs_schema::{Harness, SessionContext};

/// The conversation id: the thread id, else the session id. Never invented.
pub fn conversation_id(ctx: &SessionContext) -> Option<&str> {
    ctx.thread_or_session_id()
}

/// The agent's name: the one the harness gives, else the sub-agent's nickname, role or kind,
/// else the harness (`codex`).
pub fn agent_name(ctx: &SessionContext) -> &str {
    if let Some(n) = &ctx.agent_name {
        return n;
    }
    if let Some(s) = &ctx.subagent {
        if let Some(n) = s.nickname.as_ref().or(s.role.as_ref()) {
            return n;
        }
        return &s.kind;
    }
    ctx.harness.as_str()
}

/// `gen_ai.provider.name`: the session's provider in the GenAI vocabulary (`openai`,
/// `anthropic`, `gcp.gemini`, `azure.ai.openai`, …); a provider the vocabulary lacks is kept
/// as the harness names it. Without one, the harness's own provider (`openai` for Codex).
pub fn genai_provider(ctx: &SessionContext) -> Cow<'static, str> {
    let Some(p) = ctx.model_provider.as_deref() else {
        return harness_provider(&ctx.harness).into();
    };
    if let Some(known) = known_provider(p) {
        return known.into();
    }
    match known_provider(&p.to_ascii_lowercase()) {
        Some(known) => known.into(),
        None => p.to_owned().into(),
    }
}

fn known_provider(p: &str) -> Option<&'static str> {
    Some(match p {
        "openai" => "openai",
        "anthropic" => "anthropic",
        "azure" | "azure_openai" | "azure.ai.openai" => "azure.ai.openai",
        "gemini" | "google" | "gcp.gemini" => "gcp.gemini",
        "vertex" | "vertex_ai" | "vertexai" | "gcp.vertex_ai" => "gcp.vertex_ai",
        "bedrock" | "aws" | "aws.bedrock" => "aws.bedrock",
        "mistral" | "mistralai" | "mistral_ai" => "mistral_ai",
        "xai" | "x_ai" => "x_ai",
        "deepseek" => "deepseek",
        "groq" => "groq",
        "cohere" => "cohere",
        "perplexity" => "perplexity",
        "moonshot" | "moonshot_ai" => "moonshot_ai",
        _ => return None,
    })
}

/// `llm.provider` and `llm.system` in the OpenInference vocabulary.
pub fn openinference_provider(ctx: &SessionContext) -> (String, String) {
    let genai = genai_provider(ctx);
    let pair = match genai.as_ref() {
        "openai" => ("openai", "openai"),
        "anthropic" => ("anthropic", "anthropic"),
        "azure.ai.openai" => ("azure", "openai"),
        "gcp.gemini" | "gcp.vertex_ai" | "gcp.gen_ai" => ("google", "vertexai"),
        "aws.bedrock" => ("aws", "amazon"),
        "mistral_ai" => ("mistralai", "mistralai"),
        "x_ai" => ("xai", "xai"),
        "deepseek" => ("deepseek", "deepseek"),
        "groq" => ("groq", "groq"),
        "cohere" => ("cohere", "cohere"),
        "perplexity" => ("perplexity", "perplexity"),
        "moonshot_ai" => ("moonshot", "moonshot"),
        _ => return (genai.to_string(), genai.into_owned()),
    };
    (pair.0.to_owned(), pair.1.to_owned())
}

fn harness_provider(h: &Harness) -> &'static str {
    match h {
        Harness::ClaudeCode => "anthropic",
        Harness::GeminiCli => "gcp.gemini",
        _ => "openai",
    }
}

/// Appends `s` to `out` as a JSON string literal.
pub(crate) fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON object of string fields, in order, skipping `None`s.
pub(crate) fn json_object(fields: &[(&str, Option<&str>)]) -> String {
    let mut out = String::from("{");
    let mut first = true;
    for (k, v) in fields {
        let Some(v) = v else { continue };
        if !first {
            out.push(',');
        }
        first = false;
        json_string(&mut out, k);
        out.push(':');
        json_string(&mut out, v);
    }
    out.push('}');
    out
}

/// GenAI `gen_ai.input.messages` for one user text message.
pub(crate) fn user_message_json(text: &str) -> String {
    let mut out = String::from(r#"[{"role":"user","parts":[{"type":"text","content":"#);
    json_string(&mut out, text);
    out.push_str("}]}]");
    out
}

/// Milliseconds as seconds.
pub(crate) fn seconds(ms: i64) -> f64 {
    ms.max(0) as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_controls_quotes_and_keeps_unicode() {
        let mut s = String::new();
        json_string(&mut s, "a\"b\\c\n\u{1}é😀");
        assert_eq!(s, r#""a\"b\\c\n\u0001é😀""#);
        assert_eq!(
            json_object(&[("a", Some("1")), ("b", None), ("c", Some("x"))]),
            r#"{"a":"1","c":"x"}"#
        );
    }
}
