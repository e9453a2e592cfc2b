#!/usr/bin/env bash
# Installs the rotel OpenTelemetry collector (PyPI `rotel`, a pre-release that
# ships the `rotel-agent` binary inside its wheel) into a venv under the cargo
# target dir, and prints the absolute path of `rotel-agent` as the last line of
# stdout. Everything else (pip output, diagnostics) goes to stderr.
#
# Idempotent: a second run with the right version already installed does no
# network access and takes well under a second.
#
# Env:
#   CARGO_TARGET_DIR  venv goes to ${CARGO_TARGET_DIR:-<repo>/target}/rotel-venv
#                     (a relative CARGO_TARGET_DIR is taken from the current dir,
#                     as cargo does)
#   PYTHON            interpreter used to create the venv (default: python3)
set -euo pipefail

ROTEL_VERSION="0.0.1a15"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$repo_root/target}"
mkdir -p "$target_dir"
target_dir="$(cd "$target_dir" && pwd)"
venv="$target_dir/rotel-venv"
python="${PYTHON:-python3}"

log() { printf 'install-rotel: %s\n' "$*" >&2; }

# Prints the path of rotel-agent inside an installed venv, or nothing.
find_agent() {
    local p
    # Not on the venv's bin/ in this version; the wheel puts it in the package dir.
    for p in "$venv"/bin/rotel-agent "$venv"/lib/python3*/site-packages/rotel/rotel-agent; do
        if [[ -f "$p" && -x "$p" ]]; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    # Fall back to asking the installed distribution where the file is.
    [[ -x "$venv/bin/python" ]] || return 0
    "$venv/bin/python" - <<'EOF' 2>/dev/null || true
import importlib.metadata as md
for f in md.distribution("rotel").files or []:
    p = f.locate().resolve()
    if f.name == "rotel-agent" and p.is_file():
        print(p)
        break
EOF
}

installed_version() {
    [[ -x "$venv/bin/python" ]] || return 0
    "$venv/bin/python" -c \
        'import importlib.metadata as md; print(md.version("rotel"))' 2>/dev/null || true
}

install() {
    local extra=()
    if [[ "$(installed_version)" == "$ROTEL_VERSION" ]]; then
        # Right version recorded but the binary is gone: pip would do nothing.
        extra=(--force-reinstall)
    fi
    if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
        log "creating venv at $venv"
        "$python" -m venv --clear "$venv" >&2
    fi
    log "installing rotel==$ROTEL_VERSION"
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input \
        "${extra[@]}" --pre "rotel==$ROTEL_VERSION" >&2
}

# Serialise concurrent runs (e.g. parallel test binaries) on the same venv.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$target_dir/.rotel-venv.lock"
    flock 9
fi

if [[ "$(installed_version)" != "$ROTEL_VERSION" || -z "$(find_agent)" ]]; then
    install
fi

agent="$(find_agent | tail -n 1)"
if [[ -z "$agent" ]]; then
    log "rotel $ROTEL_VERSION installed in $venv but no rotel-agent binary found"
    exit 1
fi

# The binary is dynamically linked against libpython3.X.so.1.0 (Debian's
# libpython3.11 package for the cp311 wheel); check that it can actually run.
if ! "$agent" version >/dev/null 2>&1; then
    log "rotel-agent at $agent does not run:"
    "$agent" version >&2 || true
    if command -v ldd >/dev/null 2>&1; then
        ldd "$agent" 2>&1 | grep 'not found' >&2 || true
    fi
    log "hint: a missing libpython3.X.so.1.0 comes from Debian's libpython3.X package"
    exit 1
fi

printf '%s\n' "$agent"
