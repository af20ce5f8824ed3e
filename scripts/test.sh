#!/usr/bin/env bash
# All of lwt's checks: formatting, lints, unit/property tests and the kernel-differential
# tests (these need root and network namespaces; as root they install their tools first).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  scripts/install-test-deps.sh
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
