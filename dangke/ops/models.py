"""Operational rows: which task workers are alive, and probes that count task runs. Not
scoped: they describe the servers, not any region's data, and no page lists them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per `dangke db_worker` process, beaten every few seconds while it lives
    (django-tasks-db keeps no record of its workers)."""

    worker_id = models.CharField(_("工作进程标识"), max_length=64, unique=True)
    hostname = models.CharField(_("主机名"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    last_seen = models.DateTimeField(_("最近心跳"), db_index=True)
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    current_task_id = models.CharField(_("正在运行的任务"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("后台工作进程心跳")
        verbose_name_plural = _("后台工作进程心跳")

    def __str__(self):
        return f"{self.hostname}:{self.pid}"


class ProbeRun(models.Model):
    """One row per run of the `probe` task: the test that proves each queued task runs
    exactly once across several workers counts these."""

    label = models.CharField(_("标签"), max_length=64, db_index=True)
    worker_pid = models.PositiveIntegerField(_("工作进程号"))
    ran_at = models.DateTimeField(_("运行时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("探测任务运行")
        verbose_name_plural = _("探测任务运行")

    def __str__(self):
        return self.label
