from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules


class AuditEntry(models.Model):
    """Who changed what, when, from which value to which, and why."""

    class Action(models.TextChoices):
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        STATUS = "status", _("状态变更")
        IMPORT = "import", _("导入")
        DELETE = "delete", _("删除")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT
    )
    object_id = models.CharField(_("对象编号"), max_length=64, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200)
    field = models.CharField(_("字段"), max_length=64, blank=True)
    from_value = models.CharField(_("原值"), max_length=200, blank=True)
    to_value = models.CharField(_("新值"), max_length=200, blank=True)
    # An edit's every changed field with its old and new value as shown to the user
    # ([{"field", "label", "from", "to"}]), secrets masked (core.audit.form_changes).
    changes = models.JSONField(_("变更明细"), default=list, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    region_code = models.CharField(_("所属区划"), max_length=12, blank=True, db_index=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.object_repr} {self.get_action_display()}"


class Notification(models.Model):
    """A message for one user in the app (new lessons, results); email is only a copy."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    message = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    scope_rules = ScopeRules(user="user_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.message


class RateWindow(models.Model):
    """How many requests one key (a hashed address and what it asks for) made in one
    fixed window. `core.ratelimit.hit` counts with one atomic upsert, so concurrent
    requests are never lost, and a window ends at its boundary whatever happens in it:
    refused requests do not extend it (issue #29)."""

    key = models.CharField(_("键"), max_length=64)
    window_start = models.BigIntegerField(_("窗口起点（Unix 秒）"))
    count = models.PositiveIntegerField(_("次数"), default=0)

    class Meta:
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_window_once")
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self):
        return f"{self.key} @{self.window_start}: {self.count}"
