"""`dangke jobs`: the background jobs workers hold now and how long ago each last beat;
`--fail-stale` fails those whose worker stopped (for a timer on servers whose workers sit
idle, since workers otherwise sweep when they start a task)."""

from django.core.management.base import BaseCommand

from dangke.core.jobs import fail_stale_jobs, working_jobs


class Command(BaseCommand):
    help = "列出正在运行的后台任务及其心跳；--fail-stale 将心跳停止的任务标记为失败"
    # Run from a timer: the web tier and `dangke check --deploy` check the configuration.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--fail-stale", action="store_true", help="将心跳停止的任务标记为失败")

    def handle(self, *args, fail_stale, **options):
        if fail_stale:
            failed = {name: n for name, n in fail_stale_jobs().items() if n}
            for name, n in failed.items():
                self.stdout.write(f"{name}：{n} 个心跳停止，已标记为失败")
            if not failed:
                self.stdout.write("没有心跳停止的任务")
        rows = list(working_jobs())
        if not rows:
            self.stdout.write("没有正在运行的后台任务")
        for model, job, age in rows:
            beat = "无心跳" if age is None else f"{age:.0f} 秒前心跳"
            # The job's own test, so a confirmed import still queued is not called stale.
            stale = "（已超时）" if job.is_stale else ""
            self.stdout.write(f"{model._meta.verbose_name} #{job.pk}：{beat}{stale}")
