#!/usr/bin/env bash
# The whole test suite: installs what the tests need (setup.sh, then the editors' own setup in
# editors/test.sh), runs every Rust test (unit, protocol, real binary, CLI, lessons, queries),
# then the editor tests in real VS Code (code-server) and real Neovim. Exits non-zero when any
# test fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
server/scripts/setup.sh || exit 1

# A real MCP client (the official Python SDK) for the MCP server's test.
venv="${LORE_TEST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/lore/test-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import mcp" 2>/dev/null; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "mcp==2.3.0" || exit 1
fi
export LORE_TEST_PYTHON="$venv/bin/python"

status=0
cargo test --workspace --no-fail-fast 2>&1 || status=1

target="${CARGO_TARGET_DIR:-$PWD/target}"
LORE_BIN="$target/debug/lore" editors/test.sh || status=1

# The object store: lore built with the `s3` feature against a real S3-compatible server that
# the test starts on 127.0.0.1: s3s-fs (from crates.io, pinned by tests/s3-server/Cargo.lock)
# with atomic conditional writes, built here. Last, because it builds the `lore` binary with
# the feature over the default one (the next build relinks it).
cargo build --manifest-path tests/s3-server/Cargo.toml --locked 2>&1 || status=1
LORE_S3_SERVER="$target/debug/lore-s3-test-server" cargo test --features s3 --test s3 2>&1 || status=1

exit $status
