#!/usr/bin/env bash
# Conformance with the real Claude Code CLI (npm `@anthropic-ai/claude-code`, pinned): one
# `claude -p --allowedTools Bash` run against the scripted Messages API of anthropic_server.py
# (a turn that calls Bash, then a text), with Claude Code's own OTLP logs, metrics and beta
# traces (OTLP/HTTP protobuf; Gemini CLI's run covers JSON) going to `agentobs gateway`, which forwards GenAI spans to otlp_sink.py.
# check_claude.py then checks that the transcript read by `agentobs report --harness claude`
# has no warning and the API's tokens, that its cost equals the CLI's own `total_cost_usd`,
# that the tool call is there, and that the gateway's upstream spans carry the same tokens,
# cost and tool call.
#
# Everything runs inside `unshare -n` (loopback only). Needs root for unshare; without it, says
# so and skips. CLAUDE_CODE_VERSION (default 2.1.332); KEEP_WORK=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/conformance/common.sh

if [ "${1:-}" = "--inner" ]; then
  work=$2 bin=$3 agentobs=$4
  set +e
  start_inner "$work" "$agentobs" 14339 14338 18095 anthropic_server.py --tool
  mkdir -p "$work/home" "$work/project"
  (cd "$work/project" && env -i PATH=/usr/local/bin:/usr/bin:/bin TERM=dumb LANG=C.UTF-8 \
    HOME="$work/home" TMPDIR="$work/home" \
    ANTHROPIC_BASE_URL=http://127.0.0.1:18095 ANTHROPIC_API_KEY=conformance-key \
    CLAUDE_CODE_ENABLE_TELEMETRY=1 OTEL_LOGS_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp \
    CLAUDE_CODE_ENHANCED_TELEMETRY_BETA=1 OTEL_TRACES_EXPORTER=otlp \
    OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:14338 \
    OTEL_LOGS_EXPORT_INTERVAL=500 OTEL_METRIC_EXPORT_INTERVAL=500 OTEL_TRACES_EXPORT_INTERVAL=500 \
    timeout 120 "$bin" -p "run echo conformance" --output-format stream-json --verbose \
    --allowedTools Bash \
    >"$work/stream.jsonl" 2>"$work/claude.stderr")
  echo "claude exit status $?" >"$work/claude.status"
  stop_inner $gateway $server $sink
fi

needs_root claude_conformance
build_agentobs claude_conformance
version=${CLAUDE_CODE_VERSION:-2.1.332}
npm_tool "claude-code-$version" "@anthropic-ai/claude-code@$version" claude
echo "claude code $(unshare -n sh -c "ip link set lo up; HOME=${bin%/node_modules/*} $bin --version" | awk '{print $1}') through agentobs"
run_harness claude_conformance "$0" "$root/tests/conformance/check_claude.py"
