#!/usr/bin/env bash
# The user-facing surface as a new user meets it: every example runs, the downstream crate's
# tests pass, the API docs build without a warning, and every publishable crate packages.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# One target dir for the workspace and the downstream crate, so the latter reuses the build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

cargo build --examples
for file in examples/*.rs; do
    name="$(basename "$file" .rs)"
    case "$name" in
        throughput) args=(tests/fixtures --runs 1) ;;
        cost_by_model | custom_dialect) args=(tests/fixtures) ;;
        *) args=() ;;
    esac
    echo "== example $name ${args[*]}"
    "$CARGO_TARGET_DIR/debug/examples/$name" "${args[@]}" > "$CARGO_TARGET_DIR/example-$name.out"
    tail -n 3 "$CARGO_TARGET_DIR/example-$name.out"
done
# The example that is a test suite, as a test suite.
cargo test --example test_harness

# A crate outside the workspace, on the public API only.
(cd tests/downstream && cargo test)

# API docs: every public item documented, every intra-doc link resolving. The CLI is a binary
# whose doc comments are its --help text (and its docs would collide with the `agentobs` lib's).
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --exclude agentobs-cli

# The export crate's optional features build alone and together (gRPC without TLS, TLS
# without gRPC), warning-free.
for features in grpc tls http-json grpc,tls; do
    echo "== clippy agentobs-export --features $features"
    cargo clippy -q -p agentobs-export --no-default-features --features "$features" -- -D warnings
done

# Every publishable crate packages: metadata, licence, README, versions on path dependencies.
cargo metadata --no-deps --format-version 1 \
    | python3 -c 'import json,sys; print("\n".join(p["name"] for p in json.load(sys.stdin)["packages"] if p.get("publish") != []))' \
    | while read -r crate; do
        echo "== cargo package --list -p $crate"
        cargo package --list --allow-dirty -p "$crate" > "$CARGO_TARGET_DIR/package-$crate.list"
        grep -qx 'Cargo.toml' "$CARGO_TARGET_DIR/package-$crate.list"
        grep -qix 'README.md' "$CARGO_TARGET_DIR/package-$crate.list" \
            || { echo "$crate: no README.md in the package" >&2; exit 1; }
    done
