"""`python -m engines.scheduling --input problem.json --output plan.json [--greedy]`.

Invalid input: the errors go to stderr, the exit code is 2 and no plan file is written.
The plan is written to a temporary file beside the target and renamed over it, so a
reader never sees half a plan.
"""

import argparse
import json
import os
import sys
import tempfile

from engines.scheduling.flow import solve
from engines.scheduling.greedy import greedy
from engines.scheduling.problem import ProblemError, load_problem


def write_atomically(path: str, doc: dict) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".plan-", suffix=".json", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            # dumps, not dump: dump streams through json's Python encoder (0.5 s for a city
            # year's plan), dumps builds the same text in its C encoder at once
            out.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engines.scheduling", description=__doc__)
    parser.add_argument("--input", required=True, help="problem JSON file")
    parser.add_argument("--output", required=True, help="plan JSON file to write")
    parser.add_argument("--greedy", action="store_true", help="the greedy baseline instead")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds (exact only)")
    args = parser.parse_args(argv)
    try:
        with open(args.input, encoding="utf-8") as handle:
            doc = json.load(handle)
        problem = load_problem(doc)
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read {args.input}: {exc}", file=sys.stderr)
        return 2
    except ProblemError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 2
    plan = greedy(problem) if args.greedy else solve(problem, time_limit_s=args.time_limit)
    write_atomically(args.output, plan.to_dict())
    return 0
