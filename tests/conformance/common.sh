# Shared by the conformance scripts (sourced, after `cd` to the workspace root; sets `root`).
root=$PWD

# wait_port PORT: until something listens on 127.0.0.1:PORT (at most ~5 s); false after.
wait_port() {
  for _ in $(seq 1 100); do
    python3 -c "import socket;socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}

# start_inner WORK AGENTOBS SINK_PORT GATEWAY_PORT API_PORT API_SCRIPT [API_FLAG]...: inside
# the namespace, brings loopback up and starts the upstream sink, the scripted model API
# (logging to WORK/requests.jsonl) and `agentobs gateway` (GenAI spans forwarded to the sink as
# OTLP/HTTP JSON, the anomaly rules on, sessions closed after 2 idle seconds); sets `sink`,
# `server`, `gateway`.
start_inner() {
  local work=$1 agentobs=$2 sink_port=$3 gateway_port=$4 api_port=$5 api=$6
  shift 6
  ip link set lo up
  python3 "$root/tests/conformance/otlp_sink.py" --port "$sink_port" \
    --out "$work/upstream.jsonl" --seconds 200 2>"$work/sink.stderr" &
  sink=$!
  python3 "$root/tests/conformance/$api" --port "$api_port" --seconds 200 "$@" \
    --log "$work/requests.jsonl" 2>"$work/server.stderr" &
  server=$!
  wait_port "$sink_port" && wait_port "$api_port"
  "$agentobs" gateway --listen "127.0.0.1:$gateway_port" --dialect genai \
    --forward "http://127.0.0.1:$sink_port" --forward-protocol http/json --alerts --idle-close 2 \
    --duration 150 2>"$work/gateway.stderr" &
  gateway=$!
  wait_port "$gateway_port"
}

# stop_inner GATEWAY SERVER SINK: gives the gateway time to close the idle session (2 s) and
# flush, stops it, then the scripted API and the upstream sink; exits 0.
stop_inner() {
  sleep 4
  kill -TERM "$1"; wait "$1"
  kill "$2" "$3" 2>/dev/null
  exit 0
}

# needs_root NAME: exits 0 with a note unless running as root (unshare -n needs it).
needs_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "$1: skipped (needs root for unshare -n)"
    exit 0
  fi
}

# build_agentobs NAME: builds the CLI and sets `agentobs` to it; exits 1 if it is missing.
build_agentobs() {
  cargo build -q -p agentobs-cli
  agentobs=${CARGO_TARGET_DIR:-$root/target}/debug/agentobs
  [ -x "$agentobs" ] || { echo "$1: $agentobs was not built"; exit 1; }
}

# npm_tool DIR PACKAGE@VERSION BIN: installs the package under target/conformance/DIR once
# and sets `bin` to its node_modules/.bin/BIN.
npm_tool() {
  local cache=${CARGO_TARGET_DIR:-$root/target}/conformance/$1
  bin=$cache/node_modules/.bin/$3
  if [ ! -x "$bin" ]; then
    mkdir -p "$cache"
    (cd "$cache" && npm install --silent --no-audit --no-fund "$2" >/dev/null)
  fi
}

# run_harness NAME SCRIPT CHECK: runs `SCRIPT --inner WORK BIN AGENTOBS` in a loopback-only
# namespace, then `CHECK --work WORK --agentobs AGENTOBS`; exits with the check's status.
# KEEP_WORK=1 keeps the work folder.
run_harness() {
  local work status=0
  work=$(mktemp -d)
  unshare -n "$2" --inner "$work" "$bin" "$agentobs"
  python3 "$3" --work "$work" --agentobs "$agentobs" || status=1
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work: $work"; else rm -rf "$work"; fi
  [ $status = 0 ] && echo "$1: all checks passed"
  exit $status
}
