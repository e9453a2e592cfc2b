#!/usr/bin/env bash
# Conformance with the real Gemini CLI (npm `@google/gemini-cli`, pinned): one headless
# `gemini -p --yolo` run against the scripted Gemini API of gemini_server.py (the CLI's router
# call, a turn that is refused once with HTTP 429 and then calls run_shell_command, and a final
# turn that thinks), with the CLI's own
# OTLP (logs, metrics and spans over OTLP/HTTP) going to `agentobs gateway`, which forwards GenAI
# spans to otlp_sink.py. check_gemini.py then checks the chat log read by
# `agentobs report --harness gemini` and the gateway's upstream spans against the API's usage,
# the CLI's own per-model stats and the price book.
#
# Everything runs inside `unshare -n` (loopback only). Needs root for unshare; without it, says
# so and skips. GEMINI_CLI_VERSION (default 0.61.0); KEEP_WORK=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/conformance/common.sh

if [ "${1:-}" = "--inner" ]; then
  work=$2 bin=$3 agentobs=$4
  set +e
  start_inner "$work" "$agentobs" 14349 14348 18096 gemini_server.py --rate-limit-first
  mkdir -p "$work/home/.gemini" "$work/home/tmp" "$work/project"
  # The API-key auth type keeps GOOGLE_GEMINI_BASE_URL and passes headless auth validation.
  cat >"$work/home/.gemini/settings.json" <<'EOF'
{
  "telemetry": {"enabled": true, "target": "local", "otlpEndpoint": "http://127.0.0.1:14348",
                "otlpProtocol": "http", "logPrompts": false, "traces": true},
  "privacy": {"usageStatisticsEnabled": false},
  "general": {"disableAutoUpdate": true, "disableUpdateNag": true},
  "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": false}}
}
EOF
  (cd "$work/project" && env -i PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb LANG=C.UTF-8 \
    HOME="$work/home" TMPDIR="$work/home/tmp" \
    GEMINI_API_KEY=conformance-key GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:18096 \
    timeout 120 "$bin" -p "run echo conformance" --output-format stream-json --yolo \
    </dev/null >"$work/stream.jsonl" 2>"$work/gemini.stderr")
  echo "gemini exit status $?" >"$work/gemini.status"
  stop_inner $gateway $server $sink
fi

needs_root gemini_conformance
build_agentobs gemini_conformance
version=${GEMINI_CLI_VERSION:-0.61.0}
npm_tool "gemini-cli-$version" "@google/gemini-cli@$version" gemini
echo "gemini cli $(unshare -n sh -c "ip link set lo up; HOME=${bin%/node_modules/*} $bin --version") through agentobs"
run_harness gemini_conformance "$0" "$root/tests/conformance/check_gemini.py"
