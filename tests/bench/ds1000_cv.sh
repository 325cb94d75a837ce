#!/usr/bin/env bash
# Scores lore's context on DS-1000 *with experience*, honestly: the problems are split into folds
# by origin group, and each fold is scored by the reference scorer against a copy of the docs
# store plus the experience of the other folds only (never the problem itself or a variant).
#
#   tests/bench/ds1000_cv.sh DOCS_STORE [FOLDS]
#
# Environment: LORE_BIN (default: the debug build), DS1000 (default: ../shared/ds1000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
store=${1:?usage: ds1000_cv.sh DOCS_STORE [FOLDS]}
folds=${2:-5}
lore=${LORE_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/lore}
data=${DS1000:-$root/../shared/ds1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for k in $(seq 0 $((folds - 1))); do
  rm -rf "$work/store"
  cp -r "$store" "$work/store"
  python3 "$here/ds1000_experience.py" --data "$data/dev.jsonl" --attempts "$data/attempts-dev.jsonl" \
    --folds "$folds" --fold "$k" --train > "$work/train.jsonl"
  python3 "$here/ds1000_experience.py" --data "$data/dev.jsonl" --folds "$folds" --fold "$k" --test \
    > "$work/test.jsonl"
  "$lore" --store "$work/store" traces import "$work/train.jsonl" >&2
  python3 "$data/tools/ds1000_eval.py" "$lore" "$work/test.jsonl" --store "$work/store" \
    | tee "$work/fold$k.txt" >&2
done
python3 - "$work" "$folds" <<'PY'
import collections, re, sys
work, folds = sys.argv[1], int(sys.argv[2])
line_re = re.compile(r"^(\S+)\s+n=\s*(\d+) hit@5=([\d.]+) recall@5=([\d.]+) title_hit@5=([\d.]+)")
total = collections.defaultdict(lambda: [0, 0.0, 0.0, 0.0])
for k in range(folds):
    for line in open(f"{work}/fold{k}.txt"):
        m = line_re.search(line)
        if not m:
            continue
        name = "overall" if m.group(1).startswith("mode=") else m.group(1)
        n = int(m.group(2))
        t = total[name]
        t[0] += n
        for i in range(3):
            t[i + 1] += float(m.group(i + 3)) * n
print(f"{folds}-fold cross-validation by origin group:")
for name, (n, h, r, s) in sorted(total.items(), key=lambda kv: kv[0] == "overall"):
    print(f"{name:12s} n={n:4d} hit@5={h/n:.3f} recall@5={r/n:.3f} title_hit@5={s/n:.3f}")
PY
