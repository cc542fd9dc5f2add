"""Evaluation (教学评估): indicator systems, rater roles, surveys and their answers,
reviewed comments, and the consequences scores have (rectification, promotion).

The score formula itself lives in `engines/scoring` (shared/specs/evaluation.md); these
models only hold what it needs and what it produced. Responses never name a person:
a trainee's answer stores no user, no address and no device identifier.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel


def new_public_key() -> str:
    return secrets.token_urlsafe(9)


def new_invitation_code() -> str:
    return secrets.token_urlsafe(12)


def random_row_key() -> int:
    """A random positive 63-bit primary key for answer sheets and their comments: with
    sequential ids the table's order would be the order of submission, which a database
    copy could line up with sign-in lists or invitation use (issue #17). A collision among
    2**62 keys is not a practical concern; the insert would fail rather than overwrite."""
    return secrets.randbelow(2**62) + 2**62


class RandomKeyField(models.BigIntegerField):
    """A random 64-bit primary key that is the row's storage order too: on SQLite a key
    declared "bigint" leaves a hidden sequential rowid beside it (the insertion order);
    declared "integer" it becomes the rowid itself."""

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


def version_label(year, version) -> str:
    return str(_("%(year)s年版第%(version)s版") % {"year": year, "version": version})


def full_version_label(name, year, version) -> str:
    label = version_label(year, version)
    return str(_("《%(name)s》%(version)s") % {"name": name, "version": label})


class IndicatorSystem(models.Model):
    """A weighted indicator tree (指标体系) of one region for one year.

    Once a survey has answers under it, the tree is frozen (`is_locked`): scores must stay
    recomputable from the raw answers, so later changes go into a copy."""

    name = models.CharField(_("名称"), max_length=80)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    description = models.TextField(_("说明"), blank=True)
    follow_up_days = models.PositiveSmallIntegerField(
        _("回访间隔(天)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("效果类指标在授课后多少天回访"),
    )
    follow_up_window_days = models.PositiveSmallIntegerField(
        _("回访开放天数"), default=14, validators=[MinValueValidator(1)]
    )
    version = models.PositiveSmallIntegerField(
        _("版次"),
        editable=False,
        help_text=_("同一区划同一年度的第几版：复制为同年度的新版本时加一"),
    )
    is_locked = models.BooleanField(_("已冻结"), default=False)
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("复制自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("指标体系")
        verbose_name_plural = _("指标体系")
        ordering = ["-year", "region_id", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "version"], name="indicator_system_unique_version"
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.version_label}）"

    def save(self, *args, **kwargs):
        if self.version is None:
            # The next number of the region's year; the unique constraint turns a race
            # between two offices' copies into an error rather than two equal labels.
            last = (
                IndicatorSystem.objects.unscoped("numbering versions in the region and year")
                .filter(region_id=self.region_id, year=self.year)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            self.version = (last or 0) + 1
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("evaluation:system", args=[self.pk])

    @property
    def version_label(self) -> str:
        """How an office names the version: 「2026年版第2版」."""
        return version_label(self.year, self.version)

    @property
    def full_label(self) -> str:
        """「《党员教育课程评价指标》2026年版第2版」: what a score page cites."""
        return full_version_label(self.name, self.year, self.version)


class Indicator(models.Model):
    """One node of the tree. Siblings' weights sum to 1; only leaves are rated."""

    system = models.ForeignKey(
        IndicatorSystem,
        verbose_name=_("指标体系"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级指标"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    key = models.SlugField(_("代码"), max_length=40, help_text=_("计分文件中使用的英文代码"))
    name = models.CharField(_("名称"), max_length=60)
    weight = models.DecimalField(
        _("权重"),
        max_digits=6,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    scale_min = models.SmallIntegerField(_("量表下限"), default=1)
    scale_max = models.SmallIntegerField(_("量表上限"), default=5)
    follow_up = models.BooleanField(
        _("回访评价"), default=False, help_text=_("授课当天无法判断，在回访中询问")
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评价指标")
        verbose_name_plural = _("评价指标")
        ordering = ["system_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["system", "key"], name="indicator_key_unique"),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")), name="indicator_scale_ordered"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0) & Q(weight__lte=1), name="indicator_weight_range"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def scale(self) -> tuple[int, int]:
        return (self.scale_min, self.scale_max)


class RaterKind(models.TextChoices):
    TRAINEE = "trainee", _("参训学员")
    ORGANISER = "organiser", _("组织方")
    GRASSROOTS = "grassroots", _("基层代表")
    EXPERT = "expert", _("专家")
    MEDIA = "media", _("媒体观察员")
    SECRETARY = "secretary", _("党组织书记")
    TEACHER_SELF = "self", _("授课教师自评")


# The seeds' list with the spec's example weights; a campaign may set its own.
DEFAULT_ROLE_WEIGHTS = {
    RaterKind.TRAINEE: 0.4,
    RaterKind.ORGANISER: 0.15,
    RaterKind.GRASSROOTS: 0.15,
    RaterKind.EXPERT: 0.2,
    RaterKind.MEDIA: 0.1,
}


class RaterRole(models.Model):
    """A kind of rater with its weight, the minimum responses for it to count, and the
    indicators it is asked (none listed: every leaf). Rows without a campaign are the
    system's defaults; a campaign's own rows replace them for its lessons."""

    system = models.ForeignKey(
        IndicatorSystem,
        verbose_name=_("指标体系"),
        on_delete=models.CASCADE,
        related_name="rater_roles",
    )
    campaign = models.ForeignKey(
        "delivery.Campaign",
        verbose_name=_("专项活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rater_roles",
    )
    kind = models.CharField(_("评价主体"), max_length=16, choices=RaterKind.choices)
    weight = models.DecimalField(
        _("权重"),
        max_digits=5,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    min_n = models.PositiveSmallIntegerField(_("最少答卷数"), default=1)
    asked = models.ManyToManyField(
        Indicator, verbose_name=_("询问的指标"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("评价主体")
        verbose_name_plural = _("评价主体")
        ordering = ["system_id", "campaign_id", "-weight", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "kind"],
                condition=Q(campaign__isnull=True),
                name="rater_role_default_unique",
            ),
            models.UniqueConstraint(
                fields=["system", "campaign", "kind"],
                condition=Q(campaign__isnull=False),
                name="rater_role_campaign_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=RaterKind.values), name="rater_role_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.weight}"


class SurveyKind(models.TextChoices):
    ON_SITE = "on_site", _("现场评价")
    FOLLOW_UP = "follow_up", _("效果回访")


class SurplusDecision(models.TextChoices):
    """What the office decided about trainee sheets beyond the sign-ins and the margin."""

    PENDING = "pending", _("待决定")
    COUNT_ALL = "count_all", _("全部计入")
    KEEP_CAP = "keep_cap", _("按上限计入")


class Survey(models.Model):
    """A survey (测评) of one lesson, or of a training class as a whole: on the day, or the
    follow-up for effect indicators (lessons only: a class has no host organisation to
    send it through).

    The survey is open between `opens_at` and `closes_at` and closes by itself. The on-site
    survey keeps its lesson's latest computed score (`result`, the engine's output) with the
    highest response id it saw, so a page recomputes only when answers arrived since."""

    kind = models.CharField(
        _("类型"), max_length=12, choices=SurveyKind.choices, default=SurveyKind.ON_SITE
    )
    lesson = models.ForeignKey(
        "delivery.Lesson",
        verbose_name=_("授课活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("培训班"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    title = models.CharField(_("标题"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    system = models.ForeignKey(
        IndicatorSystem,
        verbose_name=_("指标体系"),
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    main = models.ForeignKey(
        "self",
        verbose_name=_("现场评价"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    public_key = models.CharField(
        _("扫码标识"), max_length=16, unique=True, default=new_public_key, editable=False
    )
    attendance = models.PositiveIntegerField(
        _("参学人数"), default=0, help_text=_("发布门槛按此计算；默认取授课签到人数")
    )
    sheet_margin = models.PositiveSmallIntegerField(
        _("允许超出签到的学员答卷数"),
        default=2,
        help_text=_("学员答卷最多计入「签到人数 + 此数」份；超出部分保留、显示，待管理员决定"),
    )
    surplus_decision = models.CharField(
        _("超出答卷的处理"),
        max_length=12,
        choices=SurplusDecision.choices,
        default=SurplusDecision.PENDING,
    )
    follow_up_sent_at = models.DateTimeField(_("回访已通知"), null=True, blank=True)
    rows_scattered_at = models.DateTimeField(
        _("答卷存储顺序已打乱"),
        null=True,
        blank=True,
        help_text=_("测评结束后，答卷和留言按随机顺序重写一次，数据库的存储顺序不再反映提交先后"),
    )
    basis = models.JSONField(
        _("计分依据"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_(
            "发起测评时取下的指标体系版本、指标树和各评价主体权重；计分只读这里，"
            "以后再改权重也不会改变已发布的成绩"
        ),
    )
    result = models.JSONField(_("计分结果"), default=dict, blank=True)
    scored_upto = models.PositiveBigIntegerField(_("已计入答卷"), default=0)
    scored_at = models.DateTimeField(_("计分时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("成绩发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(
        region="region__code",
        organization="lesson__organization_id",
        teacher="lesson__teachers",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评")
        verbose_name_plural = _("测评")
        ordering = ["-opens_at", "-id"]
        indexes = [
            models.Index(fields=["region", "opens_at"]),
            # The year figures add up, live, the sheets of the surveys that were still open
            # when their county's year was last counted (`year_rollup`): few, found by this.
            models.Index(fields=["closes_at"], name="survey_closes_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SurveyKind.values), name="survey_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="survey_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(kind="on_site", main__isnull=True)
                | Q(kind="follow_up", main__isnull=False),
                name="survey_follow_up_has_main",
            ),
            models.CheckConstraint(
                condition=Q(surplus_decision__in=SurplusDecision.values),
                name="survey_surplus_decision_valid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("evaluation:survey", args=[self.pk])

    def is_open_at(self, moment) -> bool:
        return self.opens_at <= moment < self.closes_at

    @property
    def on_site(self) -> Survey:
        return self.main if self.kind == SurveyKind.FOLLOW_UP else self


DEFAULT_WINDOW = timedelta(hours=24)  # after the lesson's start, per the issue


class Response(models.Model):
    """One submitted answer sheet. Anonymous by construction: it names no user, keeps no
    address or device identifier, and its time is kept only to the hour. `nonce` is the
    random number of the form it was sent from, so a re-sent form is not counted twice."""

    id = RandomKeyField(primary_key=True, default=random_row_key, editable=False)
    survey = models.ForeignKey(
        Survey, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="responses"
    )
    role = models.CharField(_("评价主体"), max_length=16, choices=RaterKind.choices)
    answers = models.JSONField(_("各指标得分"), default=dict)
    nonce = models.CharField(_("表单编号"), max_length=32)
    submitted_hour = models.DateTimeField(_("提交时段"))

    scope_rules = ScopeRules(region="survey__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["survey_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "nonce"], name="response_nonce_once"),
            models.CheckConstraint(condition=Q(role__in=RaterKind.values), name="response_role"),
        ]

    def __str__(self):
        return f"{self.survey} #{self.pk}"


class Invitation(models.Model):
    """A one-time code for a named rater (expert, media observer, organiser, grassroots
    representative, secretary). It is spent in the same transaction as the response it
    admits; the response does not point back to it."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="invitations"
    )
    role = models.CharField(_("评价主体"), max_length=16, choices=RaterKind.choices)
    name = models.CharField(_("受邀人"), max_length=40)
    code = models.CharField(
        _("邀请码"), max_length=24, unique=True, default=new_invitation_code, editable=False
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Kept to the hour, like an answer sheet's time: the exact minute a named rater used
    # the code would single out their sheet among the hour's.
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    scope_rules = ScopeRules(region="survey__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价邀请")
        verbose_name_plural = _("评价邀请")
        ordering = ["survey_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=RaterKind.values) & ~Q(role="trainee"),
                name="invitation_named_role",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


class CommentStatus(models.TextChoices):
    # The same review states as comments on micro-lessons.
    PENDING = "pending", _("待审核")
    PUBLIC = "public", _("公开")
    PRIVATE = "private", _("仅老师可见")
    REMOVED = "removed", _("已删除")


class SurveyComment(models.Model):
    """A free-text comment left with a response, kept apart from the ratings: it is not
    linked to the response, and nobody but the office reads it before it is reviewed."""

    id = RandomKeyField(primary_key=True, default=random_row_key, editable=False)
    survey = models.ForeignKey(
        Survey, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="comments"
    )
    role = models.CharField(_("评价主体"), max_length=16, choices=RaterKind.choices)
    body = models.TextField(_("内容"), max_length=500)
    status = models.CharField(
        _("审核状态"), max_length=8, choices=CommentStatus.choices, default=CommentStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    submitted_hour = models.DateTimeField(_("提交时段"))

    scope_rules = ScopeRules(region="survey__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评价留言")
        verbose_name_plural = _("评价留言")
        ordering = ["-submitted_hour", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CommentStatus.values), name="survey_comment_status"
            )
        ]

    def __str__(self):
        return self.body[:30]


class FeedbackRule(models.Model):
    """What scores lead to, for one region and year (课后反馈调整): courses below a score
    or in the bottom share are ordered to rectify; high scorers are proposed as 精品."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    min_responses = models.PositiveIntegerField(
        _("最少有效答卷"), default=10, help_text=_("课程累计有效答卷少于此数不作处理")
    )
    rectify_below = models.DecimalField(_("整改分数线"), max_digits=5, decimal_places=1, default=70)
    rectify_bottom_share = models.DecimalField(
        _("末位比例"),
        max_digits=4,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("如 0.05 表示得分最低的 5% 课程整改；0 表示不按末位"),
    )
    rectify_days = models.PositiveSmallIntegerField(_("整改期限(天)"), default=60)
    excellent_from = models.DecimalField(
        _("精品推荐分数线"), max_digits=5, decimal_places=1, default=90
    )
    excellent_min_lessons = models.PositiveSmallIntegerField(_("精品推荐最少场次"), default=3)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("反馈调整规则")
        verbose_name_plural = _("反馈调整规则")
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="feedback_rule_once"),
        ]

    def __str__(self):
        return f"{self.region} {self.year}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    PASSED = "passed", _("复评通过")
    WITHDRAWN = "withdrawn", _("复评未通过，已下架")
    CANCELLED = "cancelled", _("已撤销")


class Rectification(ProtectedStatusModel):
    """An order to rectify (整改) a course, caused by a rule and a score."""

    STATUS_TRANSITIONS = {
        RectificationStatus.OPEN: {
            RectificationStatus.PASSED,
            RectificationStatus.WITHDRAWN,
            RectificationStatus.CANCELLED,
        },
        RectificationStatus.PASSED: set(),
        RectificationStatus.WITHDRAWN: set(),
        RectificationStatus.CANCELLED: set(),
    }

    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="rectifications",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        FeedbackRule,
        verbose_name=_("依据规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    reason = models.TextField(_("整改原因"))
    evidence = models.JSONField(_("依据成绩"), default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("整改负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    review = models.JSONField(_("复评成绩"), default=dict, blank=True)
    created_at = models.DateTimeField(_("下达时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    scope_rules = ScopeRules(
        region="region__code", teacher="course__teachers", group="course__teaching_group_id"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RectificationStatus.values), name="rectification_status"
            ),
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(status="open"),
                name="rectification_one_open_per_course",
            ),
        ]

    def __str__(self):
        return f"{self.course} 整改"

    def get_absolute_url(self):
        return reverse("evaluation:rectification", args=[self.pk])


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    ACCEPTED = "accepted", _("已认定精品")
    DECLINED = "declined", _("未采纳")


class ExcellentProposal(ProtectedStatusModel):
    """A high-scoring course proposed for the excellent library (精品) of a year."""

    STATUS_TRANSITIONS = {
        ProposalStatus.PROPOSED: {ProposalStatus.ACCEPTED, ProposalStatus.DECLINED},
        ProposalStatus.ACCEPTED: set(),
        ProposalStatus.DECLINED: set(),
    }

    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="excellent_proposals",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    rule = models.ForeignKey(
        FeedbackRule,
        verbose_name=_("依据规则"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    evidence = models.JSONField(_("依据成绩"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code", teacher="course__teachers")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("精品推荐")
        verbose_name_plural = _("精品推荐")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "year"], name="excellent_proposal_once"),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="excellent_proposal_status"
            ),
        ]

    def __str__(self):
        return f"{self.course} {self.year} 精品推荐"


class ExclusionStatus(models.TextChoices):
    ACTIVE = "active", _("已排除")
    REVOKED = "revoked", _("已撤销")


class ResponseExclusion(ProtectedStatusModel):
    """The office's decision that a set of sheets (one integrity flag's) does not count,
    with its reason. Nothing is deleted: the sheets stay, the score is recomputed without
    them, and revoking the decision brings them back (docs/survey-integrity.md)."""

    STATUS_TRANSITIONS = {
        ExclusionStatus.ACTIVE: {ExclusionStatus.REVOKED},
        ExclusionStatus.REVOKED: set(),
    }

    survey = models.ForeignKey(
        Survey, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="exclusions"
    )
    flag = models.CharField(_("依据的提示"), max_length=16)
    summary = models.TextField(_("提示内容"), blank=True)
    responses = models.ManyToManyField(Response, verbose_name=_("排除的答卷"), related_name="+")
    reason = models.TextField(_("排除理由"))
    status = models.CharField(
        _("状态"), max_length=8, choices=ExclusionStatus.choices, default=ExclusionStatus.ACTIVE
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="survey__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("答卷排除决定")
        verbose_name_plural = _("答卷排除决定")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExclusionStatus.values), name="response_exclusion_status"
            )
        ]

    def __str__(self):
        return f"{self.survey} · {self.get_status_display()}"


class ResponseTally(models.Model):
    """How many answer sheets a survey holds per rater role: the rollup the office's figures
    (the dashboard, `dangke stats`, /api/v1/stats) add up instead of counting a province's
    millions of sheets. Each sheet adds one as it is saved (`rollups.count_response`);
    `dangke rescore` rebuilds it from the sheets (`rollups.rebuild_tallies`). It names no
    one: a count per survey and role, as the figures show."""

    survey = models.ForeignKey(
        Survey, verbose_name=_("测评"), on_delete=models.CASCADE, related_name="tallies"
    )
    role = models.CharField(_("评价主体"), max_length=16, choices=RaterKind.choices)
    responses = models.PositiveIntegerField(_("答卷数"), default=0)

    scope_rules = ScopeRules(region="survey__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("答卷计数")
        verbose_name_plural = _("答卷计数")
        constraints = [
            models.UniqueConstraint(fields=["survey", "role"], name="response_tally_once"),
            models.CheckConstraint(
                condition=Q(role__in=RaterKind.values), name="response_tally_role"
            ),
        ]

    def __str__(self):
        return f"{self.survey} {self.role}: {self.responses}"


class TeacherScoreYear(models.Model):
    """A pool teacher's published lesson scores of one year, as the early warning reads them
    (issue #18): the year's latest few scores (day, score, counted sheets, interval) and the
    year's counted sheets in all. The warnings card of a province reads two or three of these
    rows per teacher instead of every published lesson score of thirteen months. Inputs
    only, never a judgement: `engines.warnings` still decides. The score writes keep it
    (`rollups.refresh_teacher_years`, called when a lesson's score is saved) and `dangke
    rescore` rebuilds it from the surveys; tests/test_rollups.py proves it equals the raw
    computation."""

    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("师资"),
        on_delete=models.CASCADE,
        related_name="score_years",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    latest = models.JSONField(_("最近的授课得分"), default=list)
    lessons = models.PositiveIntegerField(_("已发布得分的授课场次"), default=0)
    responses = models.PositiveIntegerField(_("计入得分的答卷数"), default=0)

    scope_rules = ScopeRules(region="teacher__region__code", teacher="teacher")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("师资年度得分汇总")
        verbose_name_plural = _("师资年度得分汇总")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="teacher_score_year_once"),
        ]

    def __str__(self):
        return f"{self.teacher_id} {self.year}: {self.lessons}"


class EvaluationYear(models.Model):
    """A county's surveys of one local year (by `Survey.opens_at`, Asia/Shanghai), as the year
    figures read them (issue #18): the on-site and follow-up surveys, the on-site ones with a
    published score, and the answer sheets per rater role of those that had closed by
    `closed_by`. A province's figures add up a row per county instead of counting half a
    million surveys and their tallies; the sheets of surveys still open at `closed_by` are
    added live from `ResponseTally`, so a rater's answer never touches this table. A
    city-level survey's region (a shorter code) is a county key of its own.

    Kept by the survey writes (`year_rollup`: a save or deletion recounts its county-year
    from the raw rows on commit) and by `rollups.rebuild_tallies`; `dangke
    rebuild_evaluation_rollup` rebuilds it. Counts only, naming no one."""

    county = models.CharField(_("县级区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    surveys = models.PositiveIntegerField(_("现场测评"), default=0)
    follow_up_surveys = models.PositiveIntegerField(_("效果回访测评"), default=0)
    scores_published = models.PositiveIntegerField(_("已发布得分的现场测评"), default=0)
    closed_by = models.DateTimeField(_("已结束测评的计数时点"))
    closed_sheets = models.JSONField(
        _("已结束测评的答卷数"), default=dict, help_text=_("按评价主体：截止时点之前结束的测评")
    )

    scope_rules = ScopeRules(region="county")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测评年度汇总")
        verbose_name_plural = _("测评年度汇总")
        constraints = [
            models.UniqueConstraint(fields=["year", "county"], name="evaluation_year_once"),
        ]

    def __str__(self):
        return f"{self.county} {self.year}: {self.surveys}"
