//! `agentobs report --html` in a real browser: Debian's chromium (found through
//! `AGENTOBS_CHROMIUM`, installed by `.ci/install-chromium.sh` with the DevTools-protocol
//! driver under `tests/browser/`) opens the page headless. The numbers in its DOM must be
//! those of `report --json`; the page must make no request but for itself and log no error.
//! Screenshots of the overview and of a session page go to `target/html-report/`.
//!
//! Without `AGENTOBS_CHROMIUM` (or without the driver installed) the browser tests say so and
//! pass; the page is still generated and checked without a browser.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn agentobs(args: &[&str], cache: &Path) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("USER", "dev@example.com")
        .env_remove("CODEX_HOME")
        .env_remove("AGENTOBS_PRICE_BOOK")
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0),
        "agentobs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(args: &[&str], cache: &Path) -> Value {
    serde_json::from_slice(&agentobs(args, cache).stdout).unwrap()
}

/// The browser and the driver, or why the browser tests are skipped.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let chromium = std::env::var_os("AGENTOBS_CHROMIUM")
        .filter(|v| !v.is_empty())
        .ok_or("AGENTOBS_CHROMIUM is not set (run .ci/install-chromium.sh)")?;
    let driver = repo().join("tests/browser");
    if !driver.join("node_modules/playwright-core").is_dir() {
        return Err("tests/browser/node_modules is missing (run .ci/install-chromium.sh)".into());
    }
    Ok((PathBuf::from(chromium), driver))
}

