#!/usr/bin/env bash
# Resident memory per open session of `agentobs gateway`, and what idle-close gives back.
#
#   benches/gateway_memory.sh [K1] [K2]     (default 1000 and 10000 sessions)
#
# Env: DECODERS (gateway --decoders; default: its own), ALERTS (1: --alerts, the default).
#
# Builds agentobs and the load generator (crates/gateway/examples/otlp_load.rs) in release and
# installs rotel (.ci/install-rotel.sh) as the upstream, with the blackhole exporter. Then:
#
# 1. a gateway with --idle-close 3600 (nothing closes during the run): VmRSS after start;
#    K1 sessions opened (bodies of 1,900 records = 100 sessions of the 19 records of the
#    real Codex 0.171 multi_tool capture, each under its own conversation id: startup,
#    prompt, request, stream events and usage), waited for until decoded and exported,
#    VmRSS; then K2 - K1 more sessions, VmRSS again. Bytes per open session are the growth
#    divided by the sessions opened; the second figure (K1 → K2) leaves out what the first
#    requests warm up once (buffers, queues, the allocator's arenas).
# 2. a gateway with --idle-close 10: K2 sessions, VmRSS; wait until the stats say every
#    session closed, VmRSS; then K2 sessions more under new ids, VmRSS. If closing frees
#    the sessions' state, the second K2 reuses that memory instead of growing by as much.
#
# VmRSS is read from /proc/PID/status. Every server listens on 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
k1="${1:-1000}"
k2="${2:-10000}"
per_body=100
name=gateway_memory
# shellcheck source=benches/gateway_common.sh
. benches/gateway_common.sh
rss() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
stat_of() {
  python3 -c "import json,sys,urllib.request;print(json.load(urllib.request.urlopen('http://127.0.0.1:15418/stats'))[sys.argv[1]])" "$1"
}
# Opens sessions [first, first + n) (in bodies of $per_body) and waits until they are decoded.
open_sessions() {
  local first=$(($1 / per_body)) bodies=$(($2 / per_body))
  "$load" --capture "$capture" --port 15418 --protocol http/protobuf --per $((per_body * 19)) \
    --bodies "$bodies" --first-body "$first" --once --connections 2 --secs 300 --stats 15418 >/dev/null
}
flags=()
if [ -n "${DECODERS:-}" ]; then flags+=(--decoders "$DECODERS"); fi
if [ "${ALERTS:-1}" = 1 ]; then flags+=(--alerts); fi
start_gateway() {
  "$agentobs" gateway --listen 127.0.0.1:15418 --forward http://127.0.0.1:15419 \
    --idle-close "$1" "${flags[@]}" --duration 900 2>"$work/gateway.log" &
  gw=$!
  pids+=($gw)
  wait_port 15418
  sleep 0.5
}
"$rotel" start --otlp-http-endpoint 127.0.0.1:15419 --otlp-grpc-endpoint 127.0.0.1:15420 \
  --exporter blackhole >"$work/sink.log" 2>&1 &
pids+=($!)
wait_port 15419

start_gateway 3600
r0=$(rss $gw)
open_sessions 0 "$k1"
r1=$(rss $gw)
open_sessions "$k1" $((k2 - k1))
r2=$(rss $gw)
open=$(stat_of open_sessions)
kill -TERM $gw; wait $gw || true
python3 - "$r0" "$r1" "$r2" "$k1" "$k2" "$open" <<'EOF'
import sys
r0, r1, r2, k1, k2, open_ = map(int, sys.argv[1:])
mib = lambda b: f"{b / 2**20:.1f} MiB"
print(f"open sessions (stats): {open_:,}")
print(f"VmRSS: start {mib(r0)}, {k1:,} sessions {mib(r1)}, {k2:,} sessions {mib(r2)}")
print(f"bytes per open session: {(r1 - r0) / k1:,.0f} (0 → {k1:,}), {(r2 - r1) / (k2 - k1):,.0f} ({k1:,} → {k2:,})")
EOF

start_gateway 10
open_sessions 20000 "$k2"
a=$(rss $gw)
for _ in $(seq 1 300); do
  [ "$(stat_of closed_sessions)" -ge "$k2" ] && [ "$(stat_of open_sessions)" = 0 ] && break
  sleep 0.1
done
closed=$(stat_of closed_sessions)
b=$(rss $gw)
open_sessions 40000 "$k2"
c=$(rss $gw)
kill -TERM $gw; wait $gw || true
python3 - "$a" "$b" "$c" "$k2" "$closed" <<'EOF'
import sys
a, b, c, k, closed = map(int, sys.argv[1:])
mib = lambda x: f"{x / 2**20:.1f} MiB"
print(f"idle-close 10 s: {k:,} sessions {mib(a)}; all closed ({closed:,}) {mib(b)}; "
      f"{k:,} new sessions after that {mib(c)} (+{(c - b) / k:,.0f} bytes per session)")
EOF
