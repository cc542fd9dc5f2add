"""`dangke schedule --input problem.json --output plan.json [--greedy]`: the scheduling
engine on a file of the spec's format, outside the web app. Same behaviour as
`python -m engines.scheduling`: invalid input is reported field by field, the command exits
non-zero and no plan file is written."""

from django.core.management.base import BaseCommand, CommandError

from engines.scheduling.cli import main


class Command(BaseCommand):
    help = "按 shared/specs/scheduling.md 的格式排课：读入问题 JSON，写出方案 JSON"
    # A file in, a file out: no database, no URLs. The system checks (which load every
    # URLconf) cost several times the solve of a city month (docs/benchmarks.md).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="排课问题 JSON 文件")
        parser.add_argument("--output", required=True, help="要写出的排课方案 JSON 文件")
        parser.add_argument(
            "--greedy", action="store_true", help="用贪心基线（就近安排）代替最优求解"
        )
        parser.add_argument("--time-limit", type=float, help="求解时限（秒）")

    def handle(self, *args, input, output, greedy, time_limit, **options):
        argv = ["--input", input, "--output", output]
        if greedy:
            argv.append("--greedy")
        if time_limit is not None:
            argv += ["--time-limit", str(time_limit)]
        code = main(argv)
        if code != 0:
            raise CommandError("输入有误（见上方逐条说明），未写出排课方案", returncode=code)
        self.stdout.write(f"排课方案已写入 {output}")
