from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel
from dangke.courses.categories import CourseCategory


class TeacherLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class TeacherStatus(models.TextChoices):
    CANDIDATE = "candidate", _("候选")
    ACTIVE = "active", _("在库")
    WARNING = "warning", _("预警")
    RECTIFYING = "rectifying", _("整改")
    EXITED = "exited", _("退出")


# Teachers who count in the pool (师资库): reviewed each year and scheduled. Candidates have
# not passed their trial lecture yet; exited teachers have left.
POOL_STATUSES = (TeacherStatus.ACTIVE, TeacherStatus.WARNING, TeacherStatus.RECTIFYING)


class TeachingGroup(models.Model):
    """A teaching-research group (教研组); the seeds' city has nine."""

    name = models.CharField(_("名称"), max_length=64)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    focus = models.CharField(_("研究方向"), max_length=120, blank=True)
    description = models.TextField(_("简介"), blank=True)

    scope_rules = ScopeRules(region="region__code", group="pk", teacher="teachers")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("教研组")
        verbose_name_plural = _("教研组")
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="group_name_unique")]

    def __str__(self):
        return self.name


class Teacher(ProtectedStatusModel):
    """A teacher in the pool (师资库). Status moves only through faculty.services."""

    STATUS_TRANSITIONS = {
        TeacherStatus.CANDIDATE: {TeacherStatus.ACTIVE, TeacherStatus.EXITED},
        TeacherStatus.ACTIVE: {
            TeacherStatus.WARNING,
            TeacherStatus.RECTIFYING,
            TeacherStatus.EXITED,
        },
        TeacherStatus.WARNING: {
            TeacherStatus.ACTIVE,
            TeacherStatus.RECTIFYING,
            TeacherStatus.EXITED,
        },
        TeacherStatus.RECTIFYING: {TeacherStatus.ACTIVE, TeacherStatus.EXITED},
        TeacherStatus.EXITED: {TeacherStatus.CANDIDATE},
    }

    code = models.CharField(_("师资编号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=32)
    gender = models.CharField(
        _("性别"), max_length=2, choices=[("男", _("男")), ("女", _("女"))], blank=True
    )
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True)
    position = models.CharField(_("职务/职称"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    level = models.CharField(_("师资级别"), max_length=16, choices=TeacherLevel.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=TeacherStatus.choices, default=TeacherStatus.CANDIDATE
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    home_latitude = models.FloatField(_("常驻地纬度"), null=True, blank=True)
    home_longitude = models.FloatField(_("常驻地经度"), null=True, blank=True)
    max_travel_km = models.PositiveIntegerField(_("最远授课距离(公里)"), default=80)
    groups = models.ManyToManyField(
        TeachingGroup, verbose_name=_("教研组"), blank=True, related_name="teachers"
    )
    photo = models.ImageField(_("照片"), upload_to="teachers/photos/", blank=True)
    bio = models.TextField(_("个人简介"), blank=True)
    joined_on = models.DateField(_("入库日期"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teacher_profile",
    )

    # shared: a teacher lent to another member of an alliance, for the exchange's period.
    scope_rules = ScopeRules(
        region="region__code", teacher="pk", group="groups", shared=(("teacher", "pk"),)
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("师资")
        verbose_name_plural = _("师资")
        ordering = ["region_id", "code"]
        indexes = [models.Index(fields=["region", "level", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TeacherStatus.values), name="teacher_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=TeacherLevel.values), name="teacher_level_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("faculty:detail", args=[self.pk])

    @property
    def specialty_labels(self) -> list[str]:
        return [CourseCategory(s.category).label for s in self.specialties.all()]


class TeacherSpecialty(models.Model):
    """A course category a teacher can teach (专长)."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("师资"), on_delete=models.CASCADE, related_name="specialties"
    )
    category = models.CharField(_("专长类别"), max_length=16, choices=CourseCategory.choices)

    class Meta:
        verbose_name = _("师资专长")
        verbose_name_plural = _("师资专长")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "category"], name="specialty_unique"),
            models.CheckConstraint(
                condition=models.Q(category__in=CourseCategory.values),
                name="specialty_category_valid",
            ),
        ]

    def __str__(self):
        return self.get_category_display()


class LectureTeam(models.Model):
    """A lecture team (宣讲队): teachers sent out together, e.g. on a county tour."""

    name = models.CharField(_("名称"), max_length=64)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        Teacher,
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        Teacher, verbose_name=_("队员"), blank=True, related_name="lecture_teams"
    )
    description = models.TextField(_("说明"), blank=True)

    scope_rules = ScopeRules(region="region__code", teacher="members")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("宣讲队")
        verbose_name_plural = _("宣讲队")
        ordering = ["region_id", "name"]

    def __str__(self):
        return self.name


# --- Quotas, annual review and the 能者进、庸者退 lifecycle --------------------------------------


class Quota(models.Model):
    """What a teacher of one level must reach in one year (考核指标), set by the region
    that owns the pool. A teacher is held to the quota of the nearest region above them."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("制定区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.CharField(_("师资级别"), max_length=16, choices=TeacherLevel.choices)
    min_lessons = models.PositiveSmallIntegerField(_("最少授课场次"), default=6)
    min_hours = models.DecimalField(
        _("最少授课时长(小时)"), max_digits=6, decimal_places=1, default=12
    )
    min_score = models.DecimalField(_("最低年度得分"), max_digits=5, decimal_places=1, default=80)
    min_responses = models.PositiveIntegerField(
        _("得分所需最少有效答卷"),
        default=30,
        help_text=_("答卷不足时得分不作判定（样本不足），只看场次和时长"),
    )
    min_trainings = models.PositiveSmallIntegerField(_("最少参加培训次数"), default=0)
    min_further_study = models.PositiveSmallIntegerField(
        _("最少进修或高层次培训次数"),
        default=0,
        help_text=_("按师资发展规划中记入本年度的进修深造、高层次培训计；0 为不考核"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["-year", "region_id", "level"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "level"], name="quota_unique"),
            models.CheckConstraint(
                condition=models.Q(level__in=TeacherLevel.values), name="quota_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_level_display()} · {self.region_id}"


class KeptWarningLevel(models.Model):
    """A pool teacher's early-warning level (预警, 关注 or none) as `engines.warnings` judged
    it at `judged_at`, kept so that a 工作台's warnings card counts a province's pool by
    reading rows instead of judging 10,000 teachers on every request (issue #18).

    A level is good on the local day it was judged, unless what it was judged on changed
    after (`changed_at`): the teacher's lessons (delivery.rollup) and scores
    (evaluation.rollups), the teacher's record and their quota (faculty.warning_levels) mark
    it when their transaction commits. advice.services judges whoever has no good level and
    keeps the result only where nothing changed since it began to read. The level only,
    never the evidence: the few teachers a card shows are judged live."""

    teacher = models.OneToOneField(
        Teacher,
        verbose_name=_("师资"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    level = models.CharField(_("预警级别"), max_length=8, blank=True)
    judged_at = models.DateTimeField(_("判断时间"), null=True)
    changed_at = models.DateTimeField(_("依据变动时间"), null=True)

    scope_rules = ScopeRules(region="teacher__region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("师资预警级别")
        verbose_name_plural = _("师资预警级别")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["", "warn", "watch"]), name="kept_warning_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.teacher_id} {self.level or '-'} {self.judged_at}"


class LifecycleRule(models.Model):
    """The region's rules for status proposals in one year (能者进、庸者退). Proposals
    carry the rule and the figures; the office confirms or rejects each one."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("制定区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    warn_from_month = models.PositiveSmallIntegerField(
        _("预警起始月份"), default=7, help_text=_("从该月起检查年中进度")
    )
    warn_below_share = models.DecimalField(
        _("预警线(占应完成进度的比例)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        help_text=_("授课场次低于按时间应完成场次的该比例即预警"),
    )
    rectify_days = models.PositiveSmallIntegerField(_("整改期限(天)"), default=90)
    exit_after_failures = models.PositiveSmallIntegerField(_("连续未达标几年退出"), default=2)
    trial_min_score = models.DecimalField(
        _("试讲通过分数"), max_digits=5, decimal_places=1, default=Decimal("75")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("能进能退规则")
        verbose_name_plural = _("能进能退规则")
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="lifecycle_rule_unique"),
            models.CheckConstraint(
                condition=models.Q(warn_from_month__gte=1, warn_from_month__lte=12),
                name="lifecycle_rule_month_valid",
            ),
        ]

    def __str__(self):
        return f"{self.region_id} {self.year} 能进能退规则"


class AnnualReview(models.Model):
    """A teacher's year (年度考核), computed from lessons, scores, campaigns and training
    by `faculty.lifecycle.compute_reviews` — never typed in."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("师资"), on_delete=models.CASCADE, related_name="reviews"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("师资级别"), max_length=16, choices=TeacherLevel.choices)
    quota = models.ForeignKey(
        Quota, verbose_name=_("考核指标"), null=True, blank=True, on_delete=models.SET_NULL
    )
    lessons = models.PositiveIntegerField(_("授课场次"), default=0)
    hours = models.DecimalField(_("授课时长(小时)"), max_digits=7, decimal_places=1, default=0)
    campaigns = models.PositiveIntegerField(_("参加专项活动"), default=0)
    score = models.FloatField(_("年度得分"), null=True, blank=True)
    ci_low = models.FloatField(_("区间下限"), null=True, blank=True)
    ci_high = models.FloatField(_("区间上限"), null=True, blank=True)
    n_responses = models.PositiveIntegerField(_("有效答卷"), default=0)
    lessons_scored = models.PositiveIntegerField(_("已发布得分场次"), default=0)
    trainings = models.PositiveIntegerField(_("参加培训"), default=0)
    further_study = models.PositiveIntegerField(_("进修或高层次培训"), default=0)
    contest_results = models.JSONField(_("擂台赛成绩"), default=list, blank=True)
    passed = models.BooleanField(_("达标"), null=True, blank=True)
    shortfalls = models.JSONField(_("未达标项"), default=list, blank=True)
    is_final = models.BooleanField(_("年度已结束"), default=False)
    computed_at = models.DateTimeField(_("计算时间"))

    # A group leader follows the reviews of their group's teachers (DESIGN §2a).
    scope_rules = ScopeRules(region="region__code", teacher="teacher_id", group="teacher__groups")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["-year", "region_id", "teacher_id"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="review_once_a_year")
        ]
        indexes = [models.Index(fields=["year", "region", "passed"])]

    def __str__(self):
        return f"{self.teacher} {self.year} 年度考核"


class TrialLecture(models.Model):
    """A candidate's trial lecture (试讲), scored by the office's panel."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("师资"), on_delete=models.CASCADE, related_name="trial_lectures"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("试讲日期"))
    topic = models.CharField(_("试讲题目"), max_length=120)
    score = models.DecimalField(_("试讲得分"), max_digits=5, decimal_places=1)
    remarks = models.TextField(_("评议意见"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("试讲")
        verbose_name_plural = _("试讲")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.teacher} 试讲 {self.held_on}"


class ProposalKind(models.TextChoices):
    WARNING = "warning", _("年中预警")
    RECTIFY = "rectify", _("整改")
    EXIT = "exit", _("退出")
    ADMIT = "admit", _("候选入库")
    RESTORE = "restore", _("恢复在库")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已驳回")


# The status a confirmed proposal of each kind moves the teacher to.
PROPOSAL_TARGET = {
    ProposalKind.WARNING: TeacherStatus.WARNING,
    ProposalKind.RECTIFY: TeacherStatus.RECTIFYING,
    ProposalKind.EXIT: TeacherStatus.EXITED,
    ProposalKind.ADMIT: TeacherStatus.ACTIVE,
    ProposalKind.RESTORE: TeacherStatus.ACTIVE,
}


class StatusProposal(ProtectedStatusModel):
    """A status change proposed by a rule, with the figures that caused it; the office
    confirms (the teacher's status then changes, audited) or rejects it."""

    STATUS_TRANSITIONS = {
        ProposalStatus.PROPOSED: {ProposalStatus.CONFIRMED, ProposalStatus.REJECTED},
        ProposalStatus.CONFIRMED: set(),
        ProposalStatus.REJECTED: set(),
    }

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("师资"), on_delete=models.CASCADE, related_name="proposals"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=ProposalKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    rule = models.ForeignKey(
        LifecycleRule,
        verbose_name=_("依据规则"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    rule_text = models.CharField(_("规则条款"), max_length=200)
    reason = models.TextField(_("提议理由"))
    evidence = models.JSONField(_("依据数据"), default=dict, blank=True)
    plan = models.TextField(_("整改计划"), blank=True)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    created_at = models.DateTimeField(_("提议时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_note = models.TextField(_("确认意见"), blank=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("状态变更提议")
        verbose_name_plural = _("状态变更提议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ProposalStatus.values),
                name="status_proposal_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ProposalKind.values),
                name="status_proposal_kind_valid",
            ),
        ]

    def __str__(self):
        return f"{self.teacher} {self.get_kind_display()}"

    @property
    def target_status(self) -> str:
        return PROPOSAL_TARGET[self.kind]


# --- Rewards (奖励基金) ---------------------------------------------------------------------------


class FundStatus(models.TextChoices):
    DRAFT = "draft", _("分配中")
    APPROVED = "approved", _("已审批")


class RewardFund(ProtectedStatusModel):
    """A year's reward fund, allocated by a transparent rule: each teacher's points are
    lessons given × a quality factor from their year's score; the fund is shared in
    proportion to points, no one above the cap. Previewed, adjusted with reasons, then
    approved (no change after)."""

    STATUS_TRANSITIONS = {FundStatus.DRAFT: {FundStatus.APPROVED}, FundStatus.APPROVED: set()}

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    name = models.CharField(_("名称"), max_length=120)
    total = models.DecimalField(_("基金总额(元)"), max_digits=12, decimal_places=2)
    cap = models.DecimalField(_("每人上限(元)"), max_digits=10, decimal_places=2)
    min_lessons = models.PositiveSmallIntegerField(_("参与分配的最少场次"), default=1)
    factor_excellent = models.DecimalField(
        _("优秀系数(得分≥90)"), max_digits=4, decimal_places=2, default=Decimal("1.5")
    )
    factor_good = models.DecimalField(
        _("良好系数(得分≥80)"), max_digits=4, decimal_places=2, default=Decimal("1.2")
    )
    factor_base = models.DecimalField(
        _("基础系数(其他或样本不足)"), max_digits=4, decimal_places=2, default=Decimal("1.0")
    )
    factor_min_responses = models.PositiveIntegerField(_("质量系数所需最少答卷"), default=30)
    status = models.CharField(
        _("状态"), max_length=12, choices=FundStatus.choices, default=FundStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖励基金")
        verbose_name_plural = _("奖励基金")
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="reward_fund_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=FundStatus.values), name="reward_fund_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(total__gte=0, cap__gte=0), name="reward_fund_amounts_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("faculty:fund", args=[self.pk])


class RewardAllocation(models.Model):
    """One teacher's share: the figures, the points, the amount the rule gives, and the
    office's adjustment with its reason."""

    fund = models.ForeignKey(
        RewardFund, verbose_name=_("奖励基金"), on_delete=models.CASCADE, related_name="allocations"
    )
    teacher = models.ForeignKey(
        Teacher, verbose_name=_("师资"), on_delete=models.PROTECT, related_name="rewards"
    )
    lessons = models.PositiveIntegerField(_("授课场次"), default=0)
    hours = models.DecimalField(_("授课时长(小时)"), max_digits=7, decimal_places=1, default=0)
    score = models.FloatField(_("年度得分"), null=True, blank=True)
    n_responses = models.PositiveIntegerField(_("有效答卷"), default=0)
    factor = models.DecimalField(_("质量系数"), max_digits=4, decimal_places=2)
    points = models.DecimalField(_("积分"), max_digits=9, decimal_places=2)
    rule_amount = models.DecimalField(_("按规则金额(元)"), max_digits=10, decimal_places=2)
    capped = models.BooleanField(_("达到上限"), default=False)
    amount = models.DecimalField(_("核定金额(元)"), max_digits=10, decimal_places=2)
    adjustment_reason = models.CharField(_("调整理由"), max_length=200, blank=True)

    scope_rules = ScopeRules(region="fund__region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("奖励分配")
        verbose_name_plural = _("奖励分配")
        ordering = ["fund_id", "-amount", "teacher_id"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "teacher"], name="reward_once_per_teacher"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="reward_amount_valid"),
        ]

    def __str__(self):
        return f"{self.teacher} {self.amount}"

    @property
    def region_id(self) -> str:
        return self.fund.region_id

    @property
    def adjusted(self) -> bool:
        return self.amount != self.rule_amount


# --- 青云梯: a teacher's development plan (seed 004) -----------------------------------------


class DevelopmentKind(models.TextChoices):
    STUDY = "study", _("进修深造")
    ADVANCED_TRAINING = "advanced_training", _("高层次培训")
    TITLE = "title", _("职称")
    ROLE = "role", _("担任职务")


# What the annual review counts when a quota asks for further study.
FURTHER_STUDY_KINDS = (DevelopmentKind.STUDY, DevelopmentKind.ADVANCED_TRAINING)
# The teacher, the leaders of the teacher's groups and the offices above see a plan.
DEVELOPMENT_SCOPE = ScopeRules(
    region="teacher__region__code", teacher="teacher_id", group="teacher__groups"
)


class DevelopmentPlan(models.Model):
    """A teacher's career plan (量身定制职业发展规划, 青云梯): goals for a span of years, the
    title and role aimed at. Kept by the teacher and their group leader through
    `faculty.development`."""

    teacher = models.OneToOneField(
        Teacher, verbose_name=_("师资"), on_delete=models.CASCADE, related_name="development_plan"
    )
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("截止年度"))
    goals = models.TextField(_("发展目标"))
    target_title = models.CharField(_("目标职称"), max_length=64, blank=True)
    target_role = models.CharField(
        _("目标岗位"), max_length=64, blank=True, help_text=_("如：教研团队负责人、市级师资")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最近修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_rules = DEVELOPMENT_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("师资发展规划")
        verbose_name_plural = _("师资发展规划")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_year__gte=models.F("start_year")),
                name="development_plan_years_in_order",
            )
        ]

    def __str__(self):
        return f"{self.teacher} {self.start_year}–{self.end_year} 发展规划"


class DevelopmentRecord(models.Model):
    """One step on the ladder: further study taken, a higher-level training, a title
    obtained or a role held (e.g. head of a teaching-research team), in a year."""

    teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("师资"),
        on_delete=models.CASCADE,
        related_name="development_records",
    )
    kind = models.CharField(_("类别"), max_length=24, choices=DevelopmentKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=120, help_text=_("如：省委党校中青班、副教授"))
    institution = models.CharField(_("机构或单位"), max_length=120, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    scope_rules = DEVELOPMENT_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("师资发展记录")
        verbose_name_plural = _("师资发展记录")
        ordering = ["-year", "kind", "pk"]
        indexes = [models.Index(fields=["teacher", "year"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DevelopmentKind.values),
                name="development_record_kind_valid",
            )
        ]

    def __str__(self):
        return f"{self.teacher} {self.year} {self.get_kind_display()}：{self.title}"
