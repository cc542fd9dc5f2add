"""`dangke contest_tick`: for cron (e.g. daily): contests whose public notice (公示) has
ended with every objection answered are promoted — the top ten enter the excellent course
library with their certificates."""

from django.core.management.base import BaseCommand

from dangke.contests.services import promote_due_contests


class Command(BaseCommand):
    help = "公示期满且异议已处理的擂台赛：前十名纳入精品课程库并颁发证书（建议每日运行）"
    # Run from a timer: the web tier and `dangke check --deploy` check the configuration.
    requires_system_checks = []

    def handle(self, *args, **options):
        done = promote_due_contests()
        for contest in done:
            self.stdout.write(f"{contest.name}：{contest.awards.count()} 门课程纳入精品课程库")
        self.stdout.write(f"入库比赛 {len(done)} 个")
