"""`dangke schedule --input problem.json --output plan.json`, started without Django.

The command is the scheduling engine behind a file: it reads no database, settings or
app, yet as a management command it paid for Django's start (every app's models, 0.4 s:
more than a city month's solve, a seventh of a city year's run; docs/benchmarks.md). The
console script hands the command's own options here before Django starts; anything else
(`--help`, `--settings`, `--verbosity` …) goes to the management command, which says and
does the same through Django.
"""

import argparse
import sys

WRITTEN = "排课方案已写入 {output}"
REFUSED = "输入有误（见上方逐条说明），未写出排课方案"
HELP = {
    "command": "按 shared/specs/scheduling.md 的格式排课：读入问题 JSON，写出方案 JSON",
    "input": "排课问题 JSON 文件",
    "output": "要写出的排课方案 JSON 文件",
    "greedy": "用贪心基线（就近安排）代替最优求解",
    "time_limit": "求解时限（秒）",
}


def engine_argv(input: str, output: str, greedy: bool, time_limit: float | None) -> list[str]:
    """The command's options as `python -m engines.scheduling` takes them."""
    argv = ["--input", input, "--output", output]
    if greedy:
        argv.append("--greedy")
    if time_limit is not None:
        argv += ["--time-limit", str(time_limit)]
    return argv


def run_before_django(args: list[str]) -> int | None:
    """Run `dangke schedule ARGS` and return its exit code, or None when ARGS hold anything
    but the command's own options (then Django runs the command)."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    parser.add_argument("--input")
    parser.add_argument("--output")
    parser.add_argument("--greedy", action="store_true")
    parser.add_argument("--time-limit", type=float)
    try:
        known, rest = parser.parse_known_args(args)
    except argparse.ArgumentError:
        return None
    if rest or known.input is None or known.output is None:
        return None

    from engines.scheduling.cli import main

    code = main(engine_argv(known.input, known.output, known.greedy, known.time_limit))
    if code != 0:
        # as Django reports a CommandError, so both ways read the same
        print(f"CommandError: {REFUSED}", file=sys.stderr)
        return code
    print(WRITTEN.format(output=known.output))
    return 0
