#!/usr/bin/env bash
# Real-backend check: agentobs's OpenInference mapping of the Codex fixtures,
# sent as OTLP/HTTP protobuf to a local Arize Phoenix, read back through
# Phoenix's REST and GraphQL APIs, and compared with the same run written as
# OTLP-JSON lines (--output).
#
#   tests/backends/phoenix.sh            # from anywhere; paths are repo-relative
#
# Environment:
#   AGENTOBS_BIN           agentobs binary (default target/debug/agentobs; a relative path is
#                          taken from the repo root; never built here)
#   PHOENIX_CHECK_TIMEOUT  seconds for everything after the install (default 600)
#   PYTHON                 interpreter for the venv (default python3.11, else python3)
#
# Everything stays on this machine: Phoenix listens on 127.0.0.1 only (HTTP and
# OTLP/gRPC, checked from /proc), with telemetry and external resources off.
# Phoenix has no setting for the gRPC host (it binds [::]:PHOENIX_GRPC_PORT),
# so phoenix_check.py `serve` rewrites that bind to 127.0.0.1 before starting it.
# Files: target/phoenix-venv (reused), target/phoenix-run (new each run: logs,
# Phoenix's working dir, the OTLP-JSON twin of what was sent).
set -euo pipefail

PHOENIX_VERSION=20.26.1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

VENV=target/phoenix-venv
RUN=target/phoenix-run
HELPER=tests/backends/phoenix_check.py
AGENTOBS_BIN=${AGENTOBS_BIN:-target/debug/agentobs}
FIXTURES=(tests/fixtures/codex-0.169 tests/fixtures/codex-0.171)
BUDGET=${PHOENIX_CHECK_TIMEOUT:-600}

