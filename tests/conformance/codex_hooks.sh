#!/usr/bin/env bash
# Conformance of `agentobs hook` with the real Codex CLI: a PreToolUse hook denies a command
# the policy forbids (the command must not run), and the Stop hook appends a session record
# (tokens, cost, alerts) to a ledger.
#
# Codex runs inside `unshare -n` (a network namespace with loopback only) against the
# scripted Responses API of responses_server.py. Needs root for unshare; without it, says
# so and skips. Versions: CODEX_VERSIONS (default "0.169.0 0.171.0").
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/conformance/common.sh

if [ "${1:-}" = "--inner" ]; then
  # Inside the namespace: loopback up, the scripted API, then Codex.
  work=$2 bin=$3 scenario=$4
  ip link set lo up
  python3 "$root/tests/conformance/responses_server.py" --port 18091 --seconds 170 \
    --log "$work/requests.jsonl" 2>"$work/server.stderr" &
  server=$!
  for _ in $(seq 1 50); do
    python3 -c 'import socket;socket.create_connection(("127.0.0.1",18091),0.2)' 2>/dev/null && break
    sleep 0.1
  done
  set +e
  (cd "$work/project" && CODEX_HOME="$work/home" CONFORMANCE_KEY=dummy timeout 150 "$bin" exec \
     --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox --dangerously-bypass-hook-trust \
     --json "$scenario" \
     </dev/null >"$work/exec.jsonl" 2>"$work/exec.stderr")
  echo $? >"$work/rc"
  kill $server 2>/dev/null
  wait $server 2>/dev/null
  exit 0
fi

needs_root codex_hooks
# Codex runs a hook that cannot start as if it allowed the call: make sure ours can.
build_agentobs codex_hooks
failures=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "  ok: $1"; else echo "  FAILED: $1"; failures=$((failures + 1)); fi
}

for version in ${CODEX_VERSIONS:-0.169.0 0.171.0}; do
  cache=${CARGO_TARGET_DIR:-$root/target}/conformance/codex-$version
  bin=$cache/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
  if [ ! -x "$bin" ]; then
    mkdir -p "$cache"
    (cd "$cache" && npm install --silent --no-audit --no-fund "@openai/codex@$version" >/dev/null)
  fi
  echo "codex $("$bin" --version 2>/dev/null | awk '{print $NF}')"
  for case in deny allow; do
    work=$(mktemp -d)
    mkdir -p "$work/home" "$work/project"
    cat >"$work/home/config.toml" <<TOML
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
exporter = "none"
trace_exporter = "none"
metrics_exporter = "none"
TOML
    cat >"$work/policy.toml" <<'TOML'
deny_commands = ['forbidden-marker']
TOML
    hook="$agentobs hook --policy $work/policy.toml --ledger $work/ledger.jsonl"
    cat >"$work/home/hooks.json" <<JSON
{"hooks": {
  "PreToolUse": [{"hooks": [{"type": "command", "command": "$hook", "timeout": 30}]}],
  "Stop": [{"hooks": [{"type": "command", "command": "$hook", "timeout": 30}]}]
}}
JSON
    if [ $case = deny ]; then
      prompt="scenario=tool run: touch $work/forbidden-marker && echo wrote"
    else
      prompt="scenario=tool run: echo allowed-ran > $work/allowed-marker"
    fi
    unshare -n "$0" --inner "$work" "$bin" "$prompt"
    echo " $case: codex exit $(cat "$work/rc")"
    rollout=$(find "$work/home/sessions" -name 'rollout-*.jsonl' | head -n 1)
    if [ $case = deny ]; then
      check "the denied command did not run" test ! -e "$work/forbidden-marker"
      check "the ledger records the denial" grep -q '"hook":"PreToolUse".*"decision":"deny"' "$work/ledger.jsonl"
      check "Codex told the model the call was blocked" grep -q 'agentobs policy' "$rollout"
    else
      check "the allowed command ran" test -e "$work/allowed-marker"
      check "no denial in the ledger" bash -c "! grep -q '\"decision\":\"deny\"' '$work/ledger.jsonl'"
    fi
    check "a Stop record with the session's tokens" python3 - "$work/ledger.jsonl" "$rollout" <<'PY'
import json, sys
stops = [json.loads(l) for l in open(sys.argv[1]) if '"hook":"Stop"' in l]
assert stops, "no Stop record"
last = stops[-1]
assert last["transcript_path"] == sys.argv[2], (last["transcript_path"], sys.argv[2])
assert last["tokens"]["total"] > 0 and last["requests"] >= 2, last
assert last["cost_usd"] is not None and last["cost_usd"] > 0, last
assert last["complete"] and last["read_ms"] < 200, last
PY
    # The record agrees with `agentobs report` on the same rollout.
    check "Stop tokens equal agentobs report's" python3 - "$work/ledger.jsonl" "$agentobs" "$rollout" <<'PY'
import json, subprocess, sys
last = [json.loads(l) for l in open(sys.argv[1]) if '"hook":"Stop"' in l][-1]
rep = json.loads(subprocess.run([sys.argv[2], "report", "--json", sys.argv[3]], check=True,
                                capture_output=True, text=True).stdout)
tot = rep["totals"]
assert tot["input_tokens"] == last["tokens"]["input"], (tot, last["tokens"])
assert tot["output_tokens"] == last["tokens"]["output"], (tot, last["tokens"])
PY
    [ -n "${KEEP_WORK:-}" ] && echo "  kept $work" || rm -rf "$work"
  done
done
if [ $failures -gt 0 ]; then
  echo "codex_hooks: $failures checks failed"
  exit 1
fi
echo "codex_hooks: all checks passed"
