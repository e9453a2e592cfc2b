//! Unit tests: determinism, JSON validity, size accuracy, and an independent re-count of the
//! ground truth from the written files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("agentobs-corpus-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

const FIELDS: [&str; 6] = [
    "input_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
];

fn usage_of(v: &Value) -> [u64; 6] {
    FIELDS.map(|f| v.get(f).and_then(Value::as_u64).unwrap_or(0))
}

#[derive(Default, Debug, PartialEq)]
struct Recount {
    usage: Usage,
    requests: u64,
    by_model: BTreeMap<String, UsageTotals>,
    by_day: BTreeMap<String, UsageTotals>,
}

impl Recount {
    fn bill(&mut self, model: &str, day: &str, d: [u64; 6]) {
        let add = |u: &mut Usage| {
            u.input_tokens += d[0];
            u.cached_input_tokens += d[1];
            u.cache_write_input_tokens += d[2];
            u.output_tokens += d[3];
            u.reasoning_output_tokens += d[4];
            u.total_tokens += d[5];
        };
        add(&mut self.usage);
        self.requests += 1;
        let m = self.by_model.entry(model.to_string()).or_default();
        add(&mut m.usage);
        m.requests += 1;
        let m = self.by_day.entry(day.to_string()).or_default();
        add(&mut m.usage);
        m.requests += 1;
    }
}

/// Sums the deltas of `total_token_usage` over every file under `sessions/`.
///
/// `trap_aware` adds what a correct reader needs beyond that: replayed parent rows (stamped with
/// the child's creation time, after a second `session_meta`) only set the baseline, and a
/// total whose components drop (the overflow reset) sets a new baseline without billing.
fn recount(dir: &Path, trap_aware: bool) -> Recount {
    let mut rc = Recount::default();
    for path in files_under(&dir.join("sessions")) {
        let text = fs::read_to_string(&path).unwrap();
        let mut prev: Option<[u64; 6]> = None;
        let mut model = "gpt-5".to_string();
        let mut metas = 0;
        let mut child_ts: Option<String> = None;
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let ts = v["timestamp"].as_str().unwrap().to_string();
            let p = &v["payload"];
            match v["type"].as_str().unwrap() {
                "session_meta" => {
                    metas += 1;
                    let child = p.get("forked_from_id").is_some() || p["source"].is_object();
                    if metas == 1 && child {
                        child_ts = Some(ts.clone());
                    }
                }
                "turn_context" => model = p["model"].as_str().unwrap().to_string(),
                "event_msg" if p["type"] == "token_count" => {
                    if p["info"].is_null() {
                        continue;
                    }
                    let total = usage_of(&p["info"]["total_token_usage"]);
                    if trap_aware {
                        let replay = metas >= 2 && child_ts.as_deref() == Some(ts.as_str());
                        let zero = total[0] == 0 && total[3] == 0;
                        let dropped = prev.is_some_and(|q| total[0] < q[0] || total[3] < q[3]);
                        if replay || zero || dropped {
                            prev = Some(total);
                            continue;
                        }
                    }
                    let base = prev.unwrap_or([0; 6]);
                    if prev == Some(total) {
                        continue;
                    }
                    assert!(
                        !trap_aware || (0..6).all(|i| total[i] >= base[i]),
                        "{}: {line}\nbase {base:?}",
                        path.display()
                    );
                    let d: [u64; 6] = std::array::from_fn(|i| total[i].saturating_sub(base[i]));
                    rc.bill(&model, &ts[..10], d);
                    prev = Some(total);
                }
                _ => {}
            }
        }
    }
    rc
}

fn check_recount(rc: &Recount, exp: &Expected) {
    assert_eq!(rc.requests, exp.requests);
    assert_eq!(rc.usage, exp.usage);
    assert_eq!(rc.by_model, exp.by_model);
    assert_eq!(rc.by_day, exp.by_day_utc);
}

#[test]
fn clean_corpus_deltas_match_expected() {
    let dir = TempDir::new("clean");
    let spec = CorpusSpec {
        size_bytes: 6 << 20,
        files: 60,
        seed: 11,
        traps: false,
    };
    let exp = generate(&dir.0, &spec).unwrap();
    assert!(exp.requests > 0 && exp.tool_calls > 0 && exp.tool_failures > 0);
    assert_eq!(exp.traps, TrapCounts::default());
    check_recount(&recount(&dir.0, false), &exp);
    // Several models and days are present.
    assert!(exp.by_model.len() >= 5, "{:?}", exp.by_model.keys());
    assert!(exp.by_day_utc.len() >= 10);
    let on_disk: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.0.join("expected.json")).unwrap()).unwrap();
    assert_eq!(on_disk, serde_json::to_value(&exp).unwrap());
}

#[test]
fn trap_corpus_is_counted_once_by_a_trap_aware_reader() {
    let dir = TempDir::new("traps");
    let spec = CorpusSpec {
        size_bytes: 8 << 20,
        files: 80,
        seed: 5,
        traps: true,
    };
    let exp = generate(&dir.0, &spec).unwrap();
    let t = exp.traps;
    assert!(t.reemitted_rows > 0, "{t:?}");
    assert!(t.info_null_rows > 0, "{t:?}");
    assert!(t.no_last_sessions > 0, "{t:?}");
    assert!(
        t.forks > 0 && t.subagents > 0 && t.replayed_lines > 0,
        "{t:?}"
    );
    assert!(t.archived_copies > 0, "{t:?}");
    assert!(t.overflows > 0, "{t:?}");
    assert!(t.old_gen_sessions > 0, "{t:?}");
    assert_eq!(exp.sessions + t.archived_copies, exp.files);
    check_recount(&recount(&dir.0, true), &exp);
    // A naive reader (deltas only) overcounts on this corpus.
    let naive = recount(&dir.0, false);
    assert!(naive.usage.total_tokens > exp.usage.total_tokens);
}

