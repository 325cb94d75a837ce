#!/usr/bin/env python3
"""Fits the weights of lore's API ranking (server/src/retrieval/ranker.rs) on DS-1000, honestly.

The problems are split into folds by origin group. For each fold, a copy of the docs store gets
the experience of the *other* folds (`lore traces import`), and `lore eval ds1000 --ranker-rows`
writes every name the ranking weighed for the fold's problems, with its features and whether
the reference solution needed it. So every row describes an unseen problem, as in real use.

Then a logistic regression (L2, C = 1: scikit-learn's default; Newton's method, no
dependencies) is fitted on all rows, and its weights are printed in the form ranker.rs keeps
them. Nested cross-validation reports how well such weights rank for problems whose rows they
were not fitted on: the share of problems with a needed name among the top 1, 3 and 5.

  tests/bench/api_ranker.py DOCS_STORE [--folds 5]

Environment: LORE_BIN (default: the release build), DS1000 (default: ../shared/ds1000).
"""
import argparse
import collections
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def rows_for_folds(lore, store, data, folds, work):
    """Every fold's ranker rows, each with the experience of the other folds only."""
    rows = []
    for fold in range(folds):
        fold_store = work / f"store{fold}"
        shutil.copytree(store, fold_store)
        experience = work / f"train{fold}.jsonl"
        test = work / f"test{fold}.jsonl"
        common = [sys.executable, str(HERE / "ds1000_experience.py"), "--data", str(data / "dev.jsonl"),
                  "--folds", str(folds), "--fold", str(fold)]
        with open(experience, "w") as out:
            subprocess.run(common + ["--attempts", str(data / "attempts-dev.jsonl"), "--train"],
                           stdout=out, check=True)
        with open(test, "w") as out:
            subprocess.run(common + ["--test"], stdout=out, check=True)
        subprocess.run([lore, "--store", str(fold_store), "traces", "import", str(experience)],
                       check=True, stdout=subprocess.DEVNULL)
        fold_rows = work / f"rows{fold}.jsonl"
        subprocess.run([lore, "--store", str(fold_store), "eval", "ds1000", "--data", str(test),
                        "--ranker-rows", str(fold_rows)], check=True, stdout=subprocess.DEVNULL)
        for line in open(fold_rows):
            row = json.loads(line)
            row["fold"] = fold
            rows.append(row)
        shutil.rmtree(fold_store)
        print(f"fold {fold}: {sum(1 for r in rows if r['fold'] == fold)} rows", file=sys.stderr)
    return rows


def solve(matrix, vector):
    """Gaussian elimination with partial pivoting."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col and a[col][col] != 0:
                factor = a[r][col] / a[col][col]
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    return [a[i][n] / a[i][i] for i in range(n)]


def fit(rows, iterations=25):
    """Logistic regression with an L2 penalty of 1/2 |w|^2 on the weights (not the bias)."""
    k = len(rows[0]["features"])
    w = [0.0] * (k + 1)  # bias last
    xs = [r["features"] + [1.0] for r in rows]
    ys = [1.0 if r["needed"] else 0.0 for r in rows]
    for _ in range(iterations):
        grad = [0.0] * (k + 1)
        hess = [[0.0] * (k + 1) for _ in range(k + 1)]
        for x, y in zip(xs, ys):
            z = sum(wi * xi for wi, xi in zip(w, x))
            p = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
            g = y - p
            s = p * (1.0 - p)
            for i in range(k + 1):
                grad[i] += g * x[i]
                xi_s = x[i] * s
                row = hess[i]
                for j in range(i, k + 1):
                    row[j] += xi_s * x[j]
        for i in range(k + 1):
            for j in range(i):
                hess[i][j] = hess[j][i]
        for i in range(k):
            grad[i] -= w[i]
            hess[i][i] += 1.0
        step = solve(hess, grad)
        w = [wi + si for wi, si in zip(w, step)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return w[:k], w[k]


def ranked_hits(rows, weights, bias, ks=(1, 3, 5)):
    by_problem = collections.defaultdict(list)
    for r in rows:
        score = bias + sum(w * f for w, f in zip(weights, r["features"]))
        by_problem[r["problem_id"]].append((-score, r["name"], r["needed"]))
    hits = collections.Counter()
    for ranked in by_problem.values():
        ranked.sort()
        for k in ks:
            hits[k] += any(needed for _, _, needed in ranked[:k])
    return {k: hits[k] / len(by_problem) for k in ks}, len(by_problem)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--rows", help="reuse rows written by an earlier run (JSON lines)")
    a = ap.parse_args()
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    lore = os.environ.get("LORE_BIN", f"{target}/release/lore")
    data = pathlib.Path(os.environ.get("DS1000", ROOT.parent / "shared" / "ds1000"))
    if a.rows:
        rows = [json.loads(line) for line in open(a.rows)]
    else:
        with tempfile.TemporaryDirectory() as work:
            rows = rows_for_folds(lore, a.store, data, a.folds, pathlib.Path(work))
        kept = ROOT / "target" / "api-ranker-rows.jsonl"
        kept.parent.mkdir(exist_ok=True)
        with open(kept, "w") as out:
            for r in rows:
                out.write(json.dumps(r) + "\n")
        print(f"rows kept in {kept}", file=sys.stderr)
    needed = sum(r["needed"] for r in rows)
    print(f"{len(rows)} candidate names, {needed} needed ({needed / len(rows):.1%})")
    folds = sorted({r["fold"] for r in rows})
    totals = collections.Counter()
    problems = 0
    for fold in folds:
        weights, bias = fit([r for r in rows if r["fold"] != fold])
        hits, n = ranked_hits([r for r in rows if r["fold"] == fold], weights, bias)
        problems += n
        for k, h in hits.items():
            totals[k] += h * n
    print(f"nested CV over {problems} problems with candidates: a needed name among the top "
          + ", ".join(f"{k}: {totals[k] / problems:.3f}" for k in sorted(totals)))
    weights, bias = fit(rows)
    print("const WEIGHTS: [f32; %d] = [%s];" % (len(weights), ", ".join(f"{w:.4f}" for w in weights)))
    print(f"const BIAS: f32 = {bias:.4f};")


if __name__ == "__main__":
    main()
