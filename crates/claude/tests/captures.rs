//! The reader against genuine Claude Code transcripts, checked against the CLI's own
//! stream-json `result` figures (`modelUsage`, `total_cost_usd`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agentobs_claude::{ReadOptions, SeenRequests, TranscriptReader};
use agentobs_cost::{PriceBook, Request, ServiceTier};
use agentobs_schema::{Collect, EventKind, TokenUsage};
use serde_json::Value;

fn fixture(version: &str, scenario: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("claude-code-{version}"))
        .join(scenario)
}

fn read(path: &Path) -> Collect {
    let mut c = Collect::default();
    let _ = TranscriptReader::open(path, ReadOptions::default().with_content(true))
        .unwrap()
        .feed(&mut c);
    c
}

fn usage_by_model(c: &Collect) -> BTreeMap<String, TokenUsage> {
    let mut m: BTreeMap<String, TokenUsage> = BTreeMap::new();
    for e in &c.events {
        if let EventKind::TokenUsage(u) = &e.kind {
            *m.entry(e.ctx.model.clone().unwrap()).or_default() += u.usage;
        }
    }
    m
}

const CAPTURES: &[(&str, &str)] = &[
    ("2.1.197", "plain"),
    ("2.1.197", "tool"),
    ("2.1.197", "tool_fail"),
    ("2.1.197", "thinking"),
    ("2.1.197", "http500_retry"),
    ("2.1.332", "tool"),
    ("2.1.332", "tool_denied"),
    ("2.1.332", "http400_fatal"),
];

#[test]
fn every_capture_reads_without_warnings_and_matches_the_cli_totals() {
    let book = PriceBook::embedded();
    for (version, scenario) in CAPTURES {
        let dir = fixture(version, scenario);
        let c = read(&dir.join("transcript.jsonl"));
        assert!(c.warnings.is_empty(), "{scenario}: {:?}", c.warnings);
        assert!(c.ends[0].complete);
        let result: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("result.json")).unwrap())
                .unwrap();
        let ours = usage_by_model(&c);
        let theirs = result["modelUsage"].as_object().unwrap();
        assert_eq!(ours.len(), theirs.len(), "{version}/{scenario}");
        for (model, t) in theirs {
            let base = model.trim_end_matches("[1m]");
            let u = ours[base];
            let n = |k: &str| t[k].as_u64().unwrap();
            assert_eq!(u.uncached_input_tokens(), n("inputTokens"), "{scenario}");
            assert_eq!(
                u.cached_input_tokens,
                n("cacheReadInputTokens"),
                "{scenario}"
            );
            assert_eq!(u.cache_write_input_tokens, n("cacheCreationInputTokens"));
            assert_eq!(u.output_tokens, n("outputTokens"), "{scenario}");
        }
        let costs: Option<Vec<f64>> = c
            .events
            .iter()
            .filter_map(Request::from_event)
            .map(|r| r.cost(&book, ServiceTier::Standard).map(|c| c.total_usd()))
            .collect();
        let want = result["total_cost_usd"].as_f64().unwrap();
        let cost: f64 = costs.unwrap().iter().sum();
        assert!(
            (cost - want).abs() < 1e-9,
            "{version}/{scenario}: {cost} vs {want}"
        );
    }
}

#[test]
fn usage_repeated_on_every_content_block_is_billed_once() {
    // The first message of `tool` is two lines (text, tool_use) repeating one usage.
    let c = read(&fixture("2.1.197", "tool").join("transcript.jsonl"));
    let usages: Vec<_> = c
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TokenUsage(u) => Some((e.src.as_ref().unwrap().line, u.usage)),
            _ => None,
        })
        .collect();
    assert_eq!(usages.len(), 2);
    // 1200 input + 3000 cache writes; 80 + 3000 reads + 150 writes.
    assert_eq!(usages[0].0, 6);
    assert_eq!(
        usages[0].1,
        TokenUsage {
            input_tokens: 4200,
            cache_write_input_tokens: 3000,
            output_tokens: 60,
            ..TokenUsage::default()
        }
    );
    assert_eq!(
        usages[1].1,
        TokenUsage {
            input_tokens: 3230,
            cached_input_tokens: 3000,
            cache_write_input_tokens: 150,
            output_tokens: 25,
            ..TokenUsage::default()
        }
    );
}

