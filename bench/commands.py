"""How long a `dangke` command takes to start, and `dangke schedule` against the engine alone.

Issue #19: an office runs `dangke` commands by hand and from timers, and `dangke schedule`
is the engine behind a file; both paid for Django's start before doing anything. Each
figure is the median of RUNS whole processes started in turn (A B A B …), so a machine that
slows down during the run slows both sides of a ratio alike:

- `dangke help` with the bytecode `make install` compiles, against the same command made to
  compile every module from source (an empty PYTHONPYCACHEPREFIX; what every start cost
  before, wherever PYTHONDONTWRITEBYTECODE is set, as on our machines);
- `dangke schedule` on a city month and a city year (engines.scheduling.generate, the cases
  of bench.scheduling) against `python -m engines.scheduling` on the same file — the engine
  with no Django, the reference of the issue's goal "within 2 × reference + 1 s".

Wall and CPU seconds and peak memory come from the operating system's accounting of each
finished child (os.wait4). `python -m bench commands`; BENCH_COMMAND_RUNS sets RUNS.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_COMMAND_RUNS", 5))
DANGKE = str(Path(sys.executable).parent / "dangke")
CASES = {
    "city month": {"seed": 1, "teachers": 500, "orders": 1000, "months": 1},
    "city year": {"seed": 2, "teachers": 500, "orders": 10000, "months": 12},
}


def _measure(argv: list[str], env: dict | None = None) -> dict:
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {child.stderr.read().decode()[-500:]}")
    child.stderr.close()
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def _pair(name_a, argv_a, name_b, argv_b, env_a=None, env_b=None) -> list[dict]:
    """RUNS runs of each, alternating; the median of each figure."""
    _measure(argv_a, env_a), _measure(argv_b, env_b)  # warm the page cache
    runs = {name_a: [], name_b: []}
    for _ in range(RUNS):
        runs[name_a].append(_measure(argv_a, env_a))
        runs[name_b].append(_measure(argv_b, env_b))
    return [
        {
            "command": name,
            **{key: statistics.median(run[key] for run in measured) for key in measured[0]},
        }
        for name, measured in runs.items()
    ]


def _problem_file(directory: str, case: str) -> str:
    from engines.scheduling import generate

    path = os.path.join(directory, f"{case.replace(' ', '-')}.json")
    with open(path, "w", encoding="utf-8") as out:
        json.dump(generate(**CASES[case]), out, ensure_ascii=False)
    return path


def run() -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        from_source = {**os.environ, "PYTHONPYCACHEPREFIX": os.path.join(scratch, "no-pyc")}
        rows += _pair(
            "dangke help",
            [DANGKE, "help"],
            "dangke help, compiled from source at each start",
            [DANGKE, "help"],
            env_b=from_source,
        )
        for case in CASES:
            problem = _problem_file(scratch, case)
            plan = os.path.join(scratch, "plan.json")
            rows += _pair(
                f"dangke schedule, {case}",
                [DANGKE, "schedule", "--input", problem, "--output", plan],
                f"python -m engines.scheduling, {case} (reference)",
                [sys.executable, "-m", "engines.scheduling", "--input", problem, "--output", plan],
            )
    print(table(rows))
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| command | wall s (median) | CPU s | peak MB |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {row['command']} | {row['wall']:.2f} | {row['cpu']:.2f} | {row['peak_mb']:.0f} |"
        for row in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    run()
