"""`dangke judge_warnings`: the day's early-warning levels of every pool teacher, judged and
kept ahead of the offices' first reads (for cron, daily just after midnight)."""

import time

from django.core.management.base import BaseCommand

from dangke.advice.services import judge_the_day


class Command(BaseCommand):
    help = (
        "判定并保存师资库全体教师当日的预警等级，免得当天第一个打开工作台的人等待"
        "（建议每天零点后运行一次）"
    )
    # Run from a timer: the web tier and `dangke check --deploy` check the configuration.
    requires_system_checks = []

    def handle(self, *args, **options):
        started = time.monotonic()
        judged = judge_the_day()
        self.stdout.write(
            f"判定当日预警等级的教师 {judged:,} 名（当日已判定的不再重复），"
            f"用时 {time.monotonic() - started:.1f} 秒"
        )
