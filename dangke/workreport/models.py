"""A year's work report (年度工作报告) built for a region in the background: its state and
progress while the worker writes it, then the two files it offers for download."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.jobs import BackgroundJob


class ReportState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("生成失败")


# Which state may follow which; `services` moves a report only along these edges.
STATE_TRANSITIONS = {
    ReportState.QUEUED: {ReportState.RUNNING, ReportState.FAILED},
    ReportState.RUNNING: {ReportState.DONE, ReportState.FAILED},
    ReportState.DONE: set(),
    ReportState.FAILED: set(),
}
RUNNING_STATES = (ReportState.QUEUED, ReportState.RUNNING)


def report_path(instance, filename):
    return f"workreports/{instance.region_id}/{instance.year}/{filename}"


class AnnualReport(BackgroundJob):
    STATE_TRANSITIONS = STATE_TRANSITIONS
    WORKING_STATES = (ReportState.RUNNING,)
    FAILED_STATE = ReportState.FAILED

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("报告区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("标题"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ReportState.choices, default=ReportState.QUEUED
    )
    progress = models.FloatField(_("进度"), default=0.0)
    progress_label = models.CharField(_("当前步骤"), max_length=64, blank=True)
    message = models.TextField(_("说明"), blank=True)
    docx = models.FileField(_("Word 文档"), upload_to=report_path, max_length=300, blank=True)
    pdf = models.FileField(_("PDF 文档"), upload_to=report_path, max_length=300, blank=True)
    pdf_engine = models.CharField(_("PDF 生成方式"), max_length=32, blank=True)
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度工作报告")
        verbose_name_plural = _("年度工作报告")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReportState.values), name="annualreport_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1),
                name="annualreport_progress_range",
            ),
        ]

    def __str__(self):
        return self.title or f"{self.region_id} {self.year}"

    def get_absolute_url(self):
        return reverse("workreport:index")

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES
