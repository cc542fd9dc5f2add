"""`dangke schedule --input problem.json --output plan.json [--greedy]`: the scheduling
engine on a file of the spec's format, outside the web app. Same behaviour as
`python -m engines.scheduling`: invalid input is reported field by field, the command exits
non-zero and no plan file is written. The console script usually runs it before Django
starts (dangke.delivery.schedule_file); this command serves `--help`, Django's own options
and `call_command`."""

from django.core.management.base import BaseCommand, CommandError

from dangke.delivery.schedule_file import HELP, REFUSED, WRITTEN, engine_argv
from engines.scheduling.cli import main


class Command(BaseCommand):
    help = HELP["command"]
    # A file in, a file out: no database, no URLs. The system checks (which load every
    # URLconf) cost several times the solve of a city month (docs/benchmarks.md).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help=HELP["input"])
        parser.add_argument("--output", required=True, help=HELP["output"])
        parser.add_argument("--greedy", action="store_true", help=HELP["greedy"])
        parser.add_argument("--time-limit", type=float, help=HELP["time_limit"])

    def handle(self, *args, input, output, greedy, time_limit, **options):
        code = main(engine_argv(input, output, greedy, time_limit))
        if code != 0:
            raise CommandError(REFUSED, returncode=code)
        self.stdout.write(WRITTEN.format(output=output))
