#!/usr/bin/env bash
# `agentobs report --html` on a big synthetic Codex home: how long the page takes to make,
# how big it is, and how long headless chromium takes to load and draw it.
#
#   benches/html_report.sh [--quick] [--rounds N]
#
# Builds agentobs and agentobs-corpus (release), generates the corpus if absent (200 MiB /
# 2000 files with traps, the seed of vs_ccusage.sh; --quick: 20 MiB / 200 files), installs
# chromium and the browser driver with .ci/install-chromium.sh, then
#   agentobs report --html PAGE --no-cache --timezone UTC     (once, under /usr/bin/time)
# and opens PAGE N times (default 5) with tests/browser/check_report.mjs, printing the page
# size and the median time to the load event and to the page's `data-ready` mark (set when
# every chart and table is drawn), with the requests and console errors seen.
#
# Environment: CORPUS (corpus dir), ROUNDS, CARGO_TARGET_DIR. Network: cargo, apt and npm
# only (to build and install); the runs are offline.
set -euo pipefail

usage() { sed -n '2,15s/^# \{0,1\}//p' "$0"; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=0
rounds="${ROUNDS:-5}"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --rounds) rounds="${2:?--rounds needs a value}"; shift ;;
        --rounds=*) rounds="${1#--rounds=}" ;;
        -h | --help) usage; exit 0 ;;
        *) echo "html_report.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

target="${CARGO_TARGET_DIR:-target}"
seed=20251125
if [ "$quick" = 1 ]; then
    size_mb=20 files=200 corpus="${CORPUS:-$target/bench-corpus-quick}"
else
    size_mb=200 files=2000 corpus="${CORPUS:-$target/bench-corpus}"
fi
/usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null \
    || { echo "html_report.sh: needs GNU time at /usr/bin/time (-f)" >&2; exit 2; }

echo "== build (release)"
cargo build --release -p agentobs-cli -p agentobs-corpus
agentobs="$target/release/agentobs"

if [ ! -f "$corpus/expected.json" ]; then
    if [ -e "$corpus" ] && [ -n "$(ls -A "$corpus")" ]; then
        echo "html_report.sh: $corpus exists without expected.json; remove it or set CORPUS" >&2
        exit 2
    fi
    echo "== corpus: $size_mb MiB, $files files, traps, seed $seed -> $corpus"
    partial="$corpus.partial"
    rm -rf "$partial"
    "$target/release/agentobs-corpus" --out "$partial" --size-mb "$size_mb" --files "$files" \
        --seed "$seed" --traps
    rm -rf "$corpus"
    mv "$partial" "$corpus"
else
    echo "== corpus: $corpus (present)"
fi

echo "== chromium"
AGENTOBS_CHROMIUM="$(.ci/install-chromium.sh | tail -n 1)"
export AGENTOBS_CHROMIUM

out="$target/html-report"
mkdir -p "$out"
page="$out/bench.html"
echo "== agentobs report --html (cold: no cache)"
/usr/bin/time -f '%e s wall, %M KiB max RSS' -o "$out/bench.time" \
    "$agentobs" report --codex-home "$corpus" --html "$page" --no-cache --timezone UTC
cat "$out/bench.time"

echo "== chromium, $rounds loads"
: >"$out/bench.loads"
for _ in $(seq "$rounds"); do
    node tests/browser/check_report.mjs "$page" "$out" bench >>"$out/bench.loads"
done
python3 - "$page" "$out/bench.loads" <<'EOF'
import json, os, statistics, sys
page, loads = sys.argv[1], sys.argv[2]
runs = [json.loads(l) for l in open(loads) if l.strip()]
size = os.path.getsize(page)
load = statistics.median(r["timing"]["load_event_ms"] for r in runs)
ready = statistics.median(r["timing"]["ready_ms"] for r in runs)
o = runs[0]["overview"]
print(f"page: {size:,} bytes ({size / 1e6:.2f} MB)")
print(f"sessions: {o['sessions']}, table rows: {o['session_rows']}, alerts: {o['alerts']}")
print(f"load event: median {load:.0f} ms; data-ready: median {ready:.0f} ms ({len(runs)} loads)")
marks = {k: statistics.median(r["timing"]["marks"][k] for r in runs) for k in runs[0]["timing"]["marks"]}
print("  medians from navigation start: " + ", ".join(f"{k.split(':')[1]} {v:.0f} ms" for k, v in marks.items()))
others = sorted({u for r in runs for u in r["requests"] if u != r["url"]})
errors = sorted({e for r in runs for e in r["console_errors"] + r["page_errors"]})
print(f"requests besides the page: {others or 'none'}; console errors: {errors or 'none'}")
EOF
