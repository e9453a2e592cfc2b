#!/usr/bin/env bash
# agentobs export next to a real collector's forwarding of the same OTLP traffic.
#
#   benches/vs_rotel.sh [--quick] [--rounds N]
#
# Builds agentobs and agentobs-corpus (release), generates a clean corpus if absent (100 MiB /
# 500 files, fixed seed; --quick: 5 MiB / 20 files), installs rotel with .ci/install-rotel.sh,
# starts a rotel with the blackhole exporter (the sink), then times N rounds (default 5) of
#   (a) agentobs export --endpoint <sink>                 agentobs -> rotel(blackhole)
#   (b) agentobs export --endpoint <relay>, relay stopped  agentobs -> rotel -> rotel(blackhole)
# in an order that alternates round by round. The relay is a fresh rotel per round (OTLP/HTTP
# exporter to the sink, gzip as rotel always does upstream); (b) ends when the relay, sent
# SIGTERM after agentobs exits, has flushed and exited. Prints medians of wall time, events/s
# and CPU time (agentobs's, and the relay's for forwarding the same traffic, also less what a
# relay costs started and stopped without traffic), and their ratios.
#
# Environment: CORPUS (corpus dir), ROUNDS, CARGO_TARGET_DIR, PYTHON (for install-rotel.sh).
# Network: cargo and pip only (to build and install); every server listens on 127.0.0.1.
# Needs Linux (/proc), bash, cargo, python3.
set -euo pipefail

usage() { sed -n '2,19s/^# \{0,1\}//p' "$0"; }

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

quick=0
rounds="${ROUNDS:-5}"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --rounds) rounds="${2:?--rounds needs a value}"; shift ;;
        --rounds=*) rounds="${1#--rounds=}" ;;
        -h | --help) usage; exit 0 ;;
        *) echo "vs_rotel.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case "$rounds" in
    '' | *[!0-9]*) echo "vs_rotel.sh: --rounds wants a number" >&2; exit 2 ;;
esac
if [ "$rounds" -lt 1 ] || [ "$rounds" -gt 100 ]; then
    echo "vs_rotel.sh: --rounds must be 1-100" >&2
    exit 2
fi

target="${CARGO_TARGET_DIR:-target}"
seed=20251202
if [ "$quick" = 1 ]; then
    size_mb=5 files=20 corpus="${CORPUS:-$target/rotel-corpus-quick}"
else
    size_mb=100 files=500 corpus="${CORPUS:-$target/rotel-corpus}"
fi

for tool in cargo python3; do
    command -v "$tool" >/dev/null || { echo "vs_rotel.sh: $tool not found" >&2; exit 2; }
done

echo "== build (release)"
cargo build --release -p agentobs-cli -p agentobs-corpus
agentobs="$target/release/agentobs"

if [ ! -f "$corpus/expected.json" ]; then
    echo "== corpus: $size_mb MiB, $files files, seed $seed -> $corpus"
    rm -rf "$corpus.partial"
    "$target/release/agentobs-corpus" --out "$corpus.partial" --size-mb "$size_mb" \
        --files "$files" --seed "$seed"
    rm -rf "$corpus"
    mv "$corpus.partial" "$corpus"
else
    echo "== corpus: $corpus (present)"
fi
corpus_bytes="$(find "$corpus" -name '*.jsonl' -printf '%s\n' | awk '{s += $1} END {print s + 0}')"

echo "== rotel"
rotel="$(.ci/install-rotel.sh | tail -n 1)"
echo "rotel-agent $("$rotel" version 2>/dev/null | tail -n 1)"

work="$(mktemp -d "${TMPDIR:-/tmp}/vs_rotel.XXXXXX")"
sink_pid="" sink_sub="" relay_pid="" relay_sub=""
cleanup() {
    local p
    for p in $sink_pid $relay_pid; do
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Four free loopback ports (rotel takes no port 0): bound once by the kernel, then released.
read -r sink_http sink_grpc relay_http relay_grpc < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(4):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(*(s.getsockname()[1] for s in socks))
EOF
)

