#!/usr/bin/env python3
"""Precision of lore's lessons on real code nobody here wrote: DS-1000 dev references and model attempts.

Usage (from the repo root):

    python3 tests/bench/ds1000_precision.py [--lore BIN] [--data DIR] [--json] [--examples N] [--keep DIR]

Inputs (see DIR/README.md, default DIR = ../shared/ds1000 next to the repo):
  dev.jsonl           733 problems: `prompt`, `reference_code`, `metadata.problem_id`, `metadata.library`
  attempts-dev.jsonl  2,199 executed model attempts: `problem_id`, `library`, `model`, `passed`, `code`

What it does, exactly:
 1. For every problem it takes the *code context* out of the prompt:
    - the trailing solution slot is cut off: a final `BEGIN SOLUTION` + `<code>` pair (most problems);
      for function-stub problems (`### BEGIN SOLUTION`) and Matplotlib (`# SOLUTION START`) the
      marker is a comment and stays;
    - if the remaining prompt contains `<code>`, the context is the text after the LAST `<code>`
      marker, where the code ends at the next `</code>`; the prose lines after `</code>` (e.g.
      `result = ... # put solution in this variable`, `solve this question with example variable
      \\`clf\\``) are kept as `# ` comments so the file stays valid Python;
    - without any `<code>` marker (Matplotlib) the whole prompt is code and is the context.
    The context carries the problem's imports (`import pandas as pd`, ...), so lessons gated by
    `requires = [module]` see the same imports as the solution would at run time.
 2. For every reference solution and every attempt it writes one file into a temporary corpus:
        <context>
        # ---- solution (lore findings are counted from the next line on) ----
        <reference_code or attempt code>
    (the separator comment is indented like the solution's first line, so that a function-stub
    body stays one block),
    as `ref/p<problem_id>.py` and `attempt/<model>/p<problem_id>.py`, and records the 1-based line
    where the solution part starts.
 3. It runs `lore check <corpus> --format json --store <empty temp dir>` ONCE over the whole corpus
    (built-in lessons only, the user's store is not touched).
 4. A finding counts only if its start line is >= the file's solution start line: findings in the
    prompt context (code nobody in the attempt wrote) are dropped.
 5. Each file has a kind: `reference`, `attempt-fail` (passed false), `attempt-pass` (passed true)
    or `attempt-unexecuted` (passed null: PyTorch/TensorFlow and a few network problems). Per lesson
    it reports on how many files of each kind it fires (a file counts once per lesson, whatever the
    number of findings), the number of files of each kind, totals, and for executed attempts the
    share of firings that are on failing attempts, next to the base failure rate (the share of all
    executed attempts that fail). A useful lesson fires rarely on references and has a failing
    share above the base rate; a lesson firing on many references is noise.

Output: markdown on stdout, or JSON with `--json`. `--examples N` adds, for each lesson that fires
on references or on passing attempts, up to N example solution lines where it fires there
(default 3). `--keep DIR` writes the corpus to DIR and keeps it (default: a temporary directory
that is removed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SEPARATOR = "# ---- solution (lore findings are counted from the next line on) ----"
KINDS = ["reference", "attempt-fail", "attempt-pass", "attempt-unexecuted"]


def default_lore() -> str:
    if os.environ.get("LORE_BIN"):
        return os.environ["LORE_BIN"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/lore/target"))
    for build in ("release", "debug"):
        if (target / build / "lore").exists():
            return str(target / build / "lore")
    return "lore"


_SLOT = re.compile(r"BEGIN SOLUTION\s*<code>\s*$")


def prompt_context(prompt: str) -> str:
    """The code part of a DS-1000 prompt, up to the solution slot (see the module docstring)."""
    head = _SLOT.sub("", prompt)
    if "<code>" not in head:
        return head.rstrip("\n") + "\n"  # Matplotlib: the prompt is code
    after = head[head.rfind("<code>") + len("<code>"):]
    code, _, tail = after.partition("</code>")
    lines = code.strip("\n").splitlines()
    for t in tail.strip("\n").splitlines():
        lines.append("# " + t if t.strip() and not t.lstrip().startswith("#") else t)
    return "\n".join(lines).rstrip("\n") + "\n"


def kind_of(passed) -> str:
    return {True: "attempt-pass", False: "attempt-fail"}.get(passed, "attempt-unexecuted")


def safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s)


def build_corpus(data: Path, root: Path):
    dev = [json.loads(l) for l in (data / "dev.jsonl").open(encoding="utf-8")]
    attempts = [json.loads(l) for l in (data / "attempts-dev.jsonl").open(encoding="utf-8")]
    contexts = {}
    files = {}  # absolute path -> meta

    def write(rel: str, context: str, solution: str, meta: dict):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        first = next((l for l in solution.splitlines() if l.strip()), "")
        indent = first[: len(first) - len(first.lstrip())]  # keep a function-stub body one block
        text = context + indent + SEPARATOR + "\n" + solution
        if not text.endswith("\n"):
            text += "\n"
        path.write_text(text, encoding="utf-8")
        start = context.count("\n") + 2  # 1-based line after the separator
        files[str(path.resolve())] = dict(meta, rel=rel, start_line=start, lines=text.splitlines())

    for d in dev:
        m = d["metadata"]
        pid = m["problem_id"]
        contexts[pid] = prompt_context(d["prompt"])
        write(f"ref/p{pid}.py", contexts[pid], d["reference_code"],
              dict(kind="reference", problem_id=pid, library=m["library"], model=None))
    for a in attempts:
        pid = a["problem_id"]
        if pid not in contexts:
            continue
        write(f"attempt/{safe(a['model'])}/p{pid}.py", contexts[pid], a["code"] or "",
              dict(kind=kind_of(a["passed"]), problem_id=pid, library=a["library"], model=a["model"]))
    return files


def run_lore(lore: str, corpus: Path, store: Path):
    cmd = [lore, "check", str(corpus), "--format", "json", "--store", str(store)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"`{' '.join(cmd)}` failed with exit {p.returncode}:\n{p.stderr}")
    return json.loads(p.stdout or "[]")


def lesson_catalog(lore: str, store: Path):
    p = subprocess.run([lore, "lessons", "list", "--json", "--store", str(store)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        p = subprocess.run([lore, "lessons", "list", "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        return {l["id"]: l for l in json.loads(p.stdout)}
    except (json.JSONDecodeError, KeyError, TypeError):
        return {}


def resolve(path: str, corpus: Path) -> str:
    p = Path(path)
    if not p.is_absolute():
        p = corpus / p if (corpus / p).exists() else Path.cwd() / p
    return str(p.resolve())


def analyse(files, findings, corpus, catalog, n_examples):
    n_files = Counter(m["kind"] for m in files.values())
    fired = defaultdict(lambda: defaultdict(set))  # lesson -> kind -> {file}
    n_findings = Counter()
    dropped = Counter()
    examples = defaultdict(list)
    unknown = 0
    for f in findings:
        key = resolve(f["file"], corpus)
        meta = files.get(key)
        if meta is None:
            unknown += 1
            continue
        lid = f["lesson_id"]
        if f["line"] < meta["start_line"]:
            dropped[lid] += 1
            continue
        n_findings[lid] += 1
        ex_key = (lid, meta["kind"])
        if (key not in fired[lid][meta["kind"]] and meta["kind"] in ("reference", "attempt-pass")
                and len(examples[ex_key]) < n_examples):
            line = meta["lines"][f["line"] - 1].strip() if f["line"] - 1 < len(meta["lines"]) else ""
            examples[ex_key].append(dict(problem_id=meta["problem_id"], library=meta["library"],
                                         model=meta["model"], file=meta["rel"],
                                         line=f["line"] - meta["start_line"] + 1, code=line))
        fired[lid][meta["kind"]].add(key)

    executed = n_files["attempt-fail"] + n_files["attempt-pass"]
    base_fail = n_files["attempt-fail"] / executed if executed else 0.0
    rows = []
    for lid in sorted(fired, key=lambda k: (-len(fired[k]["reference"]), k)):
        c = {k: len(fired[lid][k]) for k in KINDS}
        ex = c["attempt-fail"] + c["attempt-pass"]
        rows.append(dict(
            lesson_id=lid,
            severity=catalog.get(lid, {}).get("severity"),
            files=c,
            findings=n_findings[lid],
            ref_rate=c["reference"] / n_files["reference"] if n_files["reference"] else 0.0,
            fail_share=(c["attempt-fail"] / ex) if ex else None,
            lift=((c["attempt-fail"] / ex) / base_fail) if ex and base_fail else None,
            examples=examples.get((lid, "reference"), []),
            examples_passing=examples.get((lid, "attempt-pass"), []),
        ))
    # totals: files where any lesson fires, and lesson-file firings
    any_files = {k: set() for k in KINDS}
    firings = Counter()
    for lid in fired:
        for k in KINDS:
            any_files[k] |= fired[lid][k]
            firings[k] += len(fired[lid][k])
    ex_firings = firings["attempt-fail"] + firings["attempt-pass"]
    ex_any = len(any_files["attempt-fail"]) + len(any_files["attempt-pass"])
    totals = dict(
        files=dict(n_files),
        files_with_any_finding={k: len(v) for k, v in any_files.items()},
        lesson_file_firings=dict(firings),
        findings_counted=sum(n_findings.values()),
        findings_in_prompt_context_dropped=sum(dropped.values()),
        findings_unmatched_file=unknown,
        base_failure_rate=base_fail,
        firings_on_failing_share=(firings["attempt-fail"] / ex_firings) if ex_firings else None,
        files_with_finding_failing_share=(len(any_files["attempt-fail"]) / ex_any) if ex_any else None,
        lessons_total=len(catalog) or None,
        lessons_fired=len(fired),
        lessons_firing_on_references=sum(1 for r in rows if r["files"]["reference"]),
    )
    return rows, totals


def pct(x):
    return "–" if x is None else f"{100 * x:.0f}%"


def markdown(rows, totals, lore, catalog):
    nf = totals["files"]
    out = []
    out.append("## lore lessons on DS-1000 dev: references vs executed model attempts")
    out.append("")
    out.append(f"lore: `{lore}`. Files: {nf.get('reference', 0)} reference solutions, "
               f"{nf.get('attempt-fail', 0)} failing attempts, {nf.get('attempt-pass', 0)} passing attempts, "
               f"{nf.get('attempt-unexecuted', 0)} unexecuted attempts (PyTorch/TensorFlow/network). "
               f"Base failure rate of executed attempts: {pct(totals['base_failure_rate'])}.")
    out.append("")
    out.append("Counts are files where the lesson fires in the solution part (prompt-context findings dropped). "
               "`fail share` = failing / (failing + passing) attempts among those it fires on; "
               "`lift` = fail share / base failure rate.")
    out.append("")
    out.append("| lesson | sev | refs | refs % | fail | pass | unexec | fail share | lift | findings |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        c = r["files"]
        lift = "–" if r["lift"] is None else f"{r['lift']:.2f}"
        out.append(f"| {r['lesson_id']} | {r['severity'] or ''} | {c['reference']} | {100 * r['ref_rate']:.1f}% | "
                   f"{c['attempt-fail']} | {c['attempt-pass']} | {c['attempt-unexecuted']} | "
                   f"{pct(r['fail_share'])} | {lift} | {r['findings']} |")
    a = totals["files_with_any_finding"]
    f = totals["lesson_file_firings"]
    out.append(f"| **files with any finding** | | {a['reference']} | "
               f"{100 * a['reference'] / max(nf.get('reference', 1), 1):.1f}% | {a['attempt-fail']} | "
               f"{a['attempt-pass']} | {a['attempt-unexecuted']} | {pct(totals['files_with_finding_failing_share'])} | "
               f"{(totals['files_with_finding_failing_share'] or 0) / (totals['base_failure_rate'] or 1):.2f} | "
               f"{totals['findings_counted']} |")
    out.append(f"| **lesson-file firings** | | {f.get('reference', 0)} | | {f.get('attempt-fail', 0)} | "
               f"{f.get('attempt-pass', 0)} | {f.get('attempt-unexecuted', 0)} | "
               f"{pct(totals['firings_on_failing_share'])} | "
               f"{(totals['firings_on_failing_share'] or 0) / (totals['base_failure_rate'] or 1):.2f} | |")
    out.append("")
    fired_ids = {r["lesson_id"] for r in rows}
    silent = sorted(set(catalog) - fired_ids)
    out.append(f"Lessons: {totals['lessons_fired']} of {len(catalog) or '?'} fire at least once; "
               f"{totals['lessons_firing_on_references']} fire on at least one reference solution. "
               f"Of executed-attempt firings, {pct(totals['firings_on_failing_share'])} are on failing attempts "
               f"(base failure rate {pct(totals['base_failure_rate'])}). "
               f"Findings dropped because they are in the prompt context: "
               f"{totals['findings_in_prompt_context_dropped']}.")
    if silent:
        out.append("")
        out.append(f"Never fire here ({len(silent)}): " + ", ".join(silent))
    for field, kind, title in (("examples", "reference", "reference solutions"),
                               ("examples_passing", "attempt-pass", "passing attempts")):
        ex_rows = [r for r in rows if r[field]]
        if not ex_rows:
            continue
        out.append("")
        out.append(f"### Where lessons fire on {title}")
        for r in ex_rows:
            out.append("")
            out.append(f"- **{r['lesson_id']}** (fires on {r['files'][kind]} {title}):")
            for e in r[field]:
                who = f", {e['model']}" if e["model"] else ""
                out.append(f"  - p{e['problem_id']} ({e['library']}{who}), solution line {e['line']}: "
                           f"`{e['code'][:160]}`")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lore", default=default_lore(), help="lore binary (default: $LORE_BIN, else target/release, else target/debug)")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "ds1000"), help="DS-1000 data dir (default: ../shared/ds1000)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of markdown")
    ap.add_argument("--examples", type=int, default=3, help="example lines per lesson on references / passing attempts (default 3)")
    ap.add_argument("--keep", help="write the corpus to this directory and keep it")
    a = ap.parse_args()

    data = Path(a.data)
    for name in ("dev.jsonl", "attempts-dev.jsonl"):
        if not (data / name).exists():
            sys.exit(f"missing {data / name}")
    tmp = tempfile.mkdtemp(prefix="lore-ds1000-")
    try:
        corpus = Path(a.keep) if a.keep else Path(tmp) / "corpus"
        if a.keep and corpus.exists():
            shutil.rmtree(corpus)
        corpus.mkdir(parents=True)
        corpus = corpus.resolve()
        store = Path(tmp) / "store"
        store.mkdir()
        files = build_corpus(data, corpus)
        findings = run_lore(a.lore, corpus, store)
        catalog = lesson_catalog(a.lore, store)
        rows, totals = analyse(files, findings, corpus, catalog, a.examples)
        if a.json:
            json.dump(dict(lore=a.lore, data=str(data), totals=totals, lessons=rows), sys.stdout, indent=2)
            print()
        else:
            print(markdown(rows, totals, a.lore, catalog))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
