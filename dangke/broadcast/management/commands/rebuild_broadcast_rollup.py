"""`dangke rebuild_broadcast_rollup`: the loudspeaker plays' rollup recounted from the plays."""

import time

from django.core.management.base import BaseCommand

from dangke.broadcast.rollup import rebuild


class Command(BaseCommand):
    help = "从大喇叭播放记录重建播放月度汇总（播放次数、收听人次、时长）"

    def add_arguments(self, parser):
        parser.add_argument("--region", help="只重建该区划之内（按县级代码），如 5111 或 511102")

    def handle(self, *args, region, **options):
        started = time.monotonic()
        rows = rebuild(region)
        self.stdout.write(f"已重建播放月度汇总：{rows:,} 行（{time.monotonic() - started:.1f} 秒）")
