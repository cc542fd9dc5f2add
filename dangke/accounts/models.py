import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules


class User(AbstractUser):
    """A person who logs in. Trainees who rate a lesson by QR code have no account."""

    full_name = models.CharField(_("姓名"), max_length=32, blank=True)
    phone = models.CharField(_("手机号"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Role(models.TextChoices):
    REGION_ADMIN = "region_admin", _("党员教育管理员")
    ORGANISER = "organiser", _("培训主办方")
    GROUP_LEADER = "group_leader", _("教研组组长")
    TEACHER = "teacher", _("师资")
    LIAISON = "liaison", _("基层联络员")
    JUDGE = "judge", _("评委")
    # sees only the one-to-one counselling requests addressed to them (dangke/care)
    COUNSELLOR = "counsellor", _("心理咨询师")


class RoleAssignment(models.Model):
    """One role a user holds, bound to a region and, for some roles, to a group or an
    organisation. Scoping (dangke/accounts/scoping.py) reads nothing else."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所辖区划"), on_delete=models.PROTECT, related_name="+"
    )
    teaching_group = models.ForeignKey(
        "faculty.TeachingGroup",
        verbose_name=_("教研组"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("基层党组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="role_valid"),
            models.CheckConstraint(
                condition=~models.Q(role="group_leader") | models.Q(teaching_group__isnull=False),
                name="group_leader_has_group",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="liaison") | models.Q(organization__isnull=False),
                name="liaison_has_organization",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.region}"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=64, default="default")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("前缀"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self):
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name: str = "default", expires_at=None) -> str:
        key = "dk_" + secrets.token_urlsafe(32)
        cls.objects.create(
            user=user, name=name, key_hash=cls.hash_key(key), prefix=key[:8], expires_at=expires_at
        )
        return key

    @property
    def is_usable(self) -> bool:
        """Neither revoked nor past its expiry."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class LoginOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("登录成功")
    FAILED = "failed", _("密码错误")
    REFUSED = "refused", _("已锁定，拒绝尝试")


class LoginAttempt(models.Model):
    """One sign-in attempt: the history a user sees of their own account and an office of
    its region's accounts, and what throttling counts (`accounts.logins`). Failures an
    administrator unlocked keep their row, with the time they stopped counting."""

    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    user = models.ForeignKey(
        User, verbose_name=_("用户"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="login_attempts",
    )  # fmt: skip
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=200, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=LoginOutcome.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    cleared_at = models.DateTimeField(_("解锁时间"), null=True, blank=True)

    scope_rules = ScopeRules(region="region__code", user="user_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=LoginOutcome.values),
                name="login_attempt_outcome_valid",
            )
        ]

    def __str__(self):
        return f"{self.username} {self.get_outcome_display()}"
