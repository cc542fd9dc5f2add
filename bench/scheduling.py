"""Scheduling benchmark: the exact min-cost-flow plan against the greedy baseline.

`run()` measures each case in a fresh subprocess (so peak memory is that run's own),
prints a table and returns the rows. Standalone: `python -m bench.scheduling`; add
`--write-docs` to put the table into the "Scheduling" section of docs/benchmarks.md.
"""

import json
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
CASES = {
    "city month": {"seed": 1, "teachers": 500, "orders": 1000, "months": 1},
    "city month, scarce teachers": {"seed": 1, "teachers": 150, "orders": 1000, "months": 1},
    "city year": {"seed": 2, "teachers": 500, "orders": 10000, "months": 12},
}
METHODS = ("exact", "greedy")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _child(case: str, method: str) -> dict:
    """One measurement; runs inside its own process."""
    from engines.scheduling import check, generate, greedy, load_problem, solve

    problem = load_problem(generate(**CASES[case]))
    before = _peak_rss_mb()
    plan = solve(problem) if method == "exact" else greedy(problem)
    after = _peak_rss_mb()
    errors = check(problem, plan)
    return {
        "case": case, "method": method, "orders": len(problem.orders),
        "teachers": len(problem.teachers), "options": plan.stats["options"],
        "value": plan.objective, "upper_bound": plan.upper_bound,
        "served": len(plan.assignments), "unserved": len(plan.unserved),
        "km": plan.stats["km_travelled"], "seconds": plan.solve_seconds,
        "peak_rss_mb": after, "rss_before_mb": before, "feasible": not errors,
    }  # fmt: skip


def run() -> list[dict]:
    rows = []
    for case in CASES:
        for method in METHODS:
            out = subprocess.run(
                [sys.executable, "-m", "bench.scheduling", "--child", case, method],
                cwd=ROOT, capture_output=True, text=True, check=True,
            )  # fmt: skip
            rows.append(json.loads(out.stdout))
    print(table(rows))
    return rows


def table(rows: list[dict]) -> str:
    exact = {row["case"]: row for row in rows if row["method"] == "exact"}
    lines = [
        "| case | options | method | value | vs exact | served | km total | km/lesson "
        "| seconds | peak RSS MB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        best = exact[row["case"]]
        loss = (row["value"] - best["value"]) / best["value"] * 100
        per_lesson = row["km"] / max(1, row["served"])
        lines.append(
            f"| {row['case']} ({row['orders']:,} orders, {row['teachers']} teachers) "
            f"| {row['options']:,} | {row['method']} | {row['value']:,.0f} | {loss:+.2f} % "
            f"| {row['served']:,} | {row['km']:,.0f} | {per_lesson:.1f} | {row['seconds']:.2f} "
            f"| {row['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    """What the table says, in sentences."""
    exact = {row["case"]: row for row in rows if row["method"] == "exact"}
    lines = []
    for row in rows:
        if row["method"] != "greedy":
            continue
        best = exact[row["case"]]
        loss = (best["value"] - row["value"]) / best["value"] * 100
        km_ratio = (row["km"] / max(1, row["served"])) / (best["km"] / max(1, best["served"]))
        lines.append(
            f"- {row['case']}: greedy loses {loss:.1f} % of the value, serves "
            f"{best['served'] - row['served']:,} fewer orders and sends teachers "
            f"{(km_ratio - 1) * 100:+.0f} % km per lesson compared with the exact plan "
            f"({best['options']:,} options, exact in {best['seconds']:.2f} s)."
        )
    return "\n".join(lines)


def _machine() -> str:
    model = platform.processor() or "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_docs(rows: list[dict], date: str) -> None:
    """Replace (or append) the "## Scheduling" section, leaving other sections alone."""
    section = SECTION.format(
        date=date, machine=_machine(), table=table(rows), summary=summary(rows)
    ).strip()
    section += "\n"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    start = text.find("\n## Scheduling\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[: start + 1] + section + (text[end:] if end != -1 else "")
    DOCS.write_text(text, encoding="utf-8")


SECTION = """
## Scheduling

`python -m bench.scheduling` ({date}; {machine}). Instances from
`engines.scheduling.generate` (Leshan-like city: homes near the 11 county seats,
villages scattered around them, Zipf-like course demand, 30 % category-only orders,
10 % of days unavailable, default weights). *exact* is the min-cost flow of
`engines.scheduling.solve` (gap to the proven bound below 10⁻⁶, only cost rounding);
*greedy* takes orders by date and size and gives each the nearest teacher with room.
Times are `solve_seconds` (options, network, solve, reasons, value), without reading
the JSON; peak RSS is the whole measuring process. Every plan passes `check()`.

{table}

{summary}

When teachers are plentiful, greedy's nearest-teacher rule travels a little *less* than
the exact plan, which accepts longer trips for better-rated teachers, uncovered
organisations and a lighter load on busy teachers; the spec's "20–60 % farther" shows only
when teachers are scarce, where greedy's early choices force long trips later.
"""


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child(sys.argv[2], sys.argv[3])))
    else:
        results = run()
        if "--write-docs" in sys.argv:
            write_docs(results, date="2026-11-22")
