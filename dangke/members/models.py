"""党员学时档案: the roster (`Member`), the 学时 rules (`StudyRule`), the ledger
(`StudyRecord`, one line per source), its per-member-year rollup (`StudyYear`) and what
feeds the ledger: sign-ins matched to members (`AttendanceMatch`), training classes for
members (`StudyClass`, `ClassEnrolment`) and branch collective study (`CollectiveStudy`).

Lines and rollups change only through `dangke.members.services`, which keeps the rollup
current on every write; `dangke rebuild_study_years` rebuilds it from the ledger.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.members.hours import RuleValues, mask_phone

HOURS = {"max_digits": 7, "decimal_places": 1}


class PartyPost(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    COMMITTEE = "committee", _("委员")
    NONE = "none", _("无")


# 书记 and 班子成员 (the branch committee): the 56-学时 target.
LEADER_POSTS = (PartyPost.SECRETARY, PartyPost.DEPUTY, PartyPost.COMMITTEE)


class MemberCategory(models.TextChoices):
    FULL = "full", _("正式党员")
    PROBATIONARY = "probationary", _("预备党员")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    LEFT = "left", _("已离开")


def new_view_token() -> str:
    return secrets.token_urlsafe(18)


class Member(models.Model):
    """A Party member on an organisation's roster. No ID-card number is stored: the name,
    the phone (to match sign-ins) and the 党员编号 (to match re-imports) are enough."""

    name = models.CharField(_("姓名"), max_length=32)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True, db_index=True)
    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="members",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    post = models.CharField(
        _("党内职务"), max_length=16, choices=PartyPost.choices, default=PartyPost.NONE
    )
    category = models.CharField(
        _("人员类别"), max_length=16, choices=MemberCategory.choices, default=MemberCategory.FULL
    )
    joined_on = models.DateField(_("入党日期"), null=True, blank=True)
    number = models.CharField(_("党员编号"), max_length=32, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    left_on = models.DateField(_("离开日期"), null=True, blank=True)
    view_token = models.CharField(
        _("个人查询码"), max_length=32, unique=True, default=new_view_token, editable=False
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_rules = ScopeRules(region="region__code", organization="organization_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员名册")
        ordering = ["organization_id", "name", "id"]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["region", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="member_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(post__in=PartyPost.values), name="member_post_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=MemberCategory.values), name="member_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(gender__in=[*Gender.values, ""]), name="member_gender_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.organization_id:
            self.region_id = self.organization.region_id
        super().save(*args, **kwargs)

    @property
    def is_leader(self) -> bool:
        return self.post in LEADER_POSTS

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class StudyRule(models.Model):
    """A region's 学时 rule for one year. The most specific region with a rule for the
    year applies (a county's own rule before the city's); without any, the defaults."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    minutes_per_hour = models.PositiveSmallIntegerField(_("每学时分钟数"), default=60)
    half_day_minutes = models.PositiveSmallIntegerField(_("半天起算分钟数"), default=180)
    half_day_hours = models.DecimalField(_("半天学时"), default=4, **HOURS)
    full_day_minutes = models.PositiveSmallIntegerField(_("全天起算分钟数"), default=360)
    day_hours = models.DecimalField(_("全天学时"), default=8, **HOURS)
    target_hours = models.DecimalField(_("党员年度目标学时"), default=32, **HOURS)
    leader_target_hours = models.DecimalField(_("书记和班子成员年度目标学时"), default=56, **HOURS)
    leader_needs_concentrated = models.BooleanField(_("书记和班子成员须参加集中培训"), default=True)
    concentrated_min_hours = models.DecimalField(
        _("单次达到多少学时算集中培训"),
        default=8,
        help_text=_("培训班一律算集中培训；授课或集体学习单次达到此学时也算"),
        **HOURS,
    )
    online_cap_hours = models.DecimalField(_("线上学习最多计入学时"), default=12, **HOURS)
    collective_cap_hours = models.DecimalField(_("集体学习最多计入学时"), default=24, **HOURS)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("学时规则")
        verbose_name_plural = _("学时规则")
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"], name="studyrule_one_per_region_year"
            ),
            models.CheckConstraint(
                condition=Q(full_day_minutes__gt=models.F("half_day_minutes"))
                & Q(minutes_per_hour__gt=0),
                name="studyrule_days_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.year}"

    def values(self) -> RuleValues:
        return RuleValues(**{name: getattr(self, name) for name in RuleValues.field_names()})


class StudySource(models.TextChoices):
    LESSON = "lesson", _("授课")
    CLASS = "class", _("培训班")
    COLLECTIVE = "collective", _("集体学习")


class MatchOutcome(models.TextChoices):
    MEMBER = "member", _("本组织党员")
    OTHER_ORGANIZATION = "other", _("其他组织党员")
    NON_MEMBER = "non_member", _("非党员（群众）")
    UNRESOLVED = "unresolved", _("待核对")


# Outcomes whose member is credited with the lesson.
CREDITED_OUTCOMES = (MatchOutcome.MEMBER, MatchOutcome.OTHER_ORGANIZATION)


class AttendanceMatch(models.Model):
    """Who a sign-in was: a roster member (of the lesson's organisations or another), a
    non-member, or not yet known. A sign-in is tied to a member only when name and phone
    both match one member, or when the liaison picks the member; anything else waits."""

    attendance = models.OneToOneField(
        "delivery.Attendance",
        verbose_name=_("签到"),
        on_delete=models.CASCADE,
        related_name="member_match",
    )
    member = models.ForeignKey(
        Member,
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matches",
    )
    outcome = models.CharField(_("核对结果"), max_length=16, choices=MatchOutcome.choices)
    note = models.CharField(_("说明"), max_length=120, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核对人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("核对时间"), null=True, blank=True)

    scope_rules = ScopeRules(
        region="attendance__lesson__region__code",
        organization="attendance__lesson__organization_id",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("签到核对")
        verbose_name_plural = _("签到核对")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=MatchOutcome.values), name="attendancematch_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=CREDITED_OUTCOMES, member__isnull=False)
                | (~Q(outcome__in=CREDITED_OUTCOMES) & Q(member__isnull=True)),
                name="attendancematch_member_iff_credited",
            ),
        ]

    def __str__(self):
        return f"{self.attendance.name} · {self.get_outcome_display()}"


