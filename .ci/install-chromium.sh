#!/usr/bin/env bash
# Installs Debian's `chromium` package for the browser test of `agentobs report --html`
# (tests/html.rs) and the driver it uses (playwright-core, pinned in
# tests/browser/package-lock.json, installed with `npm ci`; it never downloads a browser),
# and prints the absolute path of the chromium binary as the last line of stdout.
# Everything else goes to stderr.
#
# Idempotent: with chromium present and tests/browser/node_modules matching the lock file
# it does nothing (no network access, no root needed).
#
# Needs root (or sudo) to install chromium, and node + npm for the driver.
set -euo pipefail

log() { printf 'install-chromium: %s\n' "$*" >&2; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
browser_dir="$repo_root/tests/browser"
chromium=/usr/bin/chromium

# Runs a command as root.
as_root() {
    if [[ "$(id -u)" == 0 ]]; then
        "$@"
    else
        sudo "$@"
    fi
}

if [[ ! -x "$chromium" ]]; then
    if [[ "$(id -u)" != 0 ]] && ! command -v sudo >/dev/null 2>&1; then
        log "chromium is not installed and installing it needs root (or sudo)"
        exit 1
    fi
    # Serialise concurrent runs; apt itself refuses a second install at the same time.
    if command -v flock >/dev/null 2>&1; then
        exec 9>"${TMPDIR:-/tmp}/agentobs-install-chromium.lock"
        flock 9
    fi
    if [[ ! -x "$chromium" ]]; then
        export DEBIAN_FRONTEND=noninteractive
        if ! apt-cache show chromium >/dev/null 2>&1; then
            log "updating the package lists"
            as_root apt-get update >&2
        fi
        log "installing Debian's chromium package"
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y --no-install-recommends chromium fonts-dejavu-core >&2
    fi
fi
if [[ ! -x "$chromium" ]]; then
    log "the chromium package is installed but $chromium is missing"
    exit 1
fi

# The DevTools-protocol driver, exactly as locked; never a browser download.
if ! command -v npm >/dev/null 2>&1; then
    log "npm is needed for the browser test driver (Debian: apt-get install npm)"
    exit 1
fi
stamp="$browser_dir/node_modules/.agentobs-lock"
if [[ ! -f "$stamp" ]] || ! cmp -s "$stamp" "$browser_dir/package-lock.json"; then
    log "installing the test driver with npm ci in $browser_dir"
    (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2)
    cp "$browser_dir/package-lock.json" "$stamp"
fi

"$chromium" --version >&2
printf '%s\n' "$chromium"
