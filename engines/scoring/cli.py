"""`python -m engines.scoring --input survey.json`: print a lesson's score as JSON."""

import argparse
import json
import sys

from engines.scoring.errors import ScoringError
from engines.scoring.lesson import score_lesson


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engines.scoring", description=__doc__)
    parser.add_argument("--input", required=True, help="survey JSON file ('-' for stdin)")
    parser.add_argument(
        "--exclude",
        help='JSON file with a list of exclusions, [{"responses": [positions], '
        '"reason": "..."}], added to the document\'s own "exclude"',
    )
    args = parser.parse_args(argv)
    try:
        if args.input == "-":
            doc = json.load(sys.stdin)
        else:
            with open(args.input, encoding="utf-8") as handle:
                doc = json.load(handle)
        if args.exclude:
            with open(args.exclude, encoding="utf-8") as handle:
                extra = json.load(handle)
            if isinstance(doc, dict):
                doc = {**doc, "exclude": [*(doc.get("exclude") or []), *extra]}
        result = score_lesson(doc)
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read {getattr(exc, 'filename', None) or args.input}: {exc}", file=sys.stderr)
        return 2
    except ScoringError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0
