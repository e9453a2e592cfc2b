#!/usr/bin/env bash
# agentobs gateway (decode, price, rules, forward as genai) next to rotel forwarding the same
# OTLP log load unchanged, both to a rotel with the blackhole exporter.
#
#   benches/vs_rotel_gateway.sh [SECS] [ROUNDS]   (default 8 s of load per run, 3 rounds)
#
# Env: PROTOCOLS (default "http/protobuf http/json grpc"), CONNECTIONS (default 4), PER
# (records per request, default 2000), DECODERS (gateway --decoders; default: its own).
#
# Builds agentobs and the load generator (crates/gateway/examples/otlp_load.rs) in release,
# installs rotel with .ci/install-rotel.sh, then per round and per protocol runs the same load
# against a fresh gateway and, right after, a fresh rotel: bodies of PER records of the real
# Codex 0.171 multi_tool capture, each copy under its own conversation id, pre-encoded, sent
# over CONNECTIONS keep-alive connections for SECS seconds. Prints one JSON line per run and
# then the medians over the rounds. For the gateway, `drained_records_per_s` counts the time
# it took after the load to decode and export everything it had accepted. Each server's CPU
# time (user + system, /proc/PID/stat) over its run gives records per CPU-second: what one
# core does, whatever else shares the machine. Every server
# listens on 127.0.0.1; the load generator shares the machine's cores with what it measures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${1:-8}"
rounds="${2:-3}"
protocols="${PROTOCOLS:-http/protobuf http/json grpc}"
connections="${CONNECTIONS:-4}"
per="${PER:-2000}"
name=vs_rotel_gateway
# shellcheck source=benches/gateway_common.sh
. benches/gateway_common.sh
"$rotel" start --otlp-http-endpoint 127.0.0.1:15419 --otlp-grpc-endpoint 127.0.0.1:15420 \
  --exporter blackhole >"$work/sink.log" 2>&1 &
pids+=($!)
wait_port 15419
decoders=()
if [ -n "${DECODERS:-}" ]; then decoders=(--decoders "$DECODERS"); fi
# CPU time (user + system) a process has used, in seconds.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }
# The run's JSON with the server's CPU seconds over the load and its records per CPU second.
with_cpu() {
  python3 -c "import json,sys;r=json.loads(sys.argv[1]);c=float(sys.argv[3])-float(sys.argv[2]);r['server_cpu_s']=round(c,2);n=(r['codes'].get('200',0)+r['codes'].get('OK',0))*int(sys.argv[4]);r['records_per_cpu_s']=round(n/c) if c>0 else None;print(json.dumps(r))" "$@"
}
port_of() { if [ "$1" = grpc ]; then echo "$3"; else echo "$2"; fi; }
results="$work/results.jsonl"
for round in $(seq 1 "$rounds"); do
  for proto in $protocols; do
    "$agentobs" gateway --listen 127.0.0.1:15418 --grpc-listen 127.0.0.1:15417 \
      --forward http://127.0.0.1:15419 --alerts "${decoders[@]}" \
      --duration $((secs + 150)) 2>"$work/gateway.log" &
    gw=$!
    pids+=($gw)
    wait_port 15418
    c0=$(cpu_of $gw)
    out="$("$load" --capture "$capture" --port "$(port_of "$proto" 15418 15417)" \
      --protocol "$proto" --secs "$secs" --per "$per" --connections "$connections" --stats 15418)"
    out="$(with_cpu "$out" "$c0" "$(cpu_of $gw)" "$per")"
    kill -TERM $gw; wait $gw || true
    echo "{\"round\":$round,\"side\":\"gateway\",\"run\":$out}" | tee -a "$results"
    tail -n 1 "$work/gateway.log" >&2
    "$rotel" start --otlp-http-endpoint 127.0.0.1:15421 --otlp-grpc-endpoint 127.0.0.1:15422 \
      --exporter otlp --otlp-exporter-protocol http --otlp-exporter-endpoint http://127.0.0.1:15419 \
      >"$work/relay.log" 2>&1 &
    relay=$!
    pids+=($relay)
    wait_port 15421
    c0=$(cpu_of $relay)
    out="$("$load" --capture "$capture" --port "$(port_of "$proto" 15421 15422)" \
      --protocol "$proto" --secs "$secs" --per "$per" --connections "$connections")"
    sleep 1
    out="$(with_cpu "$out" "$c0" "$(cpu_of $relay)" "$per")"
    kill -TERM $relay; wait $relay || true
    echo "{\"round\":$round,\"side\":\"rotel\",\"run\":$out}" | tee -a "$results"
  done
done
python3 - "$results" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def med(xs): return statistics.median(xs) if xs else float('nan')
print(f"\nmedians over {max(r['round'] for r in runs)} rounds")
print("| protocol | side | records/s accepted | sustained (drained) | records per CPU-second | p50 ms | p99 ms | gateway ÷ rotel |")
print("|---|---|---|---|---|---|---|---|")
for proto in dict.fromkeys(r['run']['protocol'] for r in runs):
    rows = {}
    for side in ('gateway', 'rotel'):
        rs = [r['run'] for r in runs if r['side'] == side and r['run']['protocol'] == proto]
        rows[side] = rs
    # The ratio is taken round by round (each gateway run next to its rotel run), then the median.
    ratios = []
    for g, t in zip(rows['gateway'], rows['rotel']):
        if t['records_per_s']:
            ratios.append(g.get('drained_records_per_s', g['records_per_s']) / t['records_per_s'])
    for side, rs in rows.items():
        acc = med([r['records_per_s'] for r in rs])
        dr = med([r['drained_records_per_s'] for r in rs if 'drained_records_per_s' in r])
        ratio = f"{med(ratios):.2f}×" if side == 'gateway' and ratios else ""
        drs = "" if side == 'rotel' else f"{dr:,.0f}"
        cpu = med([r['records_per_cpu_s'] for r in rs if r.get('records_per_cpu_s')])
        print(f"| {proto} | {side} | {acc:,.0f} | {drs} | {cpu:,.0f} | {med([r['p50_ms'] for r in rs]):.1f} | "
              f"{med([r['p99_ms'] for r in rs]):.1f} | {ratio} |")
EOF