say() { printf '\n== %s\n' "$*"; }
die() { printf 'phoenix.sh: FAIL: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# Phase 1 (not time-boxed with the rest): the venv with Phoenix pinned.
if [[ "${1:-}" != "--timed" ]]; then
    installed() {
        [[ -x "$VENV/bin/python" ]] &&
            "$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("arize-phoenix") != sys.argv[1])' \
                "$PHOENIX_VERSION" 2>/dev/null
    }
    if installed; then
        say "venv $VENV: arize-phoenix==$PHOENIX_VERSION already installed (reused)"
    else
        py=${PYTHON:-}
        if [[ -z "$py" ]]; then
            if command -v python3.11 >/dev/null; then py=python3.11; else py=python3; fi
        fi
        say "creating $VENV with $py ($("$py" --version 2>&1)) and installing arize-phoenix==$PHOENIX_VERSION"
        [[ -x "$VENV/bin/python" ]] || "$py" -m venv "$VENV"
        timeout 1200 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
            "arize-phoenix==$PHOENIX_VERSION"
        installed || die "arize-phoenix==$PHOENIX_VERSION is not importable from $VENV after pip install"
    fi
    echo "python: $("$VENV/bin/python" --version 2>&1); arize-phoenix $PHOENIX_VERSION"
    exec timeout --kill-after=30 "$BUDGET" bash "$HERE/phoenix.sh" --timed
fi

# ---------------------------------------------------------------------------
# Phase 2: time-boxed by `timeout` above.
PY="$VENV/bin/python"
[[ -x "$AGENTOBS_BIN" ]] || die "no agentobs binary at $AGENTOBS_BIN (build it, or set AGENTOBS_BIN)"
"$AGENTOBS_BIN" map --help | grep -q -- --endpoint ||
    die "$AGENTOBS_BIN map has no --endpoint option yet (rebuild agentobs)"

rm -rf "$RUN"
mkdir -p "$RUN/phoenix-home"

# Phoenix reads many PHOENIX_* variables (database URL, auth, collectors...):
# start it from none but ours.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^PHOENIX_' || true)

read -r PORT GRPC_PORT < <("$PY" "$HELPER" free-ports 2)
BASE="http://127.0.0.1:$PORT"
export PHOENIX_HOST=127.0.0.1
export PHOENIX_PORT=$PORT
export PHOENIX_GRPC_PORT=$GRPC_PORT
export PHOENIX_WORKING_DIR="$ROOT/$RUN/phoenix-home"
export PHOENIX_TELEMETRY_ENABLED=false
export PHOENIX_ALLOW_EXTERNAL_RESOURCES=false
export PHOENIX_ALLOWED_SANDBOX_PROVIDERS=NONE
export PHOENIX_AGENTS_DISABLE_BASH=true
export PHOENIX_LOG_MIGRATIONS=false

PHX_PID=
cleanup() {
    local rc=$?
    if [[ -n "$PHX_PID" ]] && kill -0 "$PHX_PID" 2>/dev/null; then
        kill -TERM "$PHX_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$PHX_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$PHX_PID" 2>/dev/null || true
        wait "$PHX_PID" 2>/dev/null || true
        echo "phoenix (pid $PHX_PID) stopped"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "phoenix.sh: interrupted" >&2; exit 130' INT
trap 'echo "phoenix.sh: time budget (${BUDGET}s) exceeded or terminated" >&2; exit 124' TERM

say "starting Phoenix $PHOENIX_VERSION: HTTP $BASE, OTLP/gRPC 127.0.0.1:$GRPC_PORT, working dir $RUN/phoenix-home"
echo "+ PHOENIX_HOST=127.0.0.1 PHOENIX_PORT=$PORT PHOENIX_GRPC_PORT=$GRPC_PORT PHOENIX_WORKING_DIR=$RUN/phoenix-home $PY $HELPER serve"
"$PY" "$HELPER" serve >"$RUN/phoenix.log" 2>&1 &
PHX_PID=$!

up=
for i in $(seq 1 120); do
    kill -0 "$PHX_PID" 2>/dev/null || { tail -n 40 "$RUN/phoenix.log" >&2; die "Phoenix exited during start-up"; }
    if curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null; then up=$i; break; fi
    sleep 1
done
[[ -n "$up" ]] || { tail -n 40 "$RUN/phoenix.log" >&2; die "Phoenix did not answer $BASE/healthz within 120 s"; }
echo "Phoenix answers HTTP after ~${up} s (pid $PHX_PID)"
"$PY" "$HELPER" listeners "$PHX_PID" || die "Phoenix listens on an address other than loopback"

say "recording the run as OTLP-JSON lines (--output)"
SENT_JSON="$RUN/sent.otlp.jsonl"
set -x
"$AGENTOBS_BIN" map --dialect openinference --protocol http/protobuf --output "$SENT_JSON" "${FIXTURES[@]}" \
    2>"$RUN/map-output.log"
{ set +x; } 2>/dev/null
cat "$RUN/map-output.log"
[[ -s "$SENT_JSON" && $(head -c 1 "$SENT_JSON") == "{" ]] || die "$SENT_JSON is not OTLP-JSON lines"

say "sending the same run to Phoenix (--endpoint, OTLP/HTTP protobuf)"
set -x
timeout 120 "$AGENTOBS_BIN" map --dialect openinference --endpoint "$BASE" --protocol http/protobuf "${FIXTURES[@]}" \
    >"$RUN/map-endpoint.out" 2>"$RUN/map-endpoint.log" || map_rc=$?
{ set +x; } 2>/dev/null
cat "$RUN/map-endpoint.out" "$RUN/map-endpoint.log"
[[ -z "${map_rc:-}" ]] || die "agentobs map --endpoint exited with status $map_rc"
# Both runs read the same files: their one-line summaries must agree.
# (the tail differs on purpose: "in N OTLP-JSON lines" / "sent in N requests")
norm() { grep -o '→.*' "$1" | sed -E 's/;.*//; s/ (sent )?in [0-9]+ (OTLP-JSON lines|requests?)$//' || true; }
sum_out=$(norm "$RUN/map-output.log")
sum_end=$(norm "$RUN/map-endpoint.log")
echo "summary --output:   ${sum_out:-?}"
echo "summary --endpoint: ${sum_end:-?}"

say "Phoenix refuses OTLP JSON on /v1/traces (expect HTTP 415)"
echo "+ head -n 1 $SENT_JSON | curl -H 'Content-Type: application/json' --data-binary @- $BASE/v1/traces"
JSON_STATUS=$(head -n 1 "$SENT_JSON" | curl -sS -o "$RUN/json-post.response" -w '%{http_code}' --max-time 30 \
    -H 'Content-Type: application/json' --data-binary @- "$BASE/v1/traces" || true)
echo "HTTP $JSON_STATUS: $(head -c 200 "$RUN/json-post.response" 2>/dev/null || true)"

say "reading the spans back (REST /v1/projects/{project}/spans, GraphQL /graphql) and comparing"
check_rc=0
"$PY" "$HELPER" check --base "$BASE" --expected "$SENT_JSON" --wait 90 --json-status "${JSON_STATUS:-0}" || check_rc=$?

tb=$(grep -c 'Traceback' "$RUN/phoenix.log" || true)
errs=$(grep -cE '(^|[^A-Za-z])(ERROR|CRITICAL)([^A-Za-z]|$)' "$RUN/phoenix.log" || true)
echo "Phoenix log ($RUN/phoenix.log): ${tb:-0} traceback(s), ${errs:-0} ERROR line(s)"
if [[ "${tb:-0}" != 0 ]]; then grep -n -A3 'Traceback' "$RUN/phoenix.log" | tail -n 30; fi
if [[ -n "${sum_out}" && "${sum_out}" != "${sum_end}" ]]; then
    echo "phoenix.sh: FAIL: --output and --endpoint runs summarised differently" >&2
    check_rc=1
fi

if [[ $check_rc -eq 0 ]]; then
    echo "phoenix.sh: PASS (arize-phoenix $PHOENIX_VERSION)"
else
    echo "phoenix.sh: FAIL (arize-phoenix $PHOENIX_VERSION)" >&2
fi
exit "$check_rc"
