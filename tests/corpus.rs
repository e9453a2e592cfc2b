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

/// Walks `dir` for `*.jsonl` files (a generated Claude Code home has no other kind).
fn jsonl_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            jsonl_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "jsonl") {
            out.push(p);
        }
    }
}

#[test]
fn claude_trap_corpus_matches_ground_truth_and_hand_priced_cost() {
    use agentobs_corpus::claude::generate_claude;
    use agentobs_report::Transcript;
    let dir = tempfile::tempdir().unwrap();
    let expected = generate_claude(dir.path(), 2 << 20, 60, 11).unwrap();
    let t = &expected.traps;
    assert!(t.repeated_usage_lines > 0 && t.resumed_sessions > 0 && t.sidechain_files > 0);
    assert!(t.synthetic_errors > 0 && t.one_hour_writes > 0);
    let mut files = Vec::new();
    jsonl_files(&dir.path().join("projects"), &mut files);
    files.sort();
    let transcripts = files.into_iter().map(Transcript::Claude).collect();
    let o = opts(vec![Dimension::Day, Dimension::Model]).with_transcripts(transcripts);
    let (report, _) = agentobs_report::run(&[], &o, &AtomicUsize::new(0)).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let rows: usize = expected.by_day_model.values().map(|m| m.len()).sum();
    assert_eq!(report.rows.len(), rows);
    // Rates per 1M tokens: plain input, 5-minute write, 1-hour write, cache read, output.
    let rates = |model: &str| match model {
        "claude-opus-4-8" => [5.0, 6.25, 10.0, 0.5, 25.0],
        "claude-sonnet-4-5" => [3.0, 3.75, 6.0, 0.3, 15.0],
        "claude-haiku-4-5" => [1.0, 1.25, 2.0, 0.1, 5.0],
        other => panic!("unexpected model {other}"),
    };
    let mut want_cost = 0.0;
    for row in &report.rows {
        let (day, model) = (&row.key["day"], &row.key["model"]);
        let e = &expected.by_day_model[day][model];
        let f = &row.figures;
        assert_eq!(
            (
                f.input_tokens - f.cached_input_tokens - f.cache_write_input_tokens,
                f.cache_write_input_tokens,
                f.cached_input_tokens,
                f.output_tokens,
            ),
            (
                e.input_tokens,
                e.cache_creation_input_tokens,
                e.cache_read_input_tokens,
                e.output_tokens
            ),
            "{day} {model}"
        );
        let r = rates(model);
        let cost = (e.input_tokens as f64 * r[0]
            + (e.cache_creation_input_tokens - e.cache_creation_1h_input_tokens) as f64 * r[1]
            + e.cache_creation_1h_input_tokens as f64 * r[2]
            + e.cache_read_input_tokens as f64 * r[3]
            + e.output_tokens as f64 * r[4])
            / 1e6;
        let got = f.cost_usd.unwrap();
        assert!(
            (got - cost).abs() <= 1e-9 * cost.max(1.0),
            "{day} {model}: {got} vs {cost}"
        );
        want_cost += cost;
    }
    let total = report.totals.cost_usd.unwrap();
    assert!(
        (total - want_cost).abs() <= 1e-9 * want_cost,
        "{total} vs {want_cost}"
    );
}
