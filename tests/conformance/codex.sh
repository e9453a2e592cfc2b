#!/usr/bin/env bash
# Conformance of `agentobs gateway` with the real Codex CLI: Codex's own OTLP logs, traces
# and metrics ([otel], over OTLP/gRPC, OTLP/HTTP protobuf and OTLP/HTTP JSON) go to the
# gateway, which forwards GenAI-semconv spans, logs and metrics with tokens and cost to an
# upstream receiver (otlp_sink.py). check_gateway.py then compares what arrived upstream
# with `agentobs report --json` on the rollout of the same run, and checks a tool call, an
# approval (Codex's automatic reviewer), an HTTP 500 then success, a failing command and a
# context-window overflow.
#
# Everything runs inside `unshare -n` (a network namespace with loopback only) against the
# scripted Responses API of responses_server.py; one gateway per Codex version serves all
# scenarios. Needs root for unshare; without it, says so and skips.
# Versions: CODEX_VERSIONS (default "0.169.0 0.171.0"); KEEP_WORK=1 keeps the work folders.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/conformance/common.sh
scenarios="plain tool tool_fail http500 tool_escalate ctx_window"

# The [otel] section of a scenario: gRPC for one, HTTP protobuf or JSON for the others.
otel_section() {
  case $1 in
    plain)
      for k in exporter trace_exporter metrics_exporter; do
        echo "$k = { otlp-grpc = { endpoint = \"http://127.0.0.1:14317\" } }"
      done ;;
    tool_fail|ctx_window)
      echo 'exporter = { otlp-http = { endpoint = "http://127.0.0.1:14318/v1/logs", protocol = "json" } }'
      echo 'trace_exporter = { otlp-http = { endpoint = "http://127.0.0.1:14318/v1/traces", protocol = "json" } }'
      echo 'metrics_exporter = { otlp-http = { endpoint = "http://127.0.0.1:14318/v1/metrics", protocol = "json" } }' ;;
    *)
      echo 'exporter = { otlp-http = { endpoint = "http://127.0.0.1:14318/v1/logs", protocol = "binary" } }'
      echo 'trace_exporter = { otlp-http = { endpoint = "http://127.0.0.1:14318/v1/traces", protocol = "binary" } }'
      echo 'metrics_exporter = { otlp-http = { endpoint = "http://127.0.0.1:14318/v1/metrics", protocol = "binary" } }' ;;
  esac
}


if [ "${1:-}" = "--inner" ]; then
  # Inside the namespace: loopback up, upstream, gateway, the scripted API, then Codex.
  work=$2 bin=$3 agentobs=$4
  set +e
  ip link set lo up
  python3 "$root/tests/conformance/otlp_sink.py" --port 14319 --out "$work/upstream.jsonl" \
    --seconds 300 2>"$work/sink.stderr" &
  sink=$!
  python3 "$root/tests/conformance/responses_server.py" --port 18091 --seconds 300 \
    --log "$work/requests.jsonl" 2>"$work/server.stderr" &
  server=$!
  wait_port 14319 && wait_port 18091
  "$agentobs" gateway --listen 127.0.0.1:14318 --grpc-listen 127.0.0.1:14317 --dialect genai \
    --forward http://127.0.0.1:14319 --forward-protocol http/json --alerts --idle-close 2 \
    --duration 280 2>"$work/gateway.stderr" &
  gateway=$!
  wait_port 14318 && wait_port 14317
  for scenario in $scenarios; do
    dir=$work/$scenario
    approvals=--dangerously-bypass-approvals-and-sandbox
    [ "$scenario" = tool_escalate ] && approvals=--approve-for-me
    (cd "$dir/project" && CODEX_HOME="$dir/home" CONFORMANCE_KEY=dummy timeout 120 "$bin" exec \
       --skip-git-repo-check $approvals --json "scenario=$scenario" \
       </dev/null >"$dir/exec.jsonl" 2>"$dir/exec.stderr")
    echo $? >"$dir/rc"
  done
  curl -s http://127.0.0.1:14318/stats >"$work/stats.json" 2>/dev/null || true
  # Graceful shutdown: drain, close the open sessions, flush upstream.
  kill -TERM $gateway
  wait $gateway 2>/dev/null
  echo $? >"$work/gateway.rc"
  kill $sink $server 2>/dev/null
  wait $sink $server 2>/dev/null
  exit 0
fi

needs_root codex_gateway
build_agentobs codex_gateway
failures=0

for version in ${CODEX_VERSIONS:-0.169.0 0.171.0}; do
  cache=${CARGO_TARGET_DIR:-$root/target}/conformance/codex-$version
  bin=$cache/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
  if [ ! -x "$bin" ]; then
    mkdir -p "$cache"
    (cd "$cache" && npm install --silent --no-audit --no-fund "@openai/codex@$version" >/dev/null)
  fi
  echo "codex $("$bin" --version 2>/dev/null | awk '{print $NF}') through agentobs gateway"
  work=$(mktemp -d)
  for scenario in $scenarios; do
    mkdir -p "$work/$scenario/home" "$work/$scenario/project"
    cat >"$work/$scenario/home/config.toml" <<TOML
model = "gpt-5.1-codex"
model_provider = "scripted"
check_for_update_on_startup = false
[model_providers.scripted]
name = "Scripted loopback API"
base_url = "http://127.0.0.1:18091/v1"
wire_api = "responses"
env_key = "CONFORMANCE_KEY"
request_max_retries = 2
stream_max_retries = 1
[analytics]
enabled = false
[feedback]
enabled = false
[otel]
environment = "conformance"
$(otel_section "$scenario")
TOML
  done
  started=$(date +%s)
  unshare -n "$0" --inner "$work" "$bin" "$agentobs"
  echo " ran in $(( $(date +%s) - started )) s; gateway exit $(cat "$work/gateway.rc")"
  if python3 "$root/tests/conformance/check_gateway.py" "$work" "$agentobs" $scenarios; then :; else
    failures=$((failures + 1))
  fi
  grep -h 'agentobs gateway:' "$work/gateway.stderr" | tail -n 2 | sed 's/^/ /'
  [ -n "${KEEP_WORK:-}" ] && echo " kept $work" || rm -rf "$work"
done
if [ $failures -gt 0 ]; then
  echo "codex_gateway: checks failed"
  exit 1
fi
echo "codex_gateway: all checks passed"
