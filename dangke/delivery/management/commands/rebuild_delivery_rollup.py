"""`dangke rebuild_delivery_rollup`: the year's delivery rollup recomputed from the lessons
and the orders."""

import time

from django.core.management.base import BaseCommand

from dangke.delivery.rollup import rebuild


class Command(BaseCommand):
    help = (
        "从授课活动和点单原始记录重建年度授课汇总"
        "（场次、参学、覆盖组织及覆盖汇总、授课师资、师资月度授课、点单）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只重建该年度（默认全部年度）")
        parser.add_argument("--region", help="只重建该区划之内（按县级代码），如 5111 或 511102")

    def handle(self, *args, year, region, **options):
        started = time.monotonic()
        counts = rebuild(year, region)
        self.stdout.write(
            f"已重建年度授课汇总：汇总行 {counts['tallies']:,} 行，覆盖组织标记 "
            f"{counts['organizations']:,} 行，授课师资标记 {counts['teachers']:,} 行，"
            f"师资月度汇总 {counts['teacher_months']:,} 行，"
            f"点单汇总 {counts['order_tallies']:,} 行，覆盖汇总 {counts['reach_tallies']:,} 行"
            f"（{time.monotonic() - started:.1f} 秒）"
        )
