#!/usr/bin/env bash
# Benchmark `lore check` against semgrep (18 equivalent rules) and `ruff check --select ALL`
# on a real corpus: pandas/core + sklearn/linear_model from pinned PyPI wheels (~180k lines).
#
# Usage (from the repo root):   bash tests/bench/check_speed.sh
#
# Environment:
#   LORE_BENCH_CACHE   cache dir for wheels, corpus and the tools' venv
#                      (default: $HOME/.cache/lore/bench)
#   CARGO_TARGET_DIR   cargo target dir (default: $HOME/.cache/lore/target)
#   LORE_BIN           lore binary (default: $CARGO_TARGET_DIR/release/lore, else .../debug/lore)
#   LORE_BENCH_RUNS    timed runs per tool (default 5; the median is reported)
#   LORE_BENCH_SKIP_PARSE=1   skip the two py-tree-sitter rows (parse only, parse + query)
#   LORE_BENCH_NO_HYPERFINE=1 time in Python even when hyperfine is installed
#
# Needs: python3 (>= 3.9) with pip and venv, network access to PyPI on the first run only.
# Uses hyperfine when it is on PATH (`apt-get install -y hyperfine`), else times runs in Python.
# Everything downloaded is pinned, so the corpus and tool versions are the same on every machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"

cache="${LORE_BENCH_CACHE:-$HOME/.cache/lore/bench}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/lore/target}"

# Pinned inputs. Changing any of these rebuilds the corresponding cache entry.
PANDAS_VERSION="2.2.3"
SKLEARN_VERSION="1.5.2"
SEMGREP_VERSION="1.185.0"
RUFF_VERSION="0.17.6"
TS_VERSION="0.26.1"          # py-tree-sitter (only for the "parse only" row)
TS_PYTHON_VERSION="0.25.0"   # same grammar version as lore's tree-sitter-python

log() { printf '[check_speed] %s\n' "$*" >&2; }

mkdir -p "$cache"

# --- 1. tools venv ---------------------------------------------------------------------------
venv="$cache/venv"
tools_stamp="$venv/.installed-semgrep$SEMGREP_VERSION-ruff$RUFF_VERSION-ts$TS_VERSION-tsp$TS_PYTHON_VERSION"
if [[ ! -f "$tools_stamp" ]]; then
  log "installing semgrep==$SEMGREP_VERSION ruff==$RUFF_VERSION tree-sitter into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "semgrep==$SEMGREP_VERSION" "ruff==$RUFF_VERSION" \
    "tree-sitter==$TS_VERSION" "tree-sitter-python==$TS_PYTHON_VERSION"
  touch "$tools_stamp"
fi

# --- 2. corpus from pinned wheels --------------------------------------------------------------
wheels="$cache/wheels"
corpus="$cache/corpus-pandas$PANDAS_VERSION-sklearn$SKLEARN_VERSION"
if [[ ! -f "$corpus/.complete" ]]; then
  mkdir -p "$wheels"
  for spec in "pandas==$PANDAS_VERSION" "scikit-learn==$SKLEARN_VERSION"; do
    name="${spec%%==*}"; ver="${spec##*==}"
    if ! ls "$wheels"/"${name//-/_}"-"$ver"-cp311-*manylinux*x86_64*.whl >/dev/null 2>&1; then
      log "downloading $spec (cp311 manylinux x86_64 wheel)"
      python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
        --python-version 3.11 --implementation cp --abi cp311 \
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
        -d "$wheels" "$spec"
    fi
  done
  log "extracting pandas/core/**.py and sklearn/linear_model/**.py into $corpus"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  python3 - "$wheels" "$corpus" "$PANDAS_VERSION" "$SKLEARN_VERSION" <<'PY'
import glob, os, sys, zipfile
wheels, corpus, pv, sv = sys.argv[1:]
jobs = [(f"pandas-{pv}-cp311-", "pandas/core/"), (f"scikit_learn-{sv}-cp311-", "sklearn/linear_model/")]
for prefix, sub in jobs:
    [whl] = sorted(glob.glob(os.path.join(wheels, prefix + "*manylinux*x86_64*.whl")))[:1]
    with zipfile.ZipFile(whl) as z:
        for name in z.namelist():
            if name.startswith(sub) and name.endswith(".py"):
                z.extract(name, corpus)
PY
  # Semgrep skips tests/ directories by default (its built-in .semgrepignore); an explicit empty
  # .semgrepignore at the scan root makes it scan exactly what lore and ruff scan.
  printf '# scan everything (overrides semgrep default ignores such as tests/)\n' > "$corpus/.semgrepignore"
  touch "$corpus/.complete"
fi

files=$(find "$corpus" -name '*.py' | wc -l)
lines=$(find "$corpus" -name '*.py' -print0 | xargs -0 cat | wc -l)
log "corpus: $corpus ($files files, $lines lines)"

# --- 3. lore binary ----------------------------------------------------------------------------
if [[ -z "${LORE_BIN:-}" ]]; then
  if [[ -x "$target/release/lore" ]]; then
    LORE_BIN="$target/release/lore"
  elif [[ -x "$target/debug/lore" ]]; then
    LORE_BIN="$target/debug/lore"
    log "WARNING: no release build at $target/release/lore; using the DEBUG build (much slower)"
  else
    log "no lore binary found under $target/{release,debug}/lore: build it (cargo build --release) or set LORE_BIN"
    exit 2
  fi
fi
[[ -x "$LORE_BIN" ]] || { log "LORE_BIN=$LORE_BIN is not executable"; exit 2; }

# --- 4. run ------------------------------------------------------------------------------------
exec "$venv/bin/python" "$here/bench_speed.py" \
  --lore "$LORE_BIN" \
  --corpus "$corpus" \
  --venv "$venv" \
  --rules "$here/semgrep-rules.yml" \
  --work "$cache/work" \
  --files "$files" --lines "$lines" \
  --runs "${LORE_BENCH_RUNS:-5}" \
  ${LORE_BENCH_SKIP_PARSE:+--skip-parse} \
  ${LORE_BENCH_NO_HYPERFINE:+--no-hyperfine}
