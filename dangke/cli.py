"""The `dangke` console script: Django's manage.py under a name an office can remember."""

import os
import sys


def main() -> None:
    argv = list(sys.argv)
    # Hyphenated spellings (`dangke demo-accounts`) read better on the command line than
    # Python module names allow; Django's own commands have no hyphens to clash with.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    # `dangke schedule` is the engine behind a file: it runs before Django is imported,
    # which would cost it 0.4 s of loading every app (dangke.delivery.schedule_file).
    if len(argv) > 1 and argv[1] == "schedule":
        from dangke.delivery.schedule_file import run_before_django

        code = run_before_django(argv[2:])
        if code is not None:
            sys.exit(code)
    # `dangke demo` builds the demonstration: its data and pages are made to be looked at,
    # so it runs with DEBUG unless DANGKE_DEBUG says otherwise (everything else: DEBUG off).
    if len(argv) > 1 and argv[1] == "demo":
        os.environ.setdefault("DANGKE_DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangke.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
