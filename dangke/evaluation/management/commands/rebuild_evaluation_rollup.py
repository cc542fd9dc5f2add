"""`dangke rebuild_evaluation_rollup`: the evaluation figures' rollup per county and year
recomputed from the surveys and their sheets' tallies."""

import time

from django.core.management.base import BaseCommand

from dangke.evaluation.year_rollup import rebuild


class Command(BaseCommand):
    help = "从测评和答卷计数重建测评年度汇总（按县级区划和年度）"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只重建该年度（默认全部年度）")
        parser.add_argument("--region", help="只重建该区划之内（按县级代码），如 5111 或 511102")

    def handle(self, *args, year, region, **options):
        started = time.monotonic()
        written = rebuild(year, region)
        self.stdout.write(
            f"已重建测评年度汇总：{written:,} 行（{time.monotonic() - started:.1f} 秒）"
        )
