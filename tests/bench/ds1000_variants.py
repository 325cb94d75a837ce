#!/usr/bin/env python3
"""The experience effect on DS-1000, after curation: does a report of a problem help its variants?

The dev split's origin groups (a problem and its perturbed variants) are split in two by a hash.
From the first half, each *Origin* problem becomes an experience report (the problem, a failed
model attempt and its error, the reference solution as the fix). The reports are imported into a
copy of the docs store and `lore curate` runs over them; the other copy keeps the docs alone.
Both are then scored by the reference scorer (`shared/ds1000/tools/ds1000_eval.py`, k = 5) on

  - the Surface / Semantic / Difficult-Rewrite variants of the first half (the lift), and
  - every problem of the second half (unrelated origins: must not get worse),

and for each variant the script checks whether its own origin's report is among the top 5 items.

  python3 tests/bench/ds1000_variants.py DOCS_STORE [--lore BIN] [--half 0|1]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = pathlib.Path(os.environ.get("DS1000", ROOT.parent / "shared" / "ds1000"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(DATA / "tools"))
from ds1000_experience import fold_of  # noqa: E402
from ds1000_experience import report_of as experience_report  # noqa: E402

LINE = re.compile(r"^mode=\S+ n=\s*(\d+) hit@5=([\d.]+) recall@5=([\d.]+) title_hit@5=([\d.]+)")


def report_of(p, failed):
    """A problem's report, from one of seven agents (so mining sees several contributors)."""
    report = experience_report(p, failed)
    report["contributor"] = f"agent-{p['metadata']['problem_id'] % 7}"
    return report


def score(lore, store, problems, work, name):
    data = work / f"{name}.jsonl"
    out = work / f"{name}.out.jsonl"
    data.write_text("".join(json.dumps(p) + "\n" for p in problems))
    text = subprocess.run(
        [sys.executable, str(DATA / "tools" / "ds1000_eval.py"), lore, str(data), "--store", str(store), "--out", str(out)],
        check=True, capture_output=True, text=True,
    ).stdout
    match = next(LINE.search(line) for line in text.splitlines() if LINE.search(line))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    return (int(match.group(1)), float(match.group(2)), float(match.group(3)), float(match.group(4))), rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--lore", default=os.environ.get("LORE_BIN", str(pathlib.Path.home() / ".cache/lore/target/debug/lore")))
    ap.add_argument("--half", type=int, default=0, choices=[0, 1],
                    help="which half's origins become reports (0: the half the thresholds were chosen on; "
                         "1: the other, to check them on origins not looked at)")
    a = ap.parse_args()
    problems = [json.loads(line) for line in open(DATA / "dev.jsonl")]
    failed = {}
    for line in open(DATA / "attempts-dev.jsonl"):
        row = json.loads(line)
        if row.get("passed") is False and row["problem_id"] not in failed:
            failed[row["problem_id"]] = row
    half = lambda p: fold_of(p["metadata"]["library"], p["metadata"]["perturbation_origin_id"], 2)  # noqa: E731
    origins = [p for p in problems if half(p) == a.half and p["metadata"]["perturbation_type"] == "Origin"]
    variants = [p for p in problems if half(p) == a.half and p["metadata"]["perturbation_type"] != "Origin"]
    unrelated = [p for p in problems if half(p) != a.half]
    work = pathlib.Path(tempfile.mkdtemp(prefix="lore-variants-"))
    try:
        alone, learned = work / "docs-alone", work / "docs-and-reports"
        shutil.copytree(a.store, alone)
        shutil.copytree(a.store, learned)
        reports = work / "reports.jsonl"
        reports.write_text("".join(json.dumps(report_of(p, failed)) + "\n" for p in origins))
        subprocess.run([a.lore, "--store", str(learned), "traces", "import", str(reports)], check=True, capture_output=True)
        curated = subprocess.run([a.lore, "--store", str(learned), "curate", "--json"], check=True, capture_output=True, text=True)
        report = json.loads(curated.stdout)
        exported = subprocess.run([a.lore, "--store", str(learned), "traces", "export"], check=True, capture_output=True, text=True)
        trace_of_origin = {}
        for line in exported.stdout.splitlines():
            row = json.loads(line)
            parts = row.get("source", "").split(":")
            if len(parts) == 4:
                trace_of_origin[(parts[1], int(parts[2]))] = row["id"]
        print(f"{len(origins)} origin reports imported; curate: {len(report['candidates'])} candidates, "
              f"{len(report['quarantined'])} quarantined, {len(report['changes'])} lesson changes")
        results = {}
        for memory, store in (("docs alone", alone), ("docs + curated reports", learned)):
            for name, chosen in (("variants", variants), ("unrelated", unrelated)):
                results[(memory, name)] = score(a.lore, store, chosen, work, f"{name}-{memory[:4]}")
        by_id = {p["metadata"]["problem_id"]: p for p in problems}
        rows = results[("docs + curated reports", "variants")][1]
        own = sum(
            1 for r in rows
            if trace_of_origin.get((by_id[r["problem_id"]]["metadata"]["library"], by_id[r["problem_id"]]["metadata"]["perturbation_origin_id"])) in r["ids"]
        )
        print("| problems | memory | n | hit@5 | recall@5 | title hit@5 |")
        print("|---|---|---:|---:|---:|---:|")
        for (memory, name), ((n, hit, recall, title), _) in results.items():
            print(f"| {name} | {memory} | {n} | {hit:.3f} | {recall:.3f} | {title:.3f} |")
        print(f"variants whose own origin report is among the top 5: {own}/{len(rows)} ({own / max(len(rows), 1):.1%})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
