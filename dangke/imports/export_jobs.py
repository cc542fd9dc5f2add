"""A list's Excel export too large to write while the user waits (issue #18: a province's
100,000 organisations) is written by a task: an `ExportJob` remembers the list, its filters
and sort, and whose scope it is read in; the worker writes the rows as it reads them,
reporting how many are written, and the user downloads the file from the job's page.

A small export stays immediate (`core.listing.render_list`); the threshold is
`settings.DANGKE_EXPORT_INLINE_ROWS`."""

from __future__ import annotations

import logging
import tempfile
from types import SimpleNamespace

from django.conf import settings
from django.core.files import File
from django.db import models
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.jobs import BackgroundJob

logger = logging.getLogger(__name__)


class ExportState(models.TextChoices):
    QUEUED = "queued", gettext_lazy("排队中")
    RUNNING = "running", gettext_lazy("导出中")
    DONE = "done", gettext_lazy("已完成")
    FAILED = "failed", gettext_lazy("导出失败")


def export_path(instance, filename):
    return f"exports/{instance.created_by_id}/{filename}"


class ExportJob(BackgroundJob):
    STATE_TRANSITIONS = {
        ExportState.QUEUED: {ExportState.RUNNING, ExportState.FAILED},
        ExportState.RUNNING: {ExportState.DONE, ExportState.FAILED},
        ExportState.DONE: set(),
        ExportState.FAILED: set(),
    }
    WORKING_STATES = (ExportState.RUNNING,)
    FAILED_STATE = ExportState.FAILED

    title = models.CharField(gettext_lazy("导出名称"), max_length=100)
    definition = models.CharField(gettext_lazy("列表定义"), max_length=200)
    query = models.TextField(gettext_lazy("筛选与排序"), blank=True)
    region_code = models.CharField(gettext_lazy("导出时的区划"), max_length=12, blank=True)
    state = models.CharField(
        gettext_lazy("状态"), max_length=16, choices=ExportState.choices, default=ExportState.QUEUED
    )
    rows_total = models.PositiveIntegerField(gettext_lazy("行数"), default=0)
    rows_written = models.PositiveIntegerField(gettext_lazy("已写行数"), default=0)
    message = models.TextField(gettext_lazy("说明"), blank=True)
    file = models.FileField(gettext_lazy("文件"), upload_to=export_path, max_length=300, blank=True)
    task_id = models.CharField(gettext_lazy("后台任务"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("导出人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(gettext_lazy("完成时间"), null=True, blank=True)

    # an export holds the rows its requester sees: only they may watch or download it
    scope_rules = ScopeRules(user="created_by")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("Excel 导出任务")
        verbose_name_plural = gettext_lazy("Excel 导出任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ExportState.values), name="exportjob_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(rows_written__lte=models.F("rows_total")),
                name="exportjob_rows_written_within_total",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("exports:detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.rows_written / self.rows_total) if self.rows_total else 0


def definition_path(definition) -> str:
    return f"{type(definition).__module__}.{type(definition).__qualname__}"


def request_export(request, definition, rows_total: int) -> ExportJob:
    """Queue the export of the list `definition` as `request` shows it (filters, sort)."""
    from dangke.accounts.middleware import ACTIVE_REGION_SESSION_KEY
    from dangke.core.models import AuditEntry
    from dangke.core.services import record_audit

    query = request.GET.copy()
    query.pop("export", None)
    query.pop("page", None)
    job = ExportJob.objects.create(
        title=str(definition.export_name or definition.title)[:100],
        definition=definition_path(definition),
        query=query.urlencode(),
        region_code=request.session.get(ACTIVE_REGION_SESSION_KEY) or "",
        rows_total=rows_total,
        created_by=request.user,
    )
    record_audit(
        job,
        actor=request.user,
        action=AuditEntry.Action.CREATE,
        reason=_("导出 %(rows)s 行") % {"rows": rows_total},
    )
    from dangke.imports.tasks import run_export

    result = run_export.enqueue(job.pk)
    ExportJob.objects.unscoped("the job just created").filter(pk=job.pk).update(
        task_id=str(result.id)[:64]
    )
    return job


PROGRESS_EVERY_ROWS = 2000


def run_export(job_id: int) -> str:
    """The task's body: read the list in its requester's scope, as they asked for it, and
    write the rows to the job's file as they are read."""
    from dangke.accounts.scoping import scope_for_user
    from dangke.core.export import build_workbook
    from dangke.core.listing import export_rows, list_queryset

    job = ExportJob.objects.unscoped("the worker's own job").select_related("created_by")
    job = job.get(pk=job_id)
    if job.state != ExportState.QUEUED or not job.move(ExportState.RUNNING, rows_written=0):
        return f"跳过：导出已是「{job.get_state_display()}」"
    try:
        user = job.created_by
        scope = scope_for_user(user, active_region=job.region_code or None)
        request = SimpleNamespace(user=user, scope=scope, GET=QueryDict(job.query))
        definition = import_string(job.definition)()
        queryset, counted, _sort, _form = list_queryset(definition, request)
        total = counted.order_by().count()
        job.beat(rows_total=total)

        def progress(written: int) -> None:
            job.beat(rows_written=min(written, total))

        headers = [str(column.label) for column in definition.columns]
        rows = export_rows(definition, queryset, progress=progress, every=PROGRESS_EVERY_ROWS)
        workbook = build_workbook(job.title, headers, rows)
        stamp = timezone.localdate().strftime("%Y%m%d")
        with tempfile.TemporaryFile() as spool:
            workbook.save(spool)
            spool.seek(0)
            job.file.save(f"{job.title}-{stamp}.xlsx", File(spool), save=False)
    except Exception as error:
        logger.exception("export %s failed", job.pk)
        job.fail(_("导出失败。原因：%(error)s") % {"error": f"{type(error).__name__}: {error}"})
        return job.message
    job.move(
        ExportState.DONE,
        file=job.file.name,
        rows_written=total,
        message=_("已导出 %(rows)s 行") % {"rows": total},
        finished_at=timezone.now(),
    )
    return job.message
