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

/// The JSON the page embeds.
fn embedded(page: &Path) -> Value {
    let text = std::fs::read_to_string(page).unwrap();
    let tag = "<script type=\"application/json\" id=\"agentobs-data\">";
    let start = text.find(tag).unwrap() + tag.len();
    let end = start + text[start..].find("</script>").unwrap();
    serde_json::from_str(&text[start..end]).unwrap()
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
    let data = embedded(&page);
    assert_eq!(data["totals"], by_session["totals"]);
    // Every row of --by session is a row of the session table, with the same figures.
    let table = data["overview"]["sessions"].as_array().unwrap();
    let rows = by_session["rows"].as_array().unwrap();
    assert_eq!(table.len(), rows.len());
    for r in rows {
        let id = &r["key"]["session"];
        let t = table
            .iter()
            .find(|t| &t["id"] == id && t.get("parent") == r["key"].get("parent"))
            .unwrap_or_else(|| panic!("no table row for {id}"));
        assert_eq!(t["total_tokens"], r["total_tokens"], "{id}");
        assert!(
            (num(&t["cost_usd"]) - num(&r["cost_usd"])).abs() < 1e-6,
            "{id}"
        );
    }

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

#[test]
fn pages_for_the_top_n_and_every_session_with_an_alert() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let roots = home(&tmp.path().join("home"));
    let mut check = vec!["check", "--json"];
    check.extend(roots.iter().map(String::as_str));
    let alerts = json(&check, &cache);
    let alerted: std::collections::BTreeSet<String> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["session_id"].as_str().map(str::to_owned))
        .collect();
    assert!(alerted.len() >= 3, "the home has sessions with alerts");
    for top in [0usize, 4] {
        let page = tmp.path().join(format!("top{top}.html"));
        let mut args = vec!["report", "--timezone", "UTC"];
        args.extend(roots.iter().map(String::as_str));
        let top_s = top.to_string();
        args.extend(["--html", page.to_str().unwrap(), "--top", &top_s]);
        agentobs(&args, &cache);
        let data = embedded(&page);
        let details: std::collections::BTreeSet<String> = data["details"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let mut roots_by_cost: Vec<&Value> = data["overview"]["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s.get("parent").is_none())
            .collect();
        roots_by_cost.sort_by(|a, b| num(&b["cost_usd"]).total_cmp(&num(&a["cost_usd"])));
        let mut want = alerted.clone();
        want.extend(
            roots_by_cost
                .iter()
                .take(top)
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        assert_eq!(details, want, "--top {top}");
        // Each alert of a session with a page is pinned to one of its entries.
        for (id, d) in data["details"].as_object().unwrap() {
            let pinned: usize = d["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.get("alerts").map_or(0, |a| a.as_array().unwrap().len()))
                .sum();
            assert_eq!(pinned, d["alerts"].as_array().unwrap().len(), "{id}");
        }
    }
}

#[test]
fn an_unwritable_page_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let real = repo().join("tests/fixtures/codex-0.169/tool");
    let page = tmp.path().join("no/such/dir/report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args([
            "report",
            real.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ])
        .env("XDG_CACHE_HOME", tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/dir/report.html"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_agentobs"))
        .args([
            "report",
            real.to_str().unwrap(),
            "--html",
            "x.html",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--html and --json exclude each other"
    );
}

#[test]
fn an_empty_home_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let page = tmp.path().join("empty.html");
    agentobs(
        &[
            "report",
            home.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ],
        &tmp.path().join("cache"),
    );
    assert_eq!(embedded(&page)["totals"]["sessions"], 0);
    let Some(seen) = open(&page, "empty") else {
        return;
    };
    assert_eq!(seen["console_errors"], serde_json::json!([]));
    assert_eq!(seen["page_errors"], serde_json::json!([]));
    assert_eq!(seen["overview"]["no_usage"], true);
}