#[test]
fn every_line_is_valid_json_in_the_0169_shape() {
    let dir = TempDir::new("json");
    let spec = CorpusSpec {
        size_bytes: 3 << 20,
        files: 30,
        seed: 3,
        traps: true,
    };
    let exp = generate(&dir.0, &spec).unwrap();
    let files = files_under(&dir.0);
    let rollouts: Vec<_> = files
        .iter()
        .filter(|p| p.extension().unwrap() == "jsonl")
        .collect();
    assert_eq!(rollouts.len() as u64, exp.files);
    let mut bytes = 0;
    for path in rollouts {
        let data = fs::read(path).unwrap();
        bytes += data.len() as u64;
        assert_eq!(data.last(), Some(&b'\n'));
        let name = path.file_name().unwrap().to_str().unwrap();
        assert!(
            name.starts_with("rollout-2026-")
                && name.len() == "rollout-2026-11-10T09-00-00-".len() + 36 + 6
        );
        let mut last_ts = String::new();
        let mut old_gen = false;
        for (i, line) in data
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let v: Value = serde_json::from_slice(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
            let ts = v["timestamp"].as_str().unwrap();
            assert_eq!(ts.len(), 24);
            assert!(
                ts >= last_ts.as_str(),
                "timestamps go back in {}",
                path.display()
            );
            last_ts = ts.to_string();
            assert!(v["payload"].is_object());
            if i == 0 {
                assert_eq!(v["type"], "session_meta");
                let id = v["payload"]["id"].as_str().unwrap();
                assert!(name.contains(id));
                old_gen = v.get("ordinal").is_none();
                if !old_gen {
                    assert_eq!(v["payload"]["cli_version"], "0.169.0");
                    // The id's first 48 bits are the creation time in unix ms.
                    let ms = u64::from_str_radix(&id[..8], 16).unwrap() << 16
                        | u64::from_str_radix(&id[9..13], 16).unwrap();
                    let meta_ts = v["payload"]["timestamp"].as_str().unwrap();
                    assert_eq!(time::Ts(ms as i64).to_string(), meta_ts);
                }
            }
            if !old_gen {
                assert_eq!(v["ordinal"].as_u64(), Some(i as u64));
            }
        }
    }
    assert_eq!(bytes, exp.bytes);
}

#[test]
fn deterministic() {
    let a = TempDir::new("det-a");
    let b = TempDir::new("det-b");
    let spec = CorpusSpec {
        size_bytes: 2 << 20,
        files: 24,
        seed: 99,
        traps: true,
    };
    let ea = generate(&a.0, &spec).unwrap();
    let eb = generate(&b.0, &spec).unwrap();
    assert_eq!(ea, eb);
    let fa = files_under(&a.0);
    let fb = files_under(&b.0);
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.strip_prefix(&a.0).unwrap(), y.strip_prefix(&b.0).unwrap());
        assert!(
            fs::read(x).unwrap() == fs::read(y).unwrap(),
            "{} differs",
            x.display()
        );
    }
    assert_eq!(
        generate_rollout_bytes(4, 300_000),
        generate_rollout_bytes(4, 300_000)
    );
    assert_ne!(
        generate_rollout_bytes(4, 300_000),
        generate_rollout_bytes(5, 300_000)
    );
}

#[test]
fn size_is_within_two_percent() {
    for (size, files, traps) in [
        (4u64 << 20, 40usize, false),
        (5 << 20, 50, true),
        (1 << 20, 4, false),
    ] {
        let dir = TempDir::new(&format!("size-{files}-{traps}"));
        let spec = CorpusSpec {
            size_bytes: size,
            files,
            seed: 21,
            traps,
        };
        let exp = generate(&dir.0, &spec).unwrap();
        assert_eq!(exp.files, files as u64);
        let err = (exp.bytes as f64 - size as f64).abs() / size as f64;
        assert!(
            err < 0.02,
            "{size} bytes in {files} files: got {} ({err:.4})",
            exp.bytes
        );
    }
    for target in [20_000usize, 100_000, 1_000_000, 5_000_000] {
        let (bytes, exp) = generate_rollout(target as u64, target);
        let err = (bytes.len() as f64 - target as f64).abs() / target as f64;
        assert!(
            err < 0.02,
            "rollout of {target}: got {} ({err:.4})",
            bytes.len()
        );
        assert_eq!(exp.bytes, bytes.len() as u64);
    }
}

#[test]
fn in_memory_rollout_matches_its_expected() {
    let (bytes, exp) = generate_rollout(8, 2_000_000);
    let dir = TempDir::new("mem");
    fs::create_dir_all(dir.0.join("sessions")).unwrap();
    fs::write(dir.0.join("sessions/r.jsonl"), &bytes).unwrap();
    check_recount(&recount(&dir.0, false), &exp);
    assert!(exp.requests > 20);
}

#[test]
fn token_numbers_are_plausible() {
    let (_, exp) = generate_rollout(1, 3_000_000);
    let u = exp.usage;
    assert!(u.cached_input_tokens <= u.input_tokens);
    assert!(u.reasoning_output_tokens <= u.output_tokens);
    assert_eq!(u.total_tokens, u.input_tokens + u.output_tokens);
    assert_eq!(u.cache_write_input_tokens, 0);
    let dir = TempDir::new("long");
    let spec = CorpusSpec {
        size_bytes: 8 << 20,
        files: 40,
        seed: 2,
        traps: false,
    };
    let exp = generate(&dir.0, &spec).unwrap();
    assert!(exp.long_context_requests > 0);
}
