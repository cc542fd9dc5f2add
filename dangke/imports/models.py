from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules, as_scope
from dangke.core.jobs import BackgroundJob


class ImportKind(models.TextChoices):
    ORGANIZATIONS = "organizations", _("基层党组织")
    TEACHERS = "teachers", _("师资")
    COURSES = "courses", _("课程")
    BROADCAST_PLAYS = "broadcast_plays", _("大喇叭播放记录")
    MEMBERS = "members", _("党员名册")


class ImportState(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    VALIDATING = "validating", _("检查中")
    INVALID = "invalid", _("有错误")
    VALID = "valid", _("待确认")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已导入")
    FAILED = "failed", _("导入失败")


# Which state may follow which; `services` moves a job only along these edges.
STATE_TRANSITIONS = {
    ImportState.UPLOADED: {ImportState.VALIDATING, ImportState.FAILED},
    ImportState.VALIDATING: {ImportState.VALID, ImportState.INVALID, ImportState.FAILED},
    ImportState.VALID: {ImportState.IMPORTING},
    ImportState.IMPORTING: {ImportState.DONE, ImportState.INVALID, ImportState.FAILED},
    ImportState.INVALID: set(),
    ImportState.DONE: set(),
    ImportState.FAILED: set(),
}
RUNNING_STATES = (ImportState.UPLOADED, ImportState.VALIDATING, ImportState.IMPORTING)


def upload_path(instance, filename):
    return f"imports/{instance.created_by_id}/{filename}"


class ImportJobQuerySet(ScopedQuerySet):
    def visible_to(self, scope_or_user) -> "ImportJobQuerySet":
        """A job is seen by its creator and by the admins of its region (a city admin sees
        the counties' jobs); organisers, who see the region's data, do not see uploads."""
        scope = as_scope(scope_or_user)
        if scope.is_superuser and not scope.region_codes:
            return self.all()
        condition = Q(created_by_id=scope.user_id) if scope.user_id else Q(pk__in=[])
        for code in scope.region_codes:
            if scope.manages_region(code):
                condition |= Q(region__code__startswith=code)
        return self.filter(condition)


class ImportJob(BackgroundJob):
    """One uploaded workbook on its way from upload through checking to an atomic import.
    Nothing reaches the domain tables before the importer confirms a clean check."""

    STATE_TRANSITIONS = STATE_TRANSITIONS
    WORKING_STATES = (ImportState.VALIDATING, ImportState.IMPORTING)
    FAILED_STATE = ImportState.FAILED

    kind = models.CharField(_("导入内容"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(_("文件"), upload_to=upload_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("导入单位区划"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ImportState.choices, default=ImportState.UPLOADED
    )
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    sheet_name = models.CharField(_("工作表"), max_length=64, blank=True)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    to_create = models.PositiveIntegerField(_("将新增"), default=0)
    to_update = models.PositiveIntegerField(_("将更新"), default=0)
    created_count = models.PositiveIntegerField(_("已新增"), default=0)
    updated_count = models.PositiveIntegerField(_("已更新"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    preview = models.JSONField(_("预览"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    # Region part of the scope; `visible_to` adds the creator and keeps organisers out.
    scope_rules = ScopeRules(region="region__code")
    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ImportState.values), name="importjob_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values), name="importjob_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES


from dangke.imports.export_jobs import ExportJob  # noqa: E402,F401  (a model of this app)
