//! Content capture: off by default, per kind, cut to the limit — and applied before any
//! dialect runs, so not even a careless user dialect can leak what is off.

use agentobs::schema::{Event, EventKind};
use agentobs::semconv::{AttrList, Dialect, MapContext, Mapper, Severity, Signals};

use super::*;

/// A dialect that writes every piece of content it is given.
struct Leaky;

impl Dialect for Leaky {
    fn map(&self, event: &Event, cx: &mut MapContext<'_>) {
        let mut a = AttrList::new();
        match &event.kind {
            EventKind::UserPrompt(p) => {
                a.set_opt("prompt", p.text.value().cloned());
            }
            EventKind::ToolResult(r) => {
                a.set_opt("arguments", r.arguments.value().cloned());
                a.set_opt("output", r.output.value().cloned());
            }
            _ => return,
        }
        cx.log("leak", event.at, Severity::Info, a);
    }
}

fn leaked(policy: ContentPolicy) -> Vec<String> {
    let mut mapper = Mapper::new(Leaky, Signals::default()).with_content(policy);
    let opts = agentobs::codex::ReadOptions::default().with_content(true);
    for f in jsonl_files(&fixture("codex-0.169/tool")) {
        let mut reader = agentobs::codex::RolloutReader::open(&f, opts.clone()).unwrap();
        let _ = reader.feed(&mut mapper);
    }
    let (s, _) = mapper.finish();
    s.logs
        .iter()
        .flat_map(|l| l.attributes.iter().map(|kv| kv.key.to_string()))
        .collect()
}

#[test]
fn content_is_withheld_before_any_dialect_sees_it() {
    assert!(leaked(ContentPolicy::default()).is_empty());
    assert_eq!(
        leaked(ContentPolicy::default().with_prompts(true)),
        ["prompt"]
    );
    let mut both = leaked(
        ContentPolicy::default()
            .with_tool_arguments(true)
            .with_tool_output(true),
    );
    both.sort();
    assert_eq!(both, ["arguments", "output"]);
}

#[test]
fn no_shipped_dialect_writes_content_by_default() {
    let files = jsonl_files(&fixture("codex-0.169/tool"));
    let content_keys = [
        "gen_ai.input.messages",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
        "input.value",
        "output.value",
        "tool_call.function.arguments",
        "arguments",
        "output",
    ];
    for d in DIALECTS {
        let s = map_files(&files, d, ContentPolicy::default());
        for sp in &s.spans {
            for k in content_keys {
                assert!(!sp.attributes.contains(k), "{d}: {k} on {}", sp.name);
            }
        }
        for l in &s.logs {
            for k in content_keys {
                assert!(!l.attributes.contains(k), "{d}: {k} on {}", l.event_name);
            }
            if let Some(p) = l.attributes.get_str("prompt") {
                assert_eq!(p, "[REDACTED]");
            }
        }
        // With capture on, the text is there, cut to the limit.
        let s = map_files(&files, d, ContentPolicy::all().with_max_chars(Some(10)));
        let texts: Vec<_> = s
            .spans
            .iter()
            .flat_map(|x| x.attributes.iter())
            .chain(s.logs.iter().flat_map(|x| x.attributes.iter()))
            .filter(|kv| content_keys.contains(&kv.key.as_ref()) || kv.key == "prompt")
            .filter_map(|kv| kv.value.as_str())
            .collect();
        assert!(!texts.is_empty(), "{d}: content with capture on");
        for t in texts {
            // Plain text is cut to 10 characters; a JSON message wraps the cut text.
            let head = t.split("…[truncated").next().unwrap();
            let text = head.rsplit("\"content\":\"").next().unwrap();
            assert!(text.chars().count() <= 10, "{d}: {t}");
        }
    }
}