# True while process $1 runs.
alive() { kill -0 "$1" 2>/dev/null; }

now_ns() { date +%s%N; }

# Waits (at most 10 s) until 127.0.0.1:$1 accepts connections, while process $2 lives.
wait_port() {
    local i
    for ((i = 0; i < 1000; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
            return 0
        fi
        if ! alive "$2"; then
            echo "vs_rotel.sh: rotel exited before listening on $1; its log:" >&2
            cat "$work"/*.log >&2 || true
            exit 1
        fi
        sleep 0.01
    done
    echo "vs_rotel.sh: nothing listens on 127.0.0.1:$1 after 10 s" >&2
    exit 1
}

# Starts rotel NAME on HTTP and gRPC ports with the remaining arguments, under bash's `time`
# in a subshell (rotel's CPU time goes to $work/NAME.time when it exits); stores rotel's pid
# in NAME_pid and the subshell's in NAME_sub (sink_pid, relay_sub, ...), waits until it listens.
start_rotel() {
    local name="$1" http="$2" grpc="$3" sub pid="" i
    shift 3
    (
        TIMEFORMAT='cpu %3U %3S'
        time "$rotel" start \
            --pid-file "$work/$name.pid" --log-file "$work/$name.file.log" \
            --otlp-http-endpoint "127.0.0.1:$http" --otlp-grpc-endpoint "127.0.0.1:$grpc" \
            "$@" >"$work/$name.log" 2>&1
    ) 2>"$work/$name.time" &
    sub=$!
    printf -v "${name}_sub" '%s' "$sub"
    for ((i = 0; i < 500; i++)); do
        pid="$(pgrep -P "$sub" || true)"
        [ -n "$pid" ] && break
        sleep 0.01
    done
    if [ -z "$pid" ]; then
        echo "vs_rotel.sh: rotel ($name) did not start; its log:" >&2
        cat "$work/$name.log" >&2 || true
        exit 1
    fi
    printf -v "${name}_pid" '%s' "$pid"
    wait_port "$http" "$pid"
}

# Runs agentobs export to $1; sets $wall_ms, $cpu_ms_export, $events.
run_export() {
    local t0 t1
    t0="$(now_ns)"
    local TIMEFORMAT='cpu %3U %3S'
    { time "$agentobs" export --endpoint "$1" --protocol http/protobuf --dialect genai \
        "$corpus" 2>"$work/export.err"; } 2>"$work/export.time" || {
        echo "vs_rotel.sh: agentobs export failed:" >&2
        cat "$work/export.err" >&2
        exit 1
    }
    t1="$(now_ns)"
    wall_ms=$(((t1 - t0) / 1000000))
    cpu_ms_export="$(awk '$1 == "cpu" {print int(($2 + $3) * 1000)}' "$work/export.time")"
    local summary
    summary="$(tail -n 1 "$work/export.err")"
    events="$(sed -n 's/.* lines, \([0-9]*\) events.*/\1/p' <<<"$summary")"
    if [ -z "$events" ] || ! grep -q 'failed 0 spans, 0 log records, 0 requests' <<<"$summary"; then
        echo "vs_rotel.sh: unexpected export summary: $summary" >&2
        exit 1
    fi
    last_summary="$summary"
}

echo "== sink: rotel blackhole on 127.0.0.1:$sink_http"
start_rotel sink "$sink_http" "$sink_grpc" --exporter blackhole

# One untimed export to warm the page cache and the sink.
run_export "http://127.0.0.1:$sink_http"
echo "warm-up: $last_summary"

a_wall=() a_cpu=() b_wall=() b_export=() b_cpu=() b_relay=()
round_a() {
    run_export "http://127.0.0.1:$sink_http"
    a_wall+=("$wall_ms") a_cpu+=("$cpu_ms_export")
    echo "  (a) direct: ${wall_ms} ms wall, ${cpu_ms_export} ms CPU, $events events"
}
start_relay() {
    start_rotel relay "$relay_http" "$relay_grpc" \
        --exporter otlp --otlp-exporter-protocol http \
        --otlp-exporter-endpoint "http://127.0.0.1:$sink_http"
}

# SIGTERM to the relay, then waits (at most 30 s) until it has flushed and exited; sets
# $relay_cpu (ms, its whole life).
stop_relay() {
    local i
    kill -TERM "$relay_pid"
    for ((i = 0; i < 3000; i++)); do
        alive "$relay_pid" || break
        sleep 0.01
    done
    if alive "$relay_pid"; then
        echo "vs_rotel.sh: the relay did not stop within 30 s" >&2
        exit 1
    fi
    wait "$relay_sub" || true
    relay_pid="" relay_sub=""
    # (The file may also hold bash's note that rotel died of a signal: only the `cpu` line counts.)
    relay_cpu="$(awk '$1 == "cpu" {print int(($2 + $3) * 1000)}' "$work/relay.time")"
    if [ -z "$relay_cpu" ]; then
        echo "vs_rotel.sh: no CPU time for the relay:" >&2
        cat "$work/relay.time" >&2
        exit 1
    fi
}

round_b() {
    start_relay
    local t0 t1
    t0="$(now_ns)"
    run_export "http://127.0.0.1:$relay_http"
    local export_ms="$wall_ms" export_cpu="$cpu_ms_export"
    stop_relay
    t1="$(now_ns)"
    local total=$(((t1 - t0) / 1000000))
    b_wall+=("$total") b_export+=("$export_ms") b_cpu+=("$export_cpu") b_relay+=("$relay_cpu")
    echo "  (b) relayed: ${total} ms wall (export ${export_ms} ms, relay drain" \
        "$((total - export_ms)) ms), ${export_cpu} ms CPU agentobs, ${relay_cpu} ms CPU relay"
}

# The relay's own cost without traffic: started, stopped, CPU of its whole life.
idle=()
for ((r = 1; r <= 3; r++)); do
    start_relay
    stop_relay
    idle+=("$relay_cpu")
done
relay_idle="$(printf '%s\n' "${idle[@]}" | sort -n | sed -n 2p)"
echo "relay without traffic (start, SIGTERM, exit): ${idle[*]} ms CPU; median $relay_idle ms"

for ((r = 1; r <= rounds; r++)); do
    echo "== round $r/$rounds"
    if ((r % 2)); then round_a; round_b; else round_b; round_a; fi
done

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

ma="$(median "${a_wall[@]}")" mac="$(median "${a_cpu[@]}")"
mb="$(median "${b_wall[@]}")" mbe="$(median "${b_export[@]}")"
mbc="$(median "${b_cpu[@]}")" mbr="$(median "${b_relay[@]}")"
echo
echo "== $events events from $files files ($corpus_bytes bytes), genai dialect, OTLP/HTTP protobuf;" \
    "medians of $rounds rounds"
awk -v e="$events" -v mb_in="$corpus_bytes" -v a="$ma" -v ac="$mac" -v b="$mb" -v be="$mbe" \
    -v bc="$mbc" -v br="$mbr" -v bi="$relay_idle" 'BEGIN {
    printf "(a) agentobs -> rotel(blackhole):          %7.0f ms wall  %9.0f events/s  %6.1f MB/s of rollouts  agentobs CPU %5.0f ms\n", a, e / a * 1000, mb_in / a / 1000, ac
    printf "(b) agentobs -> rotel -> rotel(blackhole): %7.0f ms wall  %9.0f events/s  (export returned after %.0f ms)  agentobs CPU %5.0f ms, relay CPU %5.0f ms\n", b, e / b * 1000, be, bc, br
    printf "wall (b) / (a): %.2fx\n", b / a
    printf "CPU per event: agentobs %.2f us; relay %.2f us (%.2f us less its idle %.0f ms)\n", ac * 1000 / e, br * 1000 / e, (br - bi) * 1000 / e, bi
    printf "relay CPU / agentobs CPU: %.2fx (%.2fx less the relay'"'"'s idle CPU)\n", br / ac, (br - bi) / ac
}'
