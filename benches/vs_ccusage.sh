#!/usr/bin/env bash
# agentobs vs ccusage on a synthetic Codex home, side by side.
#
#   benches/vs_ccusage.sh [--quick] [--rounds N] [--harness codex|claude]
#
# From a clean clone: builds agentobs and agentobs-corpus (release), generates the corpus if
# absent (200 MiB / 2000 files with traps, fixed seed; --quick: 20 MiB / 200 files), installs
# ccusage@20.0.24 with npm if absent, then times N rounds (default 7) of
#   ccusage codex daily --json --offline                  (CODEX_HOME=corpus)
#   agentobs report --json --no-cache --timezone UTC      (cold)
#   agentobs report --json --timezone UTC                 (cached: private cache, pre-warmed)
# alternating, under /usr/bin/time, and prints medians, ratios and token totals next to the
# corpus's expected.json (benches/vs_ccusage.py does the measuring). With --harness claude:
# a synthetic Claude Code home (same sizes), `ccusage claude daily --json --offline` against
# `agentobs report --harness claude --no-cache`, and cost against the price book.
#
# Environment: CORPUS (corpus dir), CCUSAGE_DIR (npm prefix for ccusage), ROUNDS,
# CARGO_TARGET_DIR. Network: cargo and npm only (to build and install); the runs are offline.
# Needs Linux with GNU time at /usr/bin/time, cargo, npm and python3 (3.11+).
set -euo pipefail

usage() { sed -n '2,17s/^# \{0,1\}//p' "$0"; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=0
harness=codex
rounds="${ROUNDS:-7}"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --rounds) rounds="${2:?--rounds needs a value}"; shift ;;
        --rounds=*) rounds="${1#--rounds=}" ;;
        --harness) harness="${2:?--harness needs a value}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "vs_ccusage.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

target="${CARGO_TARGET_DIR:-target}"
seed=20251125
case "$harness" in
    codex) suffix="" gen=(--traps) ;;
    claude) suffix="-claude" gen=(--harness claude) ;;
    *) echo "vs_ccusage.sh: --harness codex or claude" >&2; exit 2 ;;
esac
if [ "$quick" = 1 ]; then
    size_mb=20 files=200 corpus="${CORPUS:-$target/bench-corpus-quick$suffix}"
else
    size_mb=200 files=2000 corpus="${CORPUS:-$target/bench-corpus$suffix}"
fi
ccusage_version=20.0.24
ccusage_dir="${CCUSAGE_DIR:-$target/ccusage}"

for tool in cargo npm python3; do
    command -v "$tool" >/dev/null || { echo "vs_ccusage.sh: $tool not found" >&2; exit 2; }
done
/usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null \
    || { echo "vs_ccusage.sh: needs GNU time at /usr/bin/time (-f)" >&2; exit 2; }

echo "== build (release)"
cargo build --release -p agentobs-cli -p agentobs-corpus
agentobs="$target/release/agentobs"

if [ ! -f "$corpus/expected.json" ]; then
    if [ -e "$corpus" ] && [ -n "$(ls -A "$corpus")" ]; then
        echo "vs_ccusage.sh: $corpus exists without expected.json; remove it or set CORPUS" >&2
        exit 2
    fi
    echo "== corpus: $size_mb MiB, $files files, traps, seed $seed -> $corpus"
    partial="$corpus.partial"
    rm -rf "$partial"
    "$target/release/agentobs-corpus" --out "$partial" --size-mb "$size_mb" --files "$files" \
        --seed "$seed" "${gen[@]}"
    rm -rf "$corpus"
    mv "$partial" "$corpus"
else
    echo "== corpus: $corpus (present)"
fi

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) platform=linux-x64 ;;
    Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
    Darwin-arm64) platform=darwin-arm64 ;;
    Darwin-x86_64) platform=darwin-x64 ;;
    *) echo "vs_ccusage.sh: no ccusage binary for $(uname -s)-$(uname -m)" >&2; exit 2 ;;
esac
ccusage="$ccusage_dir/node_modules/@ccusage/ccusage-$platform/bin/ccusage"
if [ ! -f "$ccusage" ] || [ "$(chmod +x "$ccusage" && "$ccusage" --version 2>/dev/null)" != "ccusage $ccusage_version" ]; then
    echo "== npm install ccusage@$ccusage_version -> $ccusage_dir"
    mkdir -p "$ccusage_dir"
    [ -f "$ccusage_dir/package.json" ] || echo '{ "private": true }' >"$ccusage_dir/package.json"
    (cd "$ccusage_dir" && npm install --no-audit --no-fund "ccusage@$ccusage_version")
    # npm 11 unpacks the platform binary without its executable bit.
    chmod +x "$ccusage"
fi
echo "== $("$ccusage" --version), $("$agentobs" --version 2>/dev/null || echo agentobs)"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //'), $(uname -sr)"

summary="$target/vs_ccusage$suffix-$([ "$quick" = 1 ] && echo quick || echo full).json"
exec python3 "$root/benches/vs_ccusage.py" --corpus "$corpus" --agentobs "$agentobs" \
    --ccusage "$ccusage" --rounds "$rounds" --summary "$summary" --harness "$harness"
