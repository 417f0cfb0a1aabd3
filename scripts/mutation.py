"""Mutation testing of one rule module against the tests that cover it (mutmut 3).

    bash scripts/mutation.sh chain            # one module, see [tool.lupa.mutation] in pyproject
    bash scripts/mutation.sh chain retention  # several, one after the other
    bash scripts/mutation.sh --list           # the modules and their tests

Each module runs in its own scratch copy of the project under `.mutation/<module>/`, whose
pyproject.toml is the project's `[tool.mutmut]` plus that module's `only_mutate` and test
files, so a mutant of chain.py is never run against the marketing tests, and the checkout is
never mutated. mutmut then runs each mutant only against those tests that execute the mutated
function (its own per-function selection), with `-x`.

Prints the score (killed / all mutants, "no tests" and survivors count against it) and writes
`.mutation/<module>/summary.json` and `.mutation/<module>/survivors.diff` (every surviving
mutant as a diff, to judge whether it is equivalent; the accepted ones are in
docs/mutation.md).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def toml_table(name: str, table: dict[str, Any]) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items())


def modules(project: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(project["tool"]["lupa"]["mutation"])


def prepare(name: str, spec: dict[str, Any], project: dict[str, Any]) -> Path:
    work = WORK / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "browser", "auditor_browser")
    for folder in ("service", "migrations", "tests", "widget/src"):
        shutil.copytree(ROOT / folder, work / folder, ignore=ignore)
    mutmut = dict(project["tool"]["mutmut"])
    mutmut["only_mutate"] = list(spec["mutate"])
    mutmut["pytest_add_cli_args_test_selection"] = list(spec["tests"])
    pytest_ini = dict(project["tool"]["pytest"]["ini_options"])
    (work / "pyproject.toml").write_text(
        "# written by scripts/mutation.py for this module only\n"
        + toml_table("tool.mutmut", mutmut) + "\n"
        + toml_table("tool.pytest.ini_options", pytest_ini), "utf-8")
    return work


def mutmut(work: Path, *args: str, log: Path | None = None) -> str:
    exe = Path(sys.executable).with_name("mutmut")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "LUPA_TEST_DATABASE_URL", "LUPA_TEST_REDIS_URL")}
    if log is None:
        return subprocess.run([str(exe), *args], cwd=work, env=env, check=True,
                              capture_output=True, text=True).stdout
    with log.open("w") as out:
        proc = subprocess.run([str(exe), *args], cwd=work, env=env, stdout=out,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = log.read_text("utf-8", "replace")[-3000:]
        raise SystemExit(f"mutmut failed ({proc.returncode}); end of {log}:\n{tail}")
    return ""


def run_module(name: str, spec: dict[str, Any], project: dict[str, Any],
               max_children: int) -> dict[str, Any]:
    work = prepare(name, spec, project)
    started = time.monotonic()
    print(f"== {name}: {', '.join(spec['mutate'])} against {len(spec['tests'])} test file(s)",
          flush=True)
    mutmut(work, "run", "--max-children", str(max_children), log=work / "run.log")
    seconds = round(time.monotonic() - started)
    statuses: dict[str, str] = {}
    for line in mutmut(work, "results", "--all", "true").splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m:
            statuses[m.group(1)] = m.group(2).strip()
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    killed = sum(n for s, n in counts.items() if s in KILLED)
    total = len(statuses)
    survivors = sorted(k for k, s in statuses.items() if s not in KILLED)
    with (work / "survivors.diff").open("w") as out:
        for key in survivors:
            out.write(mutmut(work, "show", key) + "\n")
    summary = {"module": name, "mutate": spec["mutate"], "tests": spec["tests"],
               "total": total, "killed": killed, "counts": counts,
               "score": round(100 * killed / total, 1) if total else None,
               "seconds": seconds, "survivors": survivors}
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    print(f"   {killed}/{total} killed ({summary['score']}%) in {seconds} s; "
          f"{len(survivors)} not killed: {counts}; diffs in {work / 'survivors.diff'}",
          flush=True)
    return summary


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    known = modules(project)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="*", help=f"one of {', '.join(known)}, or 'all'")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    parser.add_argument("--max-children", type=int, default=1,
                        help="mutants run at once (default 1: the machine is shared)")
    args = parser.parse_args()
    if args.list or not args.module:
        for name, spec in known.items():
            print(f"{name}: {' '.join(spec['mutate'])}\n    tests: {' '.join(spec['tests'])}")
        return 0
    names = list(known) if args.module == ["all"] else args.module
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; known: {', '.join(known)}")
    results = [run_module(n, known[n], project, args.max_children) for n in names]
    print("\nmodule       killed/total  score  time")
    for r in results:
        print(f"{r['module']:<12} {r['killed']:>6}/{r['total']:<5} {r['score']:>5}%  "
              f"{r['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
