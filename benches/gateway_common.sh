# Sourced by benches/vs_rotel_gateway.sh and benches/gateway_memory.sh, with `name` set to the
# calling script's name and the working directory at the repository root: builds agentobs and
# the load generator (release), installs rotel, and gives `agentobs`, `load`, `rotel`,
# `capture`, a scratch folder `work` removed on exit, `pids` (killed on exit) and
# `wait_port PORT`.
target="${CARGO_TARGET_DIR:-target}"
cargo build --release -q -p agentobs-cli
cargo build --release -q -p agentobs-gateway --example otlp_load
agentobs="$target/release/agentobs"
load="$target/release/examples/otlp_load"
rotel="$(.ci/install-rotel.sh | tail -n 1)"
capture=tests/fixtures/codex-0.171/multi_tool/otlp/0001-logs.json
work="$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
wait_port() {
  for _ in $(seq 1 200); do
    python3 -c "import socket;socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "$name: nothing on 127.0.0.1:$1" >&2; exit 1
}
