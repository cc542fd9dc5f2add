"""`dangke rebuild_organization_rollup`: the organisations per county and kind recounted from
the organisations, and their coverage with them."""

import time

from django.core.management.base import BaseCommand

from dangke.regions.rollup import rebuild


class Command(BaseCommand):
    help = "从基层党组织重建组织汇总（按县、类型的组织数和党员人数），并重算年度覆盖汇总"

    def add_arguments(self, parser):
        parser.add_argument("--region", help="只重建该区划之内（按县级代码），如 5111 或 511102")

    def handle(self, *args, region, **options):
        started = time.monotonic()
        rows = rebuild(region)
        self.stdout.write(f"已重建组织汇总：{rows:,} 行（{time.monotonic() - started:.1f} 秒）")
