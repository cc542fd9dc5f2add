"""Ordering and delivery (点单与送课): campaigns, orders, planning runs, lessons, attendance.

Statuses of orders and lessons are protected (`ProtectedStatusModel`): they change only
through `dangke.delivery.services`, which checks the transition and writes the audit entry.
Orders and lessons carry the region of their organisation, copied on save, so scoping is a
code-prefix match on their own row.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.jobs import BackgroundJob
from dangke.core.status import ProtectedStatusModel
from dangke.courses.categories import CourseCategory


class DeliveryMode(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")
    LOUDSPEAKER = "loudspeaker", _("大喇叭")


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    PLANNED = "planned", _("已排课")
    WITHDRAWN = "withdrawn", _("已撤回")
    UNSERVED = "unserved", _("未能安排")


class LessonStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    CONFIRMED = "confirmed", _("已确认")
    DELIVERED = "delivered", _("已授课")
    CANCELLED = "cancelled", _("已取消")


class LessonSource(models.TextChoices):
    PLAN = "plan", _("排课方案")
    MANUAL = "manual", _("直接登记")


class PlanState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("待发布")
    FAILED = "failed", _("失败")
    PUBLISHED = "published", _("已发布")


# Which state may follow which; services move a plan run only along these edges.
PLAN_TRANSITIONS = {
    PlanState.QUEUED: {PlanState.RUNNING, PlanState.FAILED},
    PlanState.RUNNING: {PlanState.DONE, PlanState.FAILED},
    PlanState.DONE: {PlanState.PUBLISHED},
    PlanState.FAILED: set(),
    PlanState.PUBLISHED: set(),
}


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    LIST = "list", _("名单登记")


class Campaign(models.Model):
    """A campaign (专项活动), e.g. 万堂示范课下基层: a period, target organisations by kind
    (empty: all kinds) and target counts; lessons and orders may belong to it."""

    name = models.CharField(_("活动名称"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("组织区划"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    description = models.TextField(_("活动说明"), blank=True)
    target_kinds = models.JSONField(
        _("面向的组织类型"),
        default=list,
        blank=True,
        help_text=_("基层党组织类型代码列表；留空为全部"),
    )
    target_lessons = models.PositiveIntegerField(_("目标授课场次"), default=0)
    target_members = models.PositiveIntegerField(_("目标覆盖党员数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("专项活动")
        verbose_name_plural = _("专项活动")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_valid"
            )
        ]

    def __str__(self):
        return self.name


class CourseOrder(ProtectedStatusModel):
    """An order (点单) from a grassroots organisation: a course or only a category,
    acceptable dates and/or a window, expected attendees, venue and mode."""

    STATUS_TRANSITIONS = {
        OrderStatus.SUBMITTED: {OrderStatus.PLANNED, OrderStatus.WITHDRAWN, OrderStatus.UNSERVED},
        OrderStatus.UNSERVED: {OrderStatus.SUBMITTED, OrderStatus.WITHDRAWN},
        OrderStatus.PLANNED: set(),
        OrderStatus.WITHDRAWN: set(),
    }

    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("点单组织"),
        on_delete=models.PROTECT,
        related_name="course_orders",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("课程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    category = models.CharField(
        _("课程类别"), max_length=16, choices=CourseCategory.choices, blank=True
    )
    dates = models.JSONField(_("可选日期"), default=list, blank=True, help_text=_("ISO 日期列表"))
    earliest = models.DateField(_("最早日期"), null=True, blank=True)
    latest = models.DateField(_("最晚日期"), null=True, blank=True)
    expected_attendees = models.PositiveIntegerField(_("预计参学人数"), default=0)
    venue = models.CharField(_("授课地点"), max_length=120, blank=True)
    mode = models.CharField(
        _("授课方式"), max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.OFFLINE
    )
    notes = models.TextField(_("备注"), blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED
    )
    outcome = models.CharField(_("排课结果说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("点单人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_rules = ScopeRules(region="region__code", organization="organization_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("点单")
        verbose_name_plural = _("点单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["organization", "status"]),
            # the queue's default sort (newest first) and its sort by attendees, read from
            # either end of the index instead of sorting 400,000 orders (issue #18)
            models.Index(fields=["created_at", "id"], name="courseorder_created_sort"),
            models.Index(fields=["expected_attendees", "id"], name="courseorder_attendees_sort"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=DeliveryMode.values), name="order_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=[*CourseCategory.values, ""]),
                name="order_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(course__isnull=False) | ~Q(category=""),
                name="order_course_or_category",
            ),
            models.CheckConstraint(
                condition=Q(earliest__isnull=True)
                | Q(latest__isnull=True)
                | Q(latest__gte=models.F("earliest")),
                name="order_window_valid",
            ),
        ]

    def __str__(self):
        what = self.course.title if self.course_id else self.get_category_display()
        return f"{self.organization} · {what}"

    def save(self, *args, **kwargs):
        if self.organization_id:
            self.region_id = self.organization.region_id
        if self.course_id and not self.category:
            self.category = self.course.category
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        """The order's id in a scheduling problem document."""
        return f"R{self.pk}"