#[test]
fn cost_of_the_tool_capture_equals_a_hand_computation() {
    let c = read(&fixture("2.1.197", "tool").join("transcript.jsonl"));
    let book = PriceBook::embedded();
    let cost: f64 = c
        .events
        .iter()
        .filter_map(Request::from_event)
        .map(|r| r.cost(&book, ServiceTier::Standard).unwrap().total_usd())
        .sum();
    // claude-opus-4-8: $5 input, $0.50 cache read, $6.25 cache write, $25 output per 1M.
    let hand = (1280.0 * 5.0 + 3000.0 * 0.5 + 3150.0 * 6.25 + 85.0 * 25.0) / 1e6;
    assert!((cost - hand).abs() < 1e-12, "{cost} vs {hand}");
    assert!((hand - 0.0297125).abs() < 1e-12);
}

fn tool_results(c: &Collect) -> Vec<(String, Option<bool>, String)> {
    c.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ToolResult(r) => Some((
                r.tool.clone(),
                r.success,
                r.output.value().cloned().unwrap_or_default(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn tool_use_and_tool_result_are_paired_with_is_error() {
    let ok = read(&fixture("2.1.197", "tool").join("transcript.jsonl"));
    assert_eq!(
        tool_results(&ok),
        [("Bash".into(), Some(true), "hi".into())]
    );
    let fail = read(&fixture("2.1.197", "tool_fail").join("transcript.jsonl"));
    let r = tool_results(&fail);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].0.as_str(), r[0].1), ("Bash", Some(false)));
    assert!(r[0].2.starts_with("Exit code 2\nls: cannot access"));
    let denied = read(&fixture("2.1.332", "tool_denied").join("transcript.jsonl"));
    let r = tool_results(&denied);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].0.as_str(), r[0].1), ("Bash", Some(false)));
}

#[test]
fn the_synthetic_api_error_message_is_an_error_and_not_billed() {
    let c = read(&fixture("2.1.332", "http400_fatal").join("transcript.jsonl"));
    let errors: Vec<_> = c
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Error(x) => Some(x.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].status_code, Some(400));
    assert!(
        errors[0].message.starts_with("API Error: 400"),
        "{}",
        errors[0].message
    );
    assert!(usage_by_model(&c).is_empty());
    assert!(
        c.events
            .iter()
            .all(|e| e.ctx.model.as_deref() != Some("<synthetic>"))
    );
}

#[test]
fn session_context_is_read_from_the_lines() {
    let c = read(&fixture("2.1.197", "tool").join("transcript.jsonl"));
    let last = c.ends[0].context.as_ref().unwrap();
    assert_eq!(
        last.session_id.as_deref(),
        Some("007945b9-41d9-4d9d-87c9-2aa48725e912")
    );
    assert_eq!(last.thread_id, last.session_id);
    assert_eq!(last.model.as_deref(), Some("claude-opus-4-8"));
    assert_eq!(last.app_version.as_deref(), Some("2.1.197"));
    assert_eq!(
        last.cwd.as_deref(),
        Some("/home/dev/harnesslab/work/claude/tool")
    );
    assert_eq!(c.events[0].kind.type_name(), "session_started");
    let prompts: Vec<_> = c
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::UserPrompt(p) => p.text.value().cloned(),
            _ => None,
        })
        .collect();
    assert_eq!(prompts, ["scenario=tool run echo hi"]);
}

/// No capture has a `--resume` run: this copies the real `tool` transcript into a second
/// session file the way `--resume` does (the old lines first, under the new session id)
/// and adds one new response.
#[test]
fn a_session_copied_by_resume_is_billed_once() {
    let original =
        std::fs::read_to_string(fixture("2.1.197", "tool").join("transcript.jsonl")).unwrap();
    let copy = original.replace(
        "007945b9-41d9-4d9d-87c9-2aa48725e912",
        "11111111-2222-3333-4444-555555555555",
    );
    let extra = r#"{"parentUuid":"c776a017-fe63-41ee-9e12-c8c539079cd0","isSidechain":false,"message":{"id":"msg_new","type":"message","role":"assistant","model":"claude-opus-4-8","content":[{"type":"text","text":"again"}],"usage":{"input_tokens":7,"cache_creation_input_tokens":0,"cache_read_input_tokens":4000,"output_tokens":3}},"requestId":"req_new","type":"assistant","uuid":"u-new","timestamp":"2026-11-25T09:00:00.000Z","sessionId":"11111111-2222-3333-4444-555555555555"}"#;
    let resumed = format!("{copy}{extra}\n");
    let mut seen = SeenRequests::default();
    let mut c = Collect::default();
    let _ = TranscriptReader::new(original.as_bytes(), "a.jsonl", ReadOptions::default())
        .feed_with(&mut seen, &mut c);
    let _ = TranscriptReader::new(resumed.as_bytes(), "b.jsonl", ReadOptions::default())
        .feed_with(&mut seen, &mut c);
    assert!(c.warnings.is_empty());
    let total = usage_by_model(&c)["claude-opus-4-8"];
    assert_eq!(total.output_tokens, 85 + 3);
    assert_eq!(total.cached_input_tokens, 3000 + 4000);
    assert_eq!(seen.len(), 3);
}

/// No capture has a sub-agent run: a sidechain file built from a real assistant line, with
/// the fields Claude Code writes there (`isSidechain`, `agentId`, the parent's `sessionId`).
#[test]
fn sidechain_files_are_linked_to_their_parent_session() {
    let line = r#"{"parentUuid":null,"isSidechain":true,"agentId":"a1b2c3","message":{"id":"msg_sub","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"found it"}],"usage":{"input_tokens":100,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":10}},"requestId":"req_sub","type":"assistant","uuid":"u1","timestamp":"2026-11-25T08:48:23.000Z","sessionId":"007945b9-41d9-4d9d-87c9-2aa48725e912"}"#;
    let mut c = Collect::default();
    let _ = TranscriptReader::new(
        line.as_bytes(),
        "agent-a1b2c3.jsonl",
        ReadOptions::default(),
    )
    .feed(&mut c);
    let ctx = c.ends[0].context.as_ref().unwrap();
    assert_eq!(
        ctx.parent_thread_id.as_deref(),
        Some("007945b9-41d9-4d9d-87c9-2aa48725e912")
    );
    assert_eq!(
        ctx.session_id.as_deref(),
        Some("007945b9-41d9-4d9d-87c9-2aa48725e912")
    );
    assert_eq!(ctx.thread_id.as_deref(), Some("a1b2c3"));
    assert_eq!(ctx.subagent.as_ref().unwrap().kind, "sidechain");
    assert_eq!(usage_by_model(&c)["claude-haiku-4-5"].input_tokens, 100);
}

/// The events a cost report keeps: session starts, usage and user prompts.
fn accounting(events: &[agentobs_schema::Event]) -> Vec<String> {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::SessionStarted(_) | EventKind::TokenUsage(_) | EventKind::UserPrompt(_)
            )
        })
        .map(|e| serde_json::to_string(e).unwrap())
        .collect()
}

#[test]
fn tokens_only_gives_the_full_readers_usage_prompts_and_context() {
    for (version, scenario) in CAPTURES {
        let path = fixture(version, scenario).join("transcript.jsonl");
        let full = read(&path);
        let mut tokens = Collect::default();
        let _ = TranscriptReader::open(&path, ReadOptions::tokens().with_content(true))
            .unwrap()
            .feed(&mut tokens);
        assert!(
            tokens.warnings.is_empty(),
            "{scenario}: {:?}",
            tokens.warnings
        );
        assert!(!accounting(&full.events).is_empty(), "{scenario}");
        assert_eq!(
            accounting(&tokens.events),
            accounting(&full.events),
            "{scenario}"
        );
        assert!(
            tokens.events.iter().all(|e| !matches!(
                e.kind,
                EventKind::ToolResult(_) | EventKind::Error(_) | EventKind::Compaction(_)
            )),
            "{scenario}"
        );
        assert_eq!(tokens.ends[0].context, full.ends[0].context, "{scenario}");
    }
}
