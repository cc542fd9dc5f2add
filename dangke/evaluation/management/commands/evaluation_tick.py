"""`dangke evaluation_tick`: the periodic chores of evaluation, for cron (e.g. hourly):
send follow-ups that have opened, re-evaluate rectifications past their deadline, and
rewrite closed surveys' answer sheets in a random storage order (see evaluation.anonymity),
and move the evaluation rollup's `closed_by` on (see evaluation.year_rollup)."""

from django.core.management.base import BaseCommand

from dangke.evaluation.anonymity import scatter_closed_surveys
from dangke.evaluation.consequences import review_due_rectifications
from dangke.evaluation.services import send_due_follow_ups
from dangke.evaluation.year_rollup import advance


class Command(BaseCommand):
    help = (
        "发送已到期的效果回访通知，对到期整改进行复评，"
        "打乱已结束测评的答卷存储顺序，推进测评年度汇总（建议每小时运行一次）"
    )
    # Run from a timer: the web tier and `dangke check --deploy` check the configuration.
    requires_system_checks = []

    def handle(self, *args, **options):
        sent = send_due_follow_ups()
        outcome = review_due_rectifications()
        scattered = scatter_closed_surveys()
        recounted = advance()
        self.stdout.write(
            f"回访通知 {sent} 个；到期整改复评：通过 {outcome['passed']}，"
            f"下架 {outcome['withdrawn']}，样本不足待定 {outcome['undecided']}；"
            f"打乱存储顺序的已结束测评 {scattered} 个；"
            f"重新汇总有测评结束的县（年度）{recounted} 个"
        )
