#!/usr/bin/env bash
# Time of `agentobs hook` on Codex's Stop event for a 10 MiB rollout: the whole process —
# start, read the rollout with content, run every rule, price it, append the ledger line —
# as Codex would run it. Prints each run's wall time and the median; the hook's own
# `read_ms` (its time budget covers the read) is in the ledger lines.
#
#   benches/hook_stop.sh   (builds the release CLI and the corpus generator first; NO_BUILD=1 skips that)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${NO_BUILD:-}" ] || cargo build -q --release -p agentobs-cli -p agentobs-corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/agentobs-corpus --out "$work/home" --size-mb 10 --files 1 --seed 10 >/dev/null
rollout=$(find "$work/home/sessions" -name 'rollout-*.jsonl' | head -n 1)
echo "rollout: $(stat -c %s "$rollout") bytes, $(wc -l <"$rollout") lines"
input=$(printf '{"hook_event_name":"Stop","session_id":"bench","turn_id":"t","transcript_path":"%s"}' "$rollout")
times=()
for _ in $(seq 1 15); do
  start=$(date +%s%N)
  printf '%s' "$input" | target/release/agentobs hook --ledger "$work/ledger.jsonl" --budget-ms 1000
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
printf 'wall ms: %s\n' "${times[*]}"
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median wall ms: " a[int((NR+1)/2)]}'
python3 - "$work/ledger.jsonl" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
print("median read_ms: %.1f, complete: %s, tokens: %d, alerts: %d" % (
    statistics.median(r["read_ms"] for r in rows), all(r["complete"] for r in rows),
    rows[-1]["tokens"]["total"], len(rows[-1]["alerts"])))
PY
