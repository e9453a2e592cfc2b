#!/usr/bin/env bash
# agentobs gateway (decode, price, rules, forward as genai) next to rotel forwarding the same
# OTLP/HTTP JSON load unchanged, both to a rotel with the blackhole exporter.
#
#   benches/vs_rotel_gateway.sh [SECS]      (default 10 s of load per side)
#
# Builds agentobs (release), installs rotel with .ci/install-rotel.sh, and runs
# benches/otlp_load.py (2,000 records of the real Codex 0.171 multi_tool capture per request)
# against each. Prints records/s and request latency p50/p99 per side. Every server listens
# on 127.0.0.1; the load generator shares the machine's cores with what it measures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${1:-10}"
target="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p agentobs-cli
agentobs="$target/release/agentobs"
rotel="$(.ci/install-rotel.sh | tail -n 1)"
capture=tests/fixtures/codex-0.171/multi_tool/otlp/0001-logs.json
work="$(mktemp -d "${TMPDIR:-/tmp}/vs_rotel_gateway.XXXXXX")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_port() {
  for _ in $(seq 1 200); do
    python3 -c "import socket;socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "vs_rotel_gateway: nothing on 127.0.0.1:$1" >&2; exit 1
}
"$rotel" start --otlp-http-endpoint 127.0.0.1:15419 --otlp-grpc-endpoint 127.0.0.1:15420 \
  --exporter blackhole >"$work/sink.log" 2>&1 &
pids+=($!)
wait_port 15419
"$agentobs" gateway --listen 127.0.0.1:15418 --forward http://127.0.0.1:15419 --alerts \
  --duration $((secs + 30)) 2>"$work/gateway.log" &
gw=$!
pids+=($gw)
wait_port 15418
echo "agentobs gateway: $(python3 benches/otlp_load.py $capture 15418 "$secs" 2000)"
kill -TERM $gw; wait $gw || true
tail -n 1 "$work/gateway.log"
"$rotel" start --otlp-http-endpoint 127.0.0.1:15421 --otlp-grpc-endpoint 127.0.0.1:15422 \
  --exporter otlp --otlp-exporter-protocol http --otlp-exporter-endpoint http://127.0.0.1:15419 \
  >"$work/relay.log" 2>&1 &
pids+=($!)
wait_port 15421
echo "rotel (forwarding unchanged): $(python3 benches/otlp_load.py $capture 15421 "$secs" 2000)"