class StudyClass(models.Model):
    """A training class for members (乡镇党校, 春训冬训, 入党积极分子培训班): days
    attended become 学时 and count as 集中培训."""

    title = models.CharField(_("班次名称"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("举办区划"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员培训班")
        verbose_name_plural = _("党员培训班")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="studyclass_period_valid"
            )
        ]

    def __str__(self):
        return self.title


class ClassEnrolment(models.Model):
    study_class = models.ForeignKey(
        StudyClass, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="enrolments"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="class_enrolments"
    )
    days_attended = models.DecimalField(_("出勤天数"), max_digits=4, decimal_places=1, default=0)

    scope_rules = ScopeRules(
        region="study_class__region__code", organization="member__organization_id"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训班学员")
        verbose_name_plural = _("培训班学员")
        constraints = [
            models.UniqueConstraint(fields=["study_class", "member"], name="enrolment_once"),
            models.CheckConstraint(condition=Q(days_attended__gte=0), name="enrolment_days_valid"),
        ]

    def __str__(self):
        return f"{self.member} · {self.study_class}"


class CollectiveKind(models.TextChoices):
    BRANCH_STUDY = "branch_study", _("支部集体学习")
    THEME_DAY = "theme_day", _("主题党日")


class CollectiveStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


class CollectiveStudy(models.Model):
    """A branch's collective study, recorded by its liaison with who was there; it earns
    学时 once the county approves it."""

    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="collective_studies",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    kind = models.CharField(_("形式"), max_length=16, choices=CollectiveKind.choices)
    title = models.CharField(_("学习内容"), max_length=120)
    held_on = models.DateField(_("学习日期"))
    minutes = models.PositiveSmallIntegerField(_("时长(分钟)"))
    note = models.CharField(_("简要说明"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        Member, verbose_name=_("参加党员"), related_name="collective_studies"
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=CollectiveStatus.choices,
        default=CollectiveStatus.SUBMITTED,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code", organization="organization_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("集体学习")
        verbose_name_plural = _("集体学习")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CollectiveStatus.values), name="collective_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CollectiveKind.values), name="collective_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.held_on} {self.title}"

    def save(self, *args, **kwargs):
        if self.organization_id:
            self.region_id = self.organization.region_id
        super().save(*args, **kwargs)


class StudyRecord(models.Model):
    """One ledger line: a member's 学时 from one source. `raw_hours` follows from the rule;
    `hours` is what counts after the year's caps (computed by the services)."""

    # (member, year) leads the index below; a second index on member alone would only
    # slow the bulk writes.
    member = models.ForeignKey(
        Member,
        verbose_name=_("党员"),
        on_delete=models.PROTECT,
        related_name="study_records",
        db_index=False,
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    occurred_on = models.DateField(_("日期"))
    source = models.CharField(_("来源"), max_length=16, choices=StudySource.choices)
    title = models.CharField(_("内容"), max_length=160)
    minutes = models.PositiveIntegerField(_("时长(分钟)"), default=0)
    days = models.DecimalField(_("天数"), max_digits=4, decimal_places=1, default=0)
    online = models.BooleanField(_("线上"), default=False)
    raw_hours = models.DecimalField(_("折算学时"), default=0, **HOURS)
    hours = models.DecimalField(_("计入学时"), default=0, **HOURS)
    concentrated = models.BooleanField(_("集中培训"), default=False)
    match = models.OneToOneField(
        AttendanceMatch,
        verbose_name=_("签到"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="study_record",
    )
    enrolment = models.OneToOneField(
        ClassEnrolment,
        verbose_name=_("培训班学员"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="study_record",
    )
    collective = models.ForeignKey(
        CollectiveStudy,
        verbose_name=_("集体学习"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="study_records",
    )

    scope_rules = ScopeRules(region="member__region__code", organization="member__organization_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时记录")
        ordering = ["member_id", "occurred_on", "id"]
        indexes = [models.Index(fields=["member", "year"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=StudySource.values), name="studyrecord_source_valid"
            ),
            models.UniqueConstraint(
                fields=["member", "collective"],
                condition=Q(collective__isnull=False),
                name="studyrecord_collective_once",
            ),
            models.CheckConstraint(
                condition=(Q(source=StudySource.LESSON) & Q(match__isnull=False))
                | (Q(source=StudySource.CLASS) & Q(enrolment__isnull=False))
                | (Q(source=StudySource.COLLECTIVE) & Q(collective__isnull=False)),
                name="studyrecord_source_linked",
            ),
        ]

    def __str__(self):
        return f"{self.member} {self.occurred_on} {self.title}"


class StudyYear(models.Model):
    """A member's year in one row, kept current by every ledger write so completion pages
    never sum the ledger; `rebuild_study_years` recomputes it from the lines."""

    member = models.ForeignKey(
        Member,
        verbose_name=_("党员"),
        on_delete=models.CASCADE,
        related_name="study_years",
        db_index=False,  # the unique (member, year) index serves
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_leader = models.BooleanField(_("书记或班子成员"), default=False)
    is_active = models.BooleanField(_("在册"), default=True)
    hours = models.DecimalField(_("学时"), default=0, **HOURS)
    lines = models.PositiveIntegerField(_("记录数"), default=0)
    concentrated = models.BooleanField(_("参加过集中培训"), default=False)
    target = models.DecimalField(_("目标学时"), default=32, **HOURS)
    met = models.BooleanField(_("已达标"), default=False)

    scope_rules = ScopeRules(region="region__code", organization="organization_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度学时")
        verbose_name_plural = _("年度学时")
        ordering = ["organization_id", "member_id"]
        indexes = [
            models.Index(fields=["year", "region"]),
            models.Index(fields=["year", "organization"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="studyyear_once"),
        ]

    def __str__(self):
        return f"{self.member} {self.year}"

    @property
    def missing(self):
        return max(self.target - self.hours, 0)

    @property
    def percent(self) -> int:
        if not self.target:
            return 100
        return min(100, int(self.hours * 100 / self.target))


class StudyTally(models.Model):
    """The study figures of a county's members in a year (issue #18): what `stats` and the
    工作台 show, from a few rows instead of a city's or province's member-years. Kept by
    `members.rollup` from the member-years (`StudyYear`), members with a year on the roster
    (leavers included) as the figures count them."""

    county = models.CharField(_("县级区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    registered = models.PositiveIntegerField(_("在册人数"), default=0)
    with_hours = models.PositiveIntegerField(_("有学时人数"), default=0)
    hours_total = models.DecimalField(_("学时合计"), default=0, max_digits=14, decimal_places=1)
    target_met = models.PositiveIntegerField(_("达标人数"), default=0)
    leaders = models.PositiveIntegerField(_("书记和班子成员"), default=0)
    leaders_target_met = models.PositiveIntegerField(_("书记和班子成员达标"), default=0)

    scope_rules = ScopeRules(region="county")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度学时汇总")
        verbose_name_plural = _("年度学时汇总")
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="study_tally_key"),
        ]

    def __str__(self):
        return f"{self.county} {self.year}: {self.registered}"
