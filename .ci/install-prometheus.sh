#!/usr/bin/env bash
# Installs Debian's `prometheus` package (Prometheus 2.42 on bookworm, which ships
# `promtool` too) for the integration tests in tests/prometheus.rs, and prints the
# absolute path of `promtool` as the last line of stdout; `prometheus` is in the
# same directory. Everything else goes to stderr.
#
# The package's maintainer scripts would start the service; this script forbids
# that with a policy-rc.d for the duration of the install (invoke-rc.d and
# deb-systemd-invoke both obey it) and afterwards stops and disables anything
# that started anyway. The tests start their own Prometheus on 127.0.0.1.
#
# Idempotent: with promtool and prometheus already installed it does nothing
# (no network access, no root needed).
#
# Needs root (or sudo) to install.
set -euo pipefail

log() { printf 'install-prometheus: %s\n' "$*" >&2; }

# Prints the path of promtool when both binaries are installed, or nothing.
find_promtool() {
    local p
    p="$(command -v promtool 2>/dev/null || true)"
    [[ -n "$p" ]] || { [[ -x /usr/bin/promtool ]] && p=/usr/bin/promtool; } || true
    if [[ -n "$p" && -x "$(dirname "$p")/prometheus" ]]; then
        printf '%s\n' "$p"
    fi
}

if [[ -n "$(find_promtool)" ]]; then
    find_promtool | tail -n 1
    exit 0
fi

if [[ "$(id -u)" != 0 ]] && ! command -v sudo >/dev/null 2>&1; then
    log "prometheus is not installed and installing it needs root (or sudo)"
    exit 1
fi
# Runs a command as root.
as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

# Serialise concurrent runs; apt itself refuses a second install at the same time.
if command -v flock >/dev/null 2>&1; then
    exec 9>"${TMPDIR:-/tmp}/agentobs-install-prometheus.lock"
    flock 9
fi

# Forbid service starts during the install, unless a policy is already in place.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\n# agentobs .ci/install-prometheus.sh: no service starts\nexit 101\n' |
        as_root tee "$policy" >/dev/null
    as_root chmod 0755 "$policy"
    made_policy=1
fi
cleanup() {
    if [[ -n "$made_policy" ]]; then
        as_root rm -f "$policy"
    fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show prometheus >/dev/null 2>&1; then
    log "updating the package lists"
    as_root apt-get update >&2
fi
log "installing Debian's prometheus package"
as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends prometheus >&2

# Anything the package started despite the policy: stop it and keep it from starting
# at boot.
if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl disable --now prometheus.service >&2 2>/dev/null || true
else
    pidfile=/run/prometheus/prometheus.pid
    if [[ -f "$pidfile" ]]; then
        pid="$(cat "$pidfile")"
        if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
            log "stopping the prometheus the package started (pid $pid)"
            as_root kill "$pid" || true
        fi
    fi
    if command -v update-rc.d >/dev/null 2>&1; then
        as_root update-rc.d prometheus disable >&2 2>/dev/null || true
    fi
fi

promtool="$(find_promtool | tail -n 1)"
if [[ -z "$promtool" ]]; then
    log "the prometheus package is installed but promtool or prometheus is missing"
    exit 1
fi
"$promtool" --version >&2
printf '%s\n' "$promtool"
