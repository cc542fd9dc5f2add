"""Delivery analyses: a teacher's recording of a lesson and the coaching report made from it.

The report is the engine's plain data (`engines.speech`), kept as it was computed; a
teacher's hand-set boundaries between knowledge points are kept beside it
(`boundary_starts`) and applied when the report is read, so the machine's figures and the
correction can always be told apart.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.jobs import BackgroundJob


class AnalysisState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("分析中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("分析失败")


# Which state may follow which; `services` moves an analysis only along these edges.
STATE_TRANSITIONS = {
    AnalysisState.QUEUED: {AnalysisState.RUNNING, AnalysisState.FAILED},
    AnalysisState.RUNNING: {AnalysisState.DONE, AnalysisState.FAILED},
    AnalysisState.DONE: {AnalysisState.QUEUED},
    AnalysisState.FAILED: {AnalysisState.QUEUED},
}
RUNNING_STATES = (AnalysisState.QUEUED, AnalysisState.RUNNING)


def recording_path(instance, filename):
    return f"insights/{instance.teacher_id}/{filename}"


class DeliveryAnalysis(BackgroundJob):
    """One recording of one teacher giving one course (optionally a recorded lesson)."""

    STATE_TRANSITIONS = STATE_TRANSITIONS
    WORKING_STATES = (AnalysisState.RUNNING,)
    FAILED_STATE = AnalysisState.FAILED

    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("授课师资"),
        on_delete=models.CASCADE,
        related_name="delivery_analyses",
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="delivery_analyses",
    )
    lesson = models.ForeignKey(
        "delivery.Lesson",
        verbose_name=_("授课活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivery_analyses",
    )
    entry = models.ForeignKey(
        "contests.ContestEntry",
        verbose_name=_("参赛作品"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delivery_analyses",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    # Set to `region` while the teacher (or their group leader) shares the report with the
    # region's office; empty, the office does not see it.
    shared_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("共享给"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("说明"), max_length=200, blank=True)
    recording = models.FileField(_("录音录像"), upload_to=recording_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    size_bytes = models.BigIntegerField(_("文件大小"), default=0)
    outline = models.JSONField(_("对照提纲"), default=list, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=AnalysisState.choices, default=AnalysisState.QUEUED
    )
    progress = models.FloatField(_("进度"), default=0.0)
    progress_label = models.CharField(_("当前步骤"), max_length=64, blank=True)
    message = models.TextField(_("说明"), blank=True)
    report = models.JSONField(_("分析报告"), default=dict, blank=True)
    boundary_starts = models.JSONField(
        _("人工校正的分段起点(秒)"),
        default=list,
        blank=True,
        help_text=_("每个知识点一项，空为自动"),
    )
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # A coaching report is private to the teacher and the leaders of their teaching groups;
    # the region's office sees it only once shared.
    scope_rules = ScopeRules(
        region="shared_region__code", teacher="teacher_id", group="teacher__groups"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("授课分析")
        verbose_name_plural = _("授课分析")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["teacher", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AnalysisState.values), name="deliveryanalysis_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=1),
                name="deliveryanalysis_progress_range",
            ),
        ]

    def __str__(self):
        return f"{self.teacher} · {self.course} · {self.original_name}"

    def get_absolute_url(self):
        return reverse("insights:detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def is_shared(self) -> bool:
        return self.shared_region_id is not None

    @property
    def has_report(self) -> bool:
        return bool(self.report)
