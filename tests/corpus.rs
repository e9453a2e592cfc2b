//! Generated corpora with every accounting trap: the report equals the generator's ground
//! truth, per model and per day, and the full reader reads every line without a warning.

use std::sync::atomic::AtomicUsize;

use agentobs::codex::{ReadOptions, RolloutReader, discover};
use agentobs::cost::Dimension;
use agentobs_corpus::{CorpusSpec, generate};
use agentobs_report::{DeveloperFallback, ReportOptions};

fn opts(by: Vec<Dimension>) -> ReportOptions {
    ReportOptions::default()
        .with_group_by(by)
        .with_developer(DeveloperFallback::None)
}

#[test]
fn trap_corpus_matches_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CorpusSpec {
        size_bytes: 6 << 20,
        files: 60,
        seed: 7,
        traps: true,
    };
    let expected = generate(dir.path(), &spec).unwrap();
    let roots = [dir.path().to_path_buf()];
    let progress = AtomicUsize::new(0);

    let (by_model, _) =
        agentobs_report::run(&roots, &opts(vec![Dimension::Model]), &progress).unwrap();
    assert!(by_model.warnings.is_empty(), "{:?}", by_model.warnings);
    let t = &by_model.totals;
    let e = &expected.usage;
    assert_eq!(
        (
            t.input_tokens,
            t.cached_input_tokens,
            t.output_tokens,
            t.reasoning_output_tokens
        ),
        (
            e.input_tokens,
            e.cached_input_tokens,
            e.output_tokens,
            e.reasoning_output_tokens
        )
    );
    assert_eq!(t.total_tokens, e.total_tokens);
    assert_eq!(t.sessions, expected.sessions, "archived copies count once");
    for row in &by_model.rows {
        let m = &row.key["model"];
        let want = &expected.by_model[m];
        assert_eq!(row.figures.input_tokens, want.usage.input_tokens, "{m}");
        assert_eq!(row.figures.output_tokens, want.usage.output_tokens, "{m}");
    }
    assert!(t.cost_usd.is_some(), "every generated model is priced");
    assert_eq!(
        t.inferred_models,
        ["gpt-5"],
        "old-generation files infer gpt-5"
    );

    let (by_day, _) = agentobs_report::run(&roots, &opts(vec![Dimension::Day]), &progress).unwrap();
    assert_eq!(by_day.rows.len(), expected.by_day_utc.len());
    for row in &by_day.rows {
        let want = &expected.by_day_utc[&row.key["day"]];
        assert_eq!(
            row.figures.input_tokens, want.usage.input_tokens,
            "{}",
            row.key["day"]
        );
    }
}

#[test]
fn full_extraction_reads_every_line_and_every_tool_call() {
    let dir = tempfile::tempdir().unwrap();
    let spec = CorpusSpec {
        size_bytes: 3 << 20,
        files: 30,
        seed: 11,
        traps: false,
    };
    let expected = generate(dir.path(), &spec).unwrap();
    let (mut tools, mut failures) = (0u64, 0u64);
    for f in discover(&[dir.path().to_path_buf()]).unwrap() {
        let mut r = RolloutReader::open(&f.path, ReadOptions::default()).unwrap();
        for item in r.by_ref() {
            let event = item.unwrap_or_else(|w| panic!("warning: {w}"));
            if let agentobs::schema::EventKind::ToolResult(t) = &event.kind {
                tools += 1;
                failures += u64::from(t.success == Some(false));
                assert!(t.exit_code.is_some(), "{t:?}");
            }
        }
        let s = r.stats();
        assert_eq!(s.lines, s.parsed + s.skipped);
    }
    assert_eq!(tools, expected.tool_calls);
    assert_eq!(failures, expected.tool_failures);
}
