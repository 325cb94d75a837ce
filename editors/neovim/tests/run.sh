#!/usr/bin/env bash
# Runs the Neovim end-to-end test (tests/e2e.lua) in a real headless Neovim.
# NVIM: the nvim binary (default: `nvim` on PATH, which must be 0.11+); LORE_BIN: the lore binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
plugin="$(dirname "$here")"
# The workspace both editors' end-to-end tests open.
fixture_workspace="$(dirname "$plugin")/fixtures/workspace"
NVIM="${NVIM:-nvim}"
LORE_BIN="${LORE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/lore/target}/debug/lore}"
[ -x "$LORE_BIN" ] || { echo "lore binary not found at $LORE_BIN (set LORE_BIN)" >&2; exit 2; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$fixture_workspace" "$scratch/workspace"
mkdir -p "$scratch/store" "$scratch/state"

export LORE_BIN LORE_TEST_STORE="$scratch/store" LORE_TEST_WORKSPACE="$scratch/workspace"
# Keep Neovim's state (the LSP log) out of the user's home. XDG_DATA_HOME stays: lore finds its
# model and ONNX Runtime there.
export XDG_STATE_HOME="$scratch/state"
"$NVIM" --version | head -1 >&2
timeout 300 "$NVIM" --headless --clean -i NONE \
  --cmd "set rtp^=$plugin" \
  -c "luafile $here/e2e.lua"
