#!/usr/bin/env python3
"""DS-1000 problems as experience reports for `lore traces import`, with folds for honest scoring.

Each problem becomes one report: the problem statement, a failing model attempt and its error
(when one failed), and the reference solution as the fix that worked. Problems are split into
folds by origin group (a problem and its perturbed variants stay together), so a fold can be
scored with experience from the other folds only: the experience never contains the problem
being asked about, nor a variant of it.

  ds1000_experience.py --data dev.jsonl --attempts attempts-dev.jsonl > experience.jsonl
  ds1000_experience.py ... --folds 5 --fold 2 --train > train.jsonl   # experience of folds != 2
  ds1000_experience.py ... --folds 5 --fold 2 --test  > test.jsonl    # the DS-1000 rows of fold 2
"""
import argparse
import hashlib
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "shared" / "ds1000" / "tools"))
from ds1000_eval import split_prompt  # noqa: E402

LIBRARIES = {"Pandas": "pandas", "Numpy": "numpy", "Matplotlib": "matplotlib", "Sklearn": "sklearn",
             "Scipy": "scipy", "Pytorch": "torch", "Tensorflow": "tensorflow"}


def fold_of(library, origin, folds):
    digest = hashlib.sha256(f"{library}:{origin}".encode()).hexdigest()
    return int(digest, 16) % folds


def report_of(p, failed):
    """The experience report of DS-1000 problem `p` (`failed`: failing attempts by problem id)."""
    m = p["metadata"]
    problem, code = split_prompt(p["prompt"])
    report = {
        "problem": (problem + "\n\n" + code).strip() if problem else code.strip(),
        "fix": p["reference_code"].strip(),
        "libraries": [LIBRARIES.get(m["library"], m["library"].lower())],
        "source": f"ds1000:{m['library']}:{m['perturbation_origin_id']}:{m['problem_id']}",
    }
    attempt = failed.get(m["problem_id"])
    if attempt:
        report["attempt"] = attempt["code"]
        report["what_failed"] = attempt.get("error") or "wrong result"
    return report


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--attempts")
    ap.add_argument("--folds", type=int, default=0)
    ap.add_argument("--fold", type=int, default=0)
    role = ap.add_mutually_exclusive_group()
    role.add_argument("--train", action="store_true")
    role.add_argument("--test", action="store_true")
    a = ap.parse_args()

    failed = {}
    if a.attempts:
        for line in open(a.attempts):
            row = json.loads(line)
            if row.get("passed") is False and row["problem_id"] not in failed:
                failed[row["problem_id"]] = row
    for line in open(a.data):
        p = json.loads(line)
        m = p["metadata"]
        if a.folds:
            inside = fold_of(m["library"], m["perturbation_origin_id"], a.folds) == a.fold
            if a.test:
                if inside:
                    sys.stdout.write(line)
                continue
            if inside:
                continue
        print(json.dumps(report_of(p, failed)))


if __name__ == "__main__":
    main()
