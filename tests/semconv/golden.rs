//! Golden snapshots: every dialect on every fixture, rendered as readable text.
//!
//! The snapshots under `tests/snapshots/semconv/` were reviewed by hand when written (span
//! trees, parents, times, token counts against the rollouts, cost against the price book,
//! names against the spec tables). Regenerate with `AGENTOBS_BLESS=1 cargo test semconv` and
//! review the diff before committing it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use agentobs::semconv::{AttrList, PointValue, Signals, SpanId, SpanRecord, SpanStatus, TraceId};

use super::*;

/// Signals as text: ids replaced by stable labels, times relative to the first record.
pub fn render(s: &Signals) -> String {
    let t0 = s
        .spans
        .iter()
        .map(|x| x.start)
        .chain(s.logs.iter().map(|l| l.time))
        .chain(s.metrics.iter().map(|m| m.start))
        .min()
        .map_or(0, |t| t.unix_millis());
    let rel = |t: agentobs::schema::Timestamp| t.unix_millis() - t0;
    let mut traces: HashMap<TraceId, usize> = HashMap::new();
    let mut spans: HashMap<SpanId, String> = HashMap::new();
    let mut ordered: Vec<&SpanRecord> = s.spans.iter().collect();
    ordered.sort_by_key(|x| (x.start, x.end));
    for x in &ordered {
        let n = traces.len();
        let t = *traces.entry(x.trace_id).or_insert(n);
        let label = format!("T{t}.S{}", spans.len());
        spans.entry(x.span_id).or_insert(label);
    }
    let mut out = String::new();
    let mut resources: Vec<String> = Vec::new();
    let mut res_label = |r: &AttrList| {
        let text = attrs_inline(r);
        match resources.iter().position(|x| *x == text) {
            Some(i) => i,
            None => {
                resources.push(text);
                resources.len() - 1
            }
        }
    };
    writeln!(out, "# spans ({})", s.spans.len()).unwrap();
    for x in &ordered {
        let r = res_label(&x.resource.attributes);
        let parent = match x.parent_span_id {
            None => "root".to_owned(),
            Some(p) => spans
                .get(&p)
                .cloned()
                .unwrap_or_else(|| "external".to_owned()),
        };
        let status = match &x.status {
            SpanStatus::Unset => String::new(),
            SpanStatus::Ok => " status=ok".into(),
            SpanStatus::Error(m) => format!(" status=error({m})"),
        };
        writeln!(
            out,
            "{} {:?} {:?} +{}..{}ms parent={parent} R{r}{status}",
            spans[&x.span_id],
            x.name,
            x.kind,
            rel(x.start),
            rel(x.end),
        )
        .unwrap();
        write_attrs(&mut out, "    ", &x.attributes);
        for e in &x.events {
            writeln!(out, "    event {:?} +{}ms", e.name, rel(e.time)).unwrap();
            write_attrs(&mut out, "        ", &e.attributes);
        }
    }
    writeln!(out, "# logs ({})", s.logs.len()).unwrap();
    for l in &s.logs {
        let r = res_label(&l.resource.attributes);
        let span = l
            .span_id
            .and_then(|i| spans.get(&i).cloned())
            .unwrap_or_else(|| "-".into());
        writeln!(
            out,
            "{:?} +{}ms {:?} span={span} R{r}",
            l.event_name,
            rel(l.time),
            l.severity
        )
        .unwrap();
        let mut a = l.attributes.clone();
        a.remove("event.timestamp");
        write_attrs(&mut out, "    ", &a);
    }
    writeln!(out, "# metrics ({})", s.metrics.len()).unwrap();
    for m in &s.metrics {
        let r = res_label(&m.resource.attributes);
        let value = match &m.value {
            PointValue::Sum(v) => format!("sum={v}"),
            PointValue::Histogram(h) => format!(
                "count={} sum={} min={} max={} buckets={:?}",
                h.count, h.sum, h.min, h.max, h.bucket_counts
            ),
        };
        writeln!(
            out,
            "{} [{}] {:?} {:?} {{{}}} {value} R{r}",
            m.name,
            m.unit,
            m.instrument,
            m.temporality,
            attrs_inline(&m.attributes)
        )
        .unwrap();
    }
    writeln!(out, "# resources").unwrap();
    for (i, r) in resources.iter().enumerate() {
        writeln!(out, "R{i} {{{r}}}").unwrap();
    }
    out
}

fn attrs_inline(a: &AttrList) -> String {
    a.iter()
        .map(|kv| format!("{}={}", kv.key, kv.value))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_attrs(out: &mut String, indent: &str, a: &AttrList) {
    for kv in a {
        writeln!(out, "{indent}{}={}", kv.key, kv.value).unwrap();
    }
}

#[test]
fn every_dialect_on_every_fixture_matches_its_snapshot() {
    let bless = std::env::var_os("AGENTOBS_BLESS").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/semconv");
    let mut failures = Vec::new();
    for (name, files) in fixture_sets() {
        for d in DIALECTS {
            let got = render(&map_files(&files, d, ContentPolicy::default()));
            let path = dir.join(d).join(format!("{name}.txt"));
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(want) if want == got => {}
                Ok(_) => failures.push(format!("{d}/{name}: differs")),
                Err(_) => failures.push(format!("{d}/{name}: no snapshot")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{failures:#?}\nrun with AGENTOBS_BLESS=1 and review the diff"
    );
}
