"""Timing driver for tests/bench/check_speed.sh (run it through that script, which prepares the
corpus and the tools' venv and passes every argument).

For each tool it runs one untimed warm-up that also captures the output (to count findings), then
N timed runs with output discarded, and reports the median wall time. With `hyperfine` on PATH the
timed runs are done by hyperfine (`-N`, no shell); otherwise by this script (time.perf_counter).

Rows:
  lore      `lore check . --format json --store <empty dir>` (all built-in lessons)
  semgrep   the 18 rules of tests/bench/semgrep-rules.yml, `-j 2`, offline
  ruff      `ruff check --select ALL --no-cache --exit-zero --isolated` (800+ rules)
  parse     tree-sitter parsing alone: py-tree-sitter + tree-sitter-python 0.25, one core,
            in-process, files already in memory (a floor for any tree-sitter based checker)
  parse+query  same, plus one pass of all lore lessons' queries compiled into one query
            (what lore does per file, minus Rust/rayon), when py-tree-sitter can compile it

All tools are run with the corpus directory as working directory and `.` as the target, so
semgrep picks up the corpus's own .semgrepignore (which disables its default test/ exclusions).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def run_capture(cmd, cwd, env):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr


def time_python(cmd, cwd, env, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def time_hyperfine(cmd, cwd, env, runs, workdir):
    out = Path(workdir) / "hyperfine.json"
    hf = [
        "hyperfine", "-N", "-i", "--style", "none", "--warmup", "0", "--runs", str(runs),
        "--export-json", str(out), shlex.join(cmd),
    ]
    subprocess.run(hf, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    data = json.loads(out.read_text())
    return data["results"][0]["times"]


def fmt_s(x):
    return f"{x:.2f} s" if x >= 0.1 else f"{x * 1000:.0f} ms"


def tree_sitter_rows(corpus, runs, lessons):
    """Parse-only (and parse+query) timings with py-tree-sitter on one core."""
    try:
        import tree_sitter
        import tree_sitter_python
    except ImportError as e:  # pragma: no cover
        print(f"(tree-sitter rows skipped: {e})", file=sys.stderr)
        return []
    lang = tree_sitter.Language(tree_sitter_python.language())
    parser = tree_sitter.Parser(lang)
    sources = [p.read_bytes() for p in sorted(Path(corpus).rglob("*.py"))]
    rows = []

    def bench(fn):
        fn()  # warm-up
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return ts

    rows.append(("tree-sitter parse only (py-tree-sitter, 1 core, in-process)",
                 bench(lambda: [parser.parse(s) for s in sources]), None, ""))

    query = None
    if lessons:
        try:
            query = tree_sitter.Query(lang, "\n".join(l["query"] for l in lessons))
        except Exception as e:  # noqa: BLE001 - report and skip the row
            print(f"(parse+query row skipped: py-tree-sitter cannot compile the combined query: {e})",
                  file=sys.stderr)
    if query is not None:
        cursor_cls = getattr(tree_sitter, "QueryCursor", None)

        def parse_and_query():
            n = 0
            for s in sources:
                tree = parser.parse(s)
                if cursor_cls is not None:
                    n += len(cursor_cls(query).matches(tree.root_node))
                else:
                    n += len(query.matches(tree.root_node))
            return n

        n = parse_and_query()
        rows.append((f"tree-sitter parse + {len(lessons)} lessons' combined query "
                     "(py-tree-sitter, 1 core, no requires/suppression)",
                     bench(parse_and_query), n, "raw query matches"))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lore", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--venv", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--files", type=int, required=True)
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-parse", action="store_true")
    ap.add_argument("--no-hyperfine", action="store_true", help="time in Python even if hyperfine is installed")
    a = ap.parse_args()

    corpus = os.path.abspath(a.corpus)
    lore = os.path.abspath(a.lore)
    venv_bin = os.path.join(os.path.abspath(a.venv), "bin")
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    store = Path(tempfile.mkdtemp(prefix="store-", dir=work))  # empty store: built-in packs only
    atexit.register(shutil.rmtree, store, True)

    env = dict(os.environ)
    env.update({
        "SEMGREP_ENABLE_VERSION_CHECK": "0",
        "SEMGREP_SEND_METRICS": "off",
        "NO_COLOR": "1",
    })
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")

    semgrep_cmd = [
        os.path.join(venv_bin, "semgrep"), "scan", "--config", os.path.abspath(a.rules),
        "--metrics=off", "--disable-version-check", "--oss-only", "-j", "2", "--json", "--quiet", ".",
    ]
    ruff_cmd = [
        os.path.join(venv_bin, "ruff"), "check", "--select", "ALL", "--no-cache", "--exit-zero",
        "--isolated", "--output-format", "json", ".",
    ]
    lore_cmd = [lore, "check", ".", "--format", "json", "--store", str(store)]

    use_hf = shutil.which("hyperfine") is not None and not a.no_hyperfine
    timer = "hyperfine (-N, median of %d runs after 1 warm-up)" % a.runs if use_hf else \
        "python perf_counter (median of %d runs after 1 warm-up)" % a.runs

    def versions(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, env=env).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001
            return "?"

    build = "release" if "/release/" in lore else ("debug" if "/debug/" in lore else "custom")

    results = []  # (label, times, findings, note)
    per_rule = {}

    # lore
    rc, out, err = run_capture(lore_cmd, corpus, env)
    if rc not in (0, 1):
        print(f"lore check failed (exit {rc}):\n{err}", file=sys.stderr)
        sys.exit(2)
    lore_findings = json.loads(out or "[]")
    lore_by_id = Counter(f["lesson_id"] for f in lore_findings)
    times = time_hyperfine(lore_cmd, corpus, env, a.runs, work) if use_hf else time_python(lore_cmd, corpus, env, a.runs)
    results.append((f"lore check ({build} build, all built-in lessons)", times, len(lore_findings), ""))

    # semgrep
    rc, out, err = run_capture(semgrep_cmd, corpus, env)
    sem = json.loads(out) if out.strip() else {"results": [], "errors": [{"message": err[-500:]}], "paths": {}}
    sem_by_id = Counter(r["check_id"].rsplit(".", 1)[-1] for r in sem["results"])
    scanned = len(sem.get("paths", {}).get("scanned", []))
    sem_errors = len(sem.get("errors", []))
    n_rules = len(set(sem_by_id) | set(_rule_ids(a.rules)))
    times = time_hyperfine(semgrep_cmd, corpus, env, a.runs, work) if use_hf else time_python(semgrep_cmd, corpus, env, a.runs)
    note = f"{scanned} files scanned" + (f", {sem_errors} errors" if sem_errors else "")
    results.append((f"semgrep {versions([semgrep_cmd[0], '--version'])} ({n_rules} rules, -j 2)", times,
                    len(sem["results"]), note))

    # ruff
    rc, out, err = run_capture(ruff_cmd, corpus, env)
    ruff_findings = json.loads(out or "[]")
    times = time_hyperfine(ruff_cmd, corpus, env, a.runs, work) if use_hf else time_python(ruff_cmd, corpus, env, a.runs)
    results.append((f"{versions([ruff_cmd[0], '--version'])} check --select ALL", times, len(ruff_findings), ""))

    # tree-sitter only
    if not a.skip_parse:
        lessons = []
        rc, out, err = run_capture([lore, "lessons", "list", "--json", "--store", str(store)], corpus, env)
        if rc == 0:
            try:
                lessons = [l for l in json.loads(out) if l.get("query")]
            except json.JSONDecodeError:
                lessons = []
        results.extend(tree_sitter_rows(corpus, a.runs, lessons))

    lore_med = statistics.median(results[0][1])
    print(f"## lore check speed: {a.files} files, {a.lines:,} lines "
          f"(pandas/core + sklearn/linear_model), {os.cpu_count()} cores")
    print()
    print(f"lore binary: `{lore}` ({build} build). Timing: {timer}.")
    print()
    print("| tool | wall time (median) | min – max | findings | time / lore |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, ts, n, note in results:
        med = statistics.median(ts)
        ratio = med / lore_med
        rtxt = "1.0×" if label.startswith("lore") else f"{ratio:.1f}×"
        ntxt = "–" if n is None else f"{n:,}"
        if note:
            ntxt += f" ({note})"
        print(f"| {label} | {fmt_s(med)} | {fmt_s(min(ts))} – {fmt_s(max(ts))} | {ntxt} | {rtxt} |")
    print()
    sem_med = statistics.median(results[1][1])
    verdict = "meets" if sem_med / lore_med >= 10 else "does NOT meet"
    ruff_med = statistics.median(results[2][1])
    vs_ruff = (f"{ruff_med / lore_med:.1f}× faster than ruff" if ruff_med >= lore_med
               else f"{lore_med / ruff_med:.1f}× slower than ruff --select ALL")
    print(f"lore is {sem_med / lore_med:.1f}× faster than semgrep ({verdict} the 10× target) and {vs_ruff}.")
    print()
    print("Findings of the 18 mirrored rules (same ids), lore vs semgrep on the same corpus:")
    print()
    print("| lesson / rule | lore | semgrep |")
    print("| --- | ---: | ---: |")
    for rid in _rule_ids(a.rules):
        print(f"| {rid} | {lore_by_id.get(rid, 0)} | {sem_by_id.get(rid, 0)} |")
    print()
    other = sum(n for k, n in lore_by_id.items() if k not in set(_rule_ids(a.rules)))
    print(f"lore findings of its other lessons: {other} "
          f"({', '.join(f'{k} {n}' for k, n in lore_by_id.most_common() if k not in set(_rule_ids(a.rules)))})")


def _rule_ids(path):
    """Rule ids from the semgrep YAML without needing PyYAML (lines `  - id: name`)."""
    ids = []
    for line in Path(path).read_text().splitlines():
        s = line.strip()
        if s.startswith("- id:"):
            ids.append(s.split(":", 1)[1].strip())
    return ids


if __name__ == "__main__":
    main()
