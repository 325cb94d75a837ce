#!/usr/bin/env bash
# The whole test suite: installs what the tests need (setup.sh), then runs every test.
# Exits non-zero when any test fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
server/scripts/setup.sh
cargo test --workspace --no-fail-fast 2>&1