/// Opens `page` in chromium; what the driver saw.
fn open(page: &Path, prefix: &str) -> Option<Value> {
    let (chromium, driver) = match browser() {
        Ok(b) => b,
        Err(why) => {
            eprintln!("browser test skipped: {why}");
            return None;
        }
    };
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("html-report");
    let out = Command::new("node")
        .arg(driver.join("check_report.mjs"))
        .arg(page)
        .arg(&shots)
        .arg(prefix)
        .env("AGENTOBS_CHROMIUM", &chromium)
        .current_dir(&driver)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("screenshots in {}", shots.display());
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        Value::Number(n) => n.as_f64().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

/// A small home: synthetic sessions (several models, repos, branches, forks, sub-agents)
/// and the real Codex captures (tool failures, a context overflow, a guardian review).
fn home(dir: &Path) -> Vec<String> {
    let spec = agentobs_corpus::CorpusSpec {
        size_bytes: 3 << 20,
        files: 40,
        seed: 11,
        traps: true,
    };
    agentobs_corpus::generate(dir, &spec).unwrap();
    let real = repo().join("tests/fixtures/codex-0.169");
    vec![
        dir.to_str().unwrap().to_owned(),
        real.to_str().unwrap().to_owned(),
    ]
}

#[test]
fn page_numbers_match_the_json_report_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let roots = home(&tmp.path().join("home"));
    let page = tmp.path().join("report.html");
    let mut args = vec!["report", "--timezone", "UTC"];
    args.extend(roots.iter().map(String::as_str));
    let mut html = args.clone();
    html.extend(["--html", page.to_str().unwrap(), "--top", "5"]);
    agentobs(&html, &cache);
    let by_model = json(&[&args[..], &["--json", "--by", "model"]].concat(), &cache);
    let by_session = json(
        &[&args[..], &["--json", "--by", "session"]].concat(),
        &cache,
    );
    let mut check = vec!["check", "--json"];
    check.extend(roots.iter().map(String::as_str));
    let alerts = json(&check, &cache);

    // Without a browser: the embedded data says the same.
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("default-src 'none'"), "CSP forbids fetches");
    assert!(
        !text.contains("src=\"http"),
        "nothing loaded from elsewhere"
    );
    let totals = &by_model["totals"];

    let Some(seen) = open(&page, "report") else {
        return;
    };
    let o = &seen["overview"];
    assert_eq!(
        seen["requests"],
        serde_json::json!([seen["url"]]),
        "only the file itself"
    );
    assert_eq!(seen["console_errors"], serde_json::json!([]));
    assert_eq!(seen["page_errors"], serde_json::json!([]));
    assert!((num(&o["total_cost"]) - num(&totals["cost_usd"])).abs() < 1e-9);
    assert_eq!(num(&o["total_tokens"]), num(&totals["total_tokens"]));
    assert_eq!(num(&o["sessions"]), num(&totals["sessions"]));
    assert_eq!(
        o["session_rows"].as_u64().unwrap() as usize,
        by_session["rows"].as_array().unwrap().len(),
        "one table row per session row of --by session"
    );
    assert_eq!(
        num(&o["alerts"]) as usize,
        alerts["alerts"].as_array().unwrap().len(),
        "the alerts of agentobs check"
    );
    let rows = by_model["rows"].as_array().unwrap();
    assert!(rows.len() >= 3, "several models in the home");
    let dom = o["models"].as_array().unwrap();
    assert_eq!(dom.len(), rows.len());
    for r in rows {
        let model = r["key"]["model"].as_str().unwrap();
        let d = dom.iter().find(|d| d["model"] == model).unwrap_or_else(|| {
            panic!("no row for {model}");
        });
        for f in [
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "reasoning_output_tokens",
            "total_tokens",
        ] {
            assert_eq!(num(&d[f]), num(&r[f]), "{model} {f}");
        }
        assert!(
            (num(&d["cost"]) - num(&r["cost_usd"])).abs() < 1e-6,
            "{model} cost"
        );
    }
    assert_eq!(o["price_book"], serde_json::json!(env_price_book_date()));
    for c in o["charts"].as_array().unwrap() {
        assert!(num(&c["width"]) > 100.0 && num(&c["height"]) > 100.0, "{c}");
    }
    // Sorting by tools puts the most tool calls first; filtering by an id keeps that row.
    let tools: Vec<f64> = seen["table"]["by_tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(num)
        .collect();
    assert!(tools.windows(2).all(|w| w[0] >= w[1]), "{tools:?}");
    assert_eq!(
        seen["table"]["filtered"],
        serde_json::json!([seen["table"]["first"]])
    );
    assert_eq!(
        seen["table"]["listed_all"], o["session_rows"],
        "show all lists every row"
    );
    // The session page: its timeline, with the alerts pinned to their events.
    let s = &seen["session"];
    assert!(s["overview_hidden"].as_bool().unwrap());
    assert!(s["entries"].as_u64().unwrap() > 3);
    assert!(s["alerts"].as_u64().unwrap() >= 1);
    assert!(!s["pinned"].as_array().unwrap().is_empty(), "{s}");
    assert!(s["waterfall"].as_bool().unwrap());
    assert!(seen["print_open"].as_bool().unwrap());
}

/// The date of the embedded price book, as `agentobs report` names it.
fn env_price_book_date() -> String {
    agentobs_cost::PriceBook::embedded()
        .snapshot_date()
        .to_owned()
}

#[test]
fn unpriced_models_are_shown_not_hidden() {
    let tmp = tempfile::tempdir().unwrap();
    let src = repo().join("tests/fixtures/codex-0.169/tool");
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "jsonl") {
            let text = std::fs::read_to_string(&p).unwrap();
            let renamed = text.replace("gpt-5.1-codex", "house-model-7");
            std::fs::write(home.join(p.file_name().unwrap()), renamed).unwrap();
        }
    }
    let page = tmp.path().join("unpriced.html");
    let cache = tmp.path().join("cache");
    agentobs(
        &[
            "report",
            home.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
        &cache,
    );
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("\"unpriced_models\":[\"house-model-7\"]"));
    let Some(seen) = open(&page, "unpriced") else {
        return;
    };
    assert_eq!(seen["console_errors"], serde_json::json!([]));
    let banner = seen["overview"]["unpriced"].as_str().unwrap();
    assert!(banner.contains("house-model-7"), "{banner}");
}
