"""The top-ten course contest (十佳课程擂台赛, seed 004): contests with stages, entries, the
judge pool, who reviews what, score sheets, objections during the public notice, and the
awards that put the top ten into the excellent course library.

Stages change only through `dangke.contests.services` (audited). Judges see entries by a
blind code: nothing on a judge's page names the entrant or their teacher.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel


def new_judge_key() -> str:
    return secrets.token_urlsafe(12)


def _material_path(instance, filename: str, kind: str) -> str:
    # Named by the blind code, never by the uploaded name (which often carries the teacher's).
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"contests/{instance.contest_id}/{instance.code}-{kind}{suffix}"


def courseware_path(instance, filename: str) -> str:
    return _material_path(instance, filename, "courseware")


def recording_path(instance, filename: str) -> str:
    return _material_path(instance, filename, "recording")


class Stage(models.TextChoices):
    REGISTRATION = "registration", _("报名")
    PREPARATION = "preparation", _("备课")
    FIRST_ROUND = "first_round", _("初赛")
    FINAL = "final", _("决赛")
    NOTICE = "notice", _("公示")
    RESULT = "result", _("结果")


STAGE_ORDER = list(Stage.values)


class ScoreBasis(models.TextChoices):
    NORMALISED = "normalised", _("标准化分（消除评委宽严差异）")
    RAW = "raw", _("原始分")


class Contest(ProtectedStatusModel):
    """One year's contest of a region. `status` is its stage."""

    STATUS_TRANSITIONS = {
        Stage.REGISTRATION: {Stage.PREPARATION},
        Stage.PREPARATION: {Stage.FIRST_ROUND},
        Stage.FIRST_ROUND: {Stage.FINAL},
        Stage.FINAL: {Stage.NOTICE},
        Stage.NOTICE: {Stage.RESULT},
        Stage.RESULT: set(),
    }

    name = models.CharField(_("名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("阶段"), max_length=16, choices=Stage.choices, default=Stage.REGISTRATION
    )
    system = models.ForeignKey(
        "evaluation.IndicatorSystem",
        verbose_name=_("评审指标体系"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    judges_per_entry = models.PositiveSmallIntegerField(
        _("每件作品评委数"), default=5, validators=[MinValueValidator(1), MaxValueValidator(15)]
    )
    finalists = models.PositiveSmallIntegerField(
        _("决赛名额"), default=15, help_text=_("初赛排名前几名进入决赛")
    )
    winners = models.PositiveSmallIntegerField(_("获奖名额"), default=10)
    blind_first_round = models.BooleanField(
        _("初赛匿名评审"), default=True, help_text=_("评委看不到参赛教师姓名与单位")
    )
    exclude_same_county = models.BooleanField(
        _("同县回避"), default=True, help_text=_("县级比赛全体参赛者同县，应关闭")
    )
    score_basis = models.CharField(
        _("排名依据"), max_length=12, choices=ScoreBasis.choices, default=ScoreBasis.NORMALISED
    )
    library_year = models.PositiveSmallIntegerField(
        _("纳入精品库年度"), help_text=_("十佳课程纳入下年度优秀课程库（默认为比赛次年）")
    )
    registration_ends = models.DateField(_("报名截止"), null=True, blank=True)
    preparation_ends = models.DateField(_("备课截止"), null=True, blank=True)
    first_round_ends = models.DateField(_("初赛截止"), null=True, blank=True)
    final_on = models.DateField(_("决赛日期"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    notice_ends = models.DateField(_("公示截止"), null=True, blank=True)
    ranking = models.JSONField(_("公示排名"), default=list, blank=True)
    promoted_at = models.DateTimeField(_("入库时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(
        region="region__code", teacher="entries__teachers", group="entries__teaching_group_id"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("擂台赛")
        verbose_name_plural = _("擂台赛")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Stage.values), name="contest_stage"),
            models.CheckConstraint(
                condition=Q(score_basis__in=ScoreBasis.values), name="contest_score_basis"
            ),
            models.CheckConstraint(
                condition=Q(finalists__gte=models.F("winners")), name="contest_finalists_cover"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("contests:detail", args=[self.pk])

    @property
    def stage_index(self) -> int:
        return STAGE_ORDER.index(self.status)


class Round(models.TextChoices):
    FIRST = "first", _("初赛")
    FINAL = "final", _("决赛")


class ContestEntry(models.Model):
    """A course entered into a contest by its teacher(s) and teaching group."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("擂台赛"), on_delete=models.CASCADE, related_name="entries"
    )
    course = models.ForeignKey(
        "courses.Course", verbose_name=_("课程"), on_delete=models.PROTECT, related_name="+"
    )
    teachers = models.ManyToManyField(
        "faculty.Teacher", verbose_name=_("参赛教师"), related_name="contest_entries"
    )
    teaching_group = models.ForeignKey(
        "faculty.TeachingGroup",
        verbose_name=_("教研组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    code = models.CharField(_("匿名编号"), max_length=8)
    outline = models.TextField(_("课程提纲"), blank=True)
    courseware = models.FileField(
        _("参赛课件"), upload_to=courseware_path, max_length=300, blank=True
    )
    recording = models.FileField(
        _("授课录像"), upload_to=recording_path, max_length=300, blank=True
    )
    finalist = models.BooleanField(_("进入决赛"), default=False)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    scope_rules = ScopeRules(
        region="contest__region__code", teacher="teachers", group="teaching_group_id"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("参赛作品")
        verbose_name_plural = _("参赛作品")
        ordering = ["contest_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "course"], name="contest_entry_once"),
            models.UniqueConstraint(fields=["contest", "code"], name="contest_entry_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.course}"

    @property
    def region_id(self) -> str:
        return self.contest.region_id


class JudgeKind(models.TextChoices):
    EXPERT = "expert", _("专家评委")
    PEER = "peer", _("参赛教师互评")


class Judge(models.Model):
    """A member of a contest's judge pool. Peer judges are competing teachers; their own
    entry, group and county are kept from them by the assignment rules. A judge opens their
    page by a secret link (`key`), on a phone, without an account."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("擂台赛"), on_delete=models.CASCADE, related_name="judges"
    )
    name = models.CharField(_("姓名"), max_length=40)
    kind = models.CharField(_("类别"), max_length=8, choices=JudgeKind.choices)
    affiliation = models.CharField(_("单位"), max_length=120, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contest_judgeships",
    )
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("师资"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    home_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("用于同县回避；市级及以上专家可留空"),
    )
    groups = models.ManyToManyField(
        "faculty.TeachingGroup", verbose_name=_("所在教研组"), blank=True, related_name="+"
    )
    conflicts = models.ManyToManyField(
        ContestEntry, verbose_name=_("申报回避的作品"), blank=True, related_name="declared_by"
    )
    in_final = models.BooleanField(_("担任决赛评委"), default=False)
    key = models.CharField(
        _("评审链接标识"), max_length=24, unique=True, default=new_judge_key, editable=False
    )

    scope_rules = ScopeRules(region="contest__region__code", user="user_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评委")
        verbose_name_plural = _("评委")
        ordering = ["contest_id", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=JudgeKind.values), name="judge_kind"),
            models.UniqueConstraint(
                fields=["contest", "teacher"],
                condition=Q(teacher__isnull=False),
                name="judge_teacher_once",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def region_id(self) -> str:
        return self.contest.region_id

    def get_judge_url(self):
        return reverse("contests:judge_home", args=[self.key])


class JudgeAssignment(models.Model):
    """One entry for one judge in one round. `manual`: placed or moved by hand."""

    entry = models.ForeignKey(
        ContestEntry, verbose_name=_("参赛作品"), on_delete=models.CASCADE, related_name="reviews"
    )
    judge = models.ForeignKey(
        Judge, verbose_name=_("评委"), on_delete=models.CASCADE, related_name="assignments"
    )
    round = models.CharField(_("轮次"), max_length=8, choices=Round.choices, default=Round.FIRST)
    manual = models.BooleanField(_("手工调整"), default=False)
    created_at = models.DateTimeField(_("分配时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="entry__contest__region__code", user="judge__user_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评审分配")
        verbose_name_plural = _("评审分配")
        ordering = ["entry_id", "judge_id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "judge", "round"], name="assignment_once"),
            models.CheckConstraint(condition=Q(round__in=Round.values), name="assignment_round"),
        ]

    def __str__(self):
        return f"{self.judge} → {self.entry.code}"

    @property
    def region_id(self) -> str:
        return self.entry.contest.region_id


class JudgeScore(models.Model):
    """One judge's sheet for one entry: a value per rubric leaf and the sheet's score
    (0–100, effective-weight mean as in shared/specs/evaluation.md)."""

    assignment = models.OneToOneField(
        JudgeAssignment, verbose_name=_("评审分配"), on_delete=models.CASCADE, related_name="sheet"
    )
    answers = models.JSONField(_("各指标得分"), default=dict)
    score = models.FloatField(_("得分"))
    comment = models.CharField(_("评语"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now=True)

    scope_rules = ScopeRules(
        region="assignment__entry__contest__region__code", user="assignment__judge__user_id"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        ordering = ["assignment_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="judge_score_range"
            )
        ]

    def __str__(self):
        return f"{self.assignment} {self.score:.1f}"

    @property
    def region_id(self) -> str:
        return self.assignment.entry.contest.region_id


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(ProtectedStatusModel):
    """An objection raised during the public notice (公示). An upheld objection against an
    entry takes it out of the awards; the next-ranked entry moves up."""

    STATUS_TRANSITIONS = {
        ObjectionStatus.PENDING: {ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED},
        ObjectionStatus.UPHELD: set(),
        ObjectionStatus.DISMISSED: set(),
    }

    contest = models.ForeignKey(
        Contest, verbose_name=_("擂台赛"), on_delete=models.CASCADE, related_name="objections"
    )
    entry = models.ForeignKey(
        ContestEntry,
        verbose_name=_("针对作品"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objections",
    )
    body = models.TextField(_("异议内容"), max_length=1000)
    contact = models.CharField(_("联系方式"), max_length=60, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING
    )
    answer = models.TextField(_("处理意见"), blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="contest__region__code", user="submitted_by_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ObjectionStatus.values), name="objection_status"
            )
        ]

    def __str__(self):
        return self.body[:30]

    @property
    def region_id(self) -> str:
        return self.contest.region_id


class ContestAward(models.Model):
    """A top-ten place: the rank, the 精品 designation it produced, the certificate number."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("擂台赛"), on_delete=models.CASCADE, related_name="awards"
    )
    entry = models.OneToOneField(
        ContestEntry, verbose_name=_("参赛作品"), on_delete=models.CASCADE, related_name="award"
    )
    rank = models.PositiveSmallIntegerField(_("名次"))
    score = models.FloatField(_("最终得分"))
    designation = models.ForeignKey(
        "courses.ExcellentDesignation",
        verbose_name=_("精品认定"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    certificate_no = models.CharField(_("证书编号"), max_length=32, unique=True)
    created_at = models.DateTimeField(_("颁发时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="contest__region__code", teacher="entry__teachers")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("十佳课程")
        verbose_name_plural = _("十佳课程")
        ordering = ["contest_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "rank"], name="award_rank_once"),
        ]

    def __str__(self):
        return f"{self.contest} 第{self.rank}名 {self.entry.course}"

    @property
    def region_id(self) -> str:
        return self.contest.region_id