class PlanRun(BackgroundJob):
    """One planning run of a region's orders over a horizon: the problem document built
    from the database, the plan the engine returned, and what happened to it."""

    STATE_TRANSITIONS = PLAN_TRANSITIONS
    WORKING_STATES = (PlanState.RUNNING,)
    FAILED_STATE = PlanState.FAILED

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("排课区划"), on_delete=models.PROTECT, related_name="+"
    )
    horizon_start = models.DateField(_("起始日期"))
    horizon_end = models.DateField(_("截止日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=PlanState.choices, default=PlanState.QUEUED
    )
    use_greedy = models.BooleanField(_("贪心基线"), default=False)
    task_id = models.CharField(_("后台任务"), max_length=64, blank=True)
    problem = models.JSONField(_("排课问题"), default=dict, blank=True)
    plan = models.JSONField(_("排课方案"), default=dict, blank=True)
    fingerprint = models.JSONField(
        _("点单版本"),
        default=dict,
        blank=True,
        help_text=_("点单编号 → 更新时间，发布时据此判断方案是否过期"),
    )
    objective = models.FloatField(_("方案价值"), null=True, blank=True)
    upper_bound = models.FloatField(_("价值上界"), null=True, blank=True)
    solve_seconds = models.FloatField(_("求解用时(秒)"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)
    pins = models.JSONField(_("指定安排"), default=list, blank=True)
    forbids = models.JSONField(_("排除安排"), default=list, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上一次排课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    built_at = models.DateTimeField(_("构建时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("排课")
        verbose_name_plural = _("排课")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PlanState.values), name="planrun_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(horizon_end__gte=models.F("horizon_start")),
                name="planrun_horizon_valid",
            ),
        ]

    def __str__(self):
        return f"{self.region} {self.horizon_start}～{self.horizon_end} 排课"

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.upper_bound is None:
            return None
        return (self.upper_bound - self.objective) / max(1.0, abs(self.upper_bound))


def new_checkin_token() -> str:
    return secrets.token_urlsafe(16)


class Lesson(ProtectedStatusModel):
    """A lesson (授课活动/送课): planned from an order, or recorded directly (a lecture
    team's tour, a 先学后讲 village session); both count the same in the figures."""

    STATUS_TRANSITIONS = {
        LessonStatus.PLANNED: {LessonStatus.CONFIRMED, LessonStatus.CANCELLED},
        LessonStatus.CONFIRMED: {LessonStatus.DELIVERED, LessonStatus.CANCELLED},
        LessonStatus.DELIVERED: set(),
        LessonStatus.CANCELLED: set(),
    }

    course = models.ForeignKey(
        "courses.Course", verbose_name=_("课程"), on_delete=models.PROTECT, related_name="lessons"
    )
    teachers = models.ManyToManyField(
        "faculty.Teacher", verbose_name=_("授课师资"), blank=True, related_name="lessons"
    )
    lecture_team = models.ForeignKey(
        "faculty.LectureTeam",
        verbose_name=_("宣讲队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("承办组织"),
        on_delete=models.PROTECT,
        related_name="lessons",
    )
    other_organizations = models.ManyToManyField(
        "regions.Organization",
        verbose_name=_("联办组织"),
        blank=True,
        related_name="guest_lessons",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在区划"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    starts_at = models.DateTimeField(_("开始时间"))
    duration_minutes = models.PositiveSmallIntegerField(_("时长(分钟)"), default=90)
    venue = models.CharField(_("授课地点"), max_length=120, blank=True)
    mode = models.CharField(
        _("授课方式"), max_length=16, choices=DeliveryMode.choices, default=DeliveryMode.OFFLINE
    )
    order = models.ForeignKey(
        CourseOrder,
        verbose_name=_("点单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    plan = models.ForeignKey(
        PlanRun,
        verbose_name=_("排课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    source = models.CharField(
        _("来源"), max_length=16, choices=LessonSource.choices, default=LessonSource.MANUAL
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=LessonStatus.choices, default=LessonStatus.PLANNED
    )
    attendees_count = models.PositiveIntegerField(_("参学人数"), default=0)
    checkin_token = models.CharField(
        _("签到码"), max_length=32, unique=True, default=new_checkin_token, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # shared: an alliance exchange's lesson is also seen by the lent teacher's home office.
    scope_rules = ScopeRules(
        region="region__code",
        organization="organization_id",
        teacher="teachers",
        shared=(("lesson", "pk"),),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("授课活动")
        verbose_name_plural = _("授课活动")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["region", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["organization", "status"]),
            # the lesson API's order (start, id): its first and last pages read the index
            models.Index(fields=["starts_at", "id"], name="lesson_starts_sort"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LessonStatus.values), name="lesson_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=DeliveryMode.values), name="lesson_mode_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=LessonSource.values), name="lesson_source_valid"
            ),
        ]

    def __str__(self):
        return f"{self.course} @ {self.organization}"

    def save(self, *args, **kwargs):
        if self.organization_id:
            self.region_id = self.organization.region_id
        super().save(*args, **kwargs)

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Attendance(models.Model):
    """One person signed in to a lesson, by QR code on a phone or from the liaison's list.
    A phone number, when given, signs in once per lesson."""

    lesson = models.ForeignKey(
        Lesson, verbose_name=_("授课活动"), on_delete=models.CASCADE, related_name="attendances"
    )
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=32, blank=True)
    organization_name = models.CharField(_("所在单位"), max_length=120, blank=True)
    method = models.CharField(
        _("签到方式"), max_length=8, choices=AttendanceMethod.choices, default=AttendanceMethod.QR
    )
    signed_at = models.DateTimeField(_("签到时间"), auto_now_add=True)

    scope_rules = ScopeRules(
        region="lesson__region__code",
        organization="lesson__organization_id",
        teacher="lesson__teachers",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["lesson_id", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "phone"],
                condition=~Q(phone=""),
                name="attendance_once_per_phone",
            ),
            models.CheckConstraint(
                condition=Q(method__in=AttendanceMethod.values), name="attendance_method_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} · {self.lesson}"


# --- the year's delivery rollup (issue #18) ---------------------------------------------------
# A province's figures (the 工作台, /api/v1/stats, coverage, the year's report) add these up
# instead of reading a year of half a million lessons and 400,000 orders. The lesson and
# order writes keep them (`delivery.rollup`: the touched keys are recomputed from the raw rows
# when the transaction commits, or before the next read in it); `dangke
# rebuild_delivery_rollup` rebuilds them.
# `county` is the first six digits of the lesson's (order's) region code (a city-level
# organisation's keeps its shorter code): a scope by region at county level or above reads them by
# prefix. tests/test_delivery_rollup.py proves each equals its raw computation.


class LessonTally(models.Model):
    """Lessons and their attendance per county, local month, state, mode, course category
    and campaign: a few thousand rows a province-year."""

    county = models.CharField(_("县级区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    status = models.CharField(_("状态"), max_length=16, choices=LessonStatus.choices)
    mode = models.CharField(_("授课方式"), max_length=16, choices=DeliveryMode.choices)
    category = models.CharField(_("课程类别"), max_length=16, choices=CourseCategory.choices)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # its lessons stay counted, as the lessons themselves do
        related_name="+",
    )
    lessons = models.PositiveIntegerField(_("授课场次"), default=0)
    attendees = models.PositiveBigIntegerField(_("参学人次"), default=0)
    minutes = models.PositiveBigIntegerField(_("授课时长(分钟)"), default=0)

    scope_rules = ScopeRules(region="county")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("授课年度汇总")
        verbose_name_plural = _("授课年度汇总")
        indexes = [models.Index(fields=["year", "county"], name="lesson_tally_year_county")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=LessonStatus.values), name="lesson_tally_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(mode__in=DeliveryMode.values), name="lesson_tally_mode_valid"
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.year}-{self.month:02d} {self.status}: {self.lessons}"


class OrderTally(models.Model):
    """Orders per county, local month of placing and state: the year's orders by state
    without reading a province's 400,000 orders."""

    county = models.CharField(_("县级区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    status = models.CharField(_("状态"), max_length=16, choices=OrderStatus.choices)
    orders = models.PositiveIntegerField(_("点单数"), default=0)

    scope_rules = ScopeRules(region="county")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("点单年度汇总")
        verbose_name_plural = _("点单年度汇总")
        indexes = [models.Index(fields=["year", "county"], name="order_tally_year_county")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_tally_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.year}-{self.month:02d} {self.status}: {self.orders}"


class ReachTally(models.Model):
    """Organisations reached in the year (hosted or co-hosted a lesson given, wherever the
    lesson was) and their members, per the organisations' county, year and campaign (empty:
    any lesson): the year's coverage without reading a province's reach marks and
    organisations. Active organisations only, as the figures count them."""

    county = models.CharField(_("县级区划代码"), max_length=12)
    year = models.PositiveSmallIntegerField(_("年度"))
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # its marks go with it; empty means any lesson
        related_name="+",
    )
    organizations = models.PositiveIntegerField(_("覆盖组织数"), default=0)
    members = models.PositiveBigIntegerField(_("覆盖党员数"), default=0)

    scope_rules = ScopeRules(region="county")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度覆盖汇总")
        verbose_name_plural = _("年度覆盖汇总")
        indexes = [models.Index(fields=["year", "county"], name="reach_tally_year_county")]

    def __str__(self):
        return f"{self.county} {self.year} {self.campaign_id or ''}: {self.organizations}"


class YearMark(models.Model):
    """What a reach mark and a teaching mark share: the year of the lesson given, its
    campaign (empty: any lesson) and its county. Abstract: no table of its own."""

    year = models.PositiveSmallIntegerField(_("年度"))
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("专项活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    lesson_county = models.CharField(_("授课所在县级区划代码"), max_length=12)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class ReachedOrganization(YearMark):
    """An organisation hosted or co-hosted a lesson given (已授课) in the year, with the
    county of that lesson; `campaign` empty: any lesson, else one of that campaign's. Counts
    of organisations and their members join the live organisation, so a roster change
    needs no upkeep here."""

    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("基层党组织"),
        on_delete=models.CASCADE,
        related_name="+",
    )

    scope_rules = ScopeRules(region="organization__region__code", organization="organization_id")

    class Meta:
        verbose_name = _("年度覆盖组织")
        verbose_name_plural = _("年度覆盖组织")
        indexes = [
            models.Index(fields=["organization", "year"], name="reached_org_year"),
            models.Index(fields=["year", "campaign"], name="reached_year_campaign"),
        ]

    def __str__(self):
        return f"{self.organization_id} {self.year} {self.campaign_id or ''}"


class DeliveringTeacher(YearMark):
    """A teacher gave a lesson (已授课) in the year in `lesson_county`; `campaign` empty: any
    lesson, else one of that campaign's. The teacher's level is read live."""

    teacher = models.ForeignKey(
        "faculty.Teacher", verbose_name=_("师资"), on_delete=models.CASCADE, related_name="+"
    )

    scope_rules = ScopeRules(region="lesson_county")

    class Meta:
        verbose_name = _("年度授课师资")
        verbose_name_plural = _("年度授课师资")
        indexes = [
            models.Index(fields=["teacher", "year"], name="delivering_teacher_year"),
            models.Index(fields=["year", "lesson_county"], name="delivering_year_county"),
        ]

    def __str__(self):
        return f"{self.teacher_id} {self.year} {self.campaign_id or ''}"


class TeacherMonth(models.Model):
    """A teacher's lessons and their minutes per local month and state, wherever the lessons
    were (a pair of the teacher and the lesson counts once): the early-warning card's year so
    far, plans to the year's end and recent cancellations for a whole pool. About twenty rows
    a teacher-year. Read by the teacher's id (the pool comes from a scoped query)."""

    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("师资"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique key below starts with the teacher
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    status = models.CharField(_("状态"), max_length=16, choices=LessonStatus.choices)
    lessons = models.PositiveIntegerField(_("授课场次"), default=0)
    minutes = models.PositiveBigIntegerField(_("授课时长(分钟)"), default=0)

    scope_rules = ScopeRules(region="teacher__region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("师资月度授课汇总")
        verbose_name_plural = _("师资月度授课汇总")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "year", "month", "status"], name="teacher_month_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LessonStatus.values), name="teacher_month_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="teacher_month_month_valid"
            ),
        ]

    def __str__(self):
        return f"{self.teacher_id} {self.year}-{self.month:02d} {self.status}: {self.lessons}"
