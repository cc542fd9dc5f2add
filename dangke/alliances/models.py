"""An alliance of regions (党员教育协作联盟), its members, what they share and do together.

Every row is seen by the region it belongs to and, through `ScopeRules.shared`, by the other
active members of its alliance (`alliances.sharing`): a member's office sees the alliance,
its members, shares, exchanges and joint events. The shared courses and lent teachers
themselves become visible through the same hook on Course and Teacher."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel

ALLIANCE_SCOPE = ScopeRules(region="region__code", shared=(("alliance", "alliance_id"),))


class Alliance(models.Model):
    name = models.CharField(_("联盟名称"), max_length=120, unique=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+"
    )
    founded_on = models.DateField(_("成立日期"))
    charter = models.TextField(_("联盟章程"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code", shared=(("alliance", "pk"),))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("协作联盟")
        verbose_name_plural = _("协作联盟")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("alliances:detail", args=[self.pk])


class AllianceMember(models.Model):
    """A member region; leaving sets `left_on` (history is kept) and ends what it shares."""

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("协作联盟"), on_delete=models.CASCADE, related_name="members"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("成员区划"), on_delete=models.PROTECT, related_name="+"
    )
    joined_on = models.DateField(_("加入日期"))
    left_on = models.DateField(_("退出日期"), null=True, blank=True)
    contact_name = models.CharField(_("联络人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联络电话"), max_length=32, blank=True)

    scope_rules = ALLIANCE_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联盟成员")
        verbose_name_plural = _("联盟成员")
        ordering = ["alliance_id", "joined_on", "region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "region"],
                condition=Q(left_on__isnull=True),
                name="alliance_member_once",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="alliance_member_left_after_joining",
            ),
        ]

    def __str__(self):
        return f"{self.alliance} · {self.region}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class CourseShare(models.Model):
    """A member's course shared with the alliance (共享课程); withdrawing keeps the row."""

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("协作联盟"), on_delete=models.CASCADE, related_name="shares"
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("课程"),
        on_delete=models.CASCADE,
        related_name="alliance_shares",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("共享方"), on_delete=models.PROTECT, related_name="+"
    )
    shared_on = models.DateField(_("共享日期"))
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("共享人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    scope_rules = ALLIANCE_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("共享课程")
        verbose_name_plural = _("共享课程")
        ordering = ["alliance_id", "-shared_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "course"],
                condition=Q(withdrawn_on__isnull=True),
                name="course_share_once",
            ),
        ]

    def __str__(self):
        return f"{self.course}（{self.alliance}）"


class ExchangePurpose(models.TextChoices):
    LESSON = "lesson", _("授课")
    TRAINING = "training", _("培训班授课")
    RESEARCH = "research", _("教研交流")


class ExchangeStatus(models.TextChoices):
    REQUESTED = "requested", _("待审批")
    APPROVED = "approved", _("已同意")
    DECLINED = "declined", _("已拒绝")
    ENDED = "ended", _("已结束")


class TeacherExchange(ProtectedStatusModel):
    """互派骨干教师: a host member asks a teacher of another member for a period; the home
    office (the teacher's region, `region`) approves or declines with a reason. Approved,
    the teacher is visible and schedulable for the host for the period."""

    STATUS_TRANSITIONS = {
        ExchangeStatus.REQUESTED: {ExchangeStatus.APPROVED, ExchangeStatus.DECLINED},
        # The home office may still decline after approving (the teacher falls ill); what
        # the approval made and is not yet given is cancelled (services.decide_exchange).
        ExchangeStatus.APPROVED: {ExchangeStatus.ENDED, ExchangeStatus.DECLINED},
        ExchangeStatus.DECLINED: set(),
        ExchangeStatus.ENDED: set(),
    }

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("协作联盟"), on_delete=models.CASCADE, related_name="exchanges"
    )
    teacher = models.ForeignKey(
        "faculty.Teacher", verbose_name=_("教师"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("派出方"), on_delete=models.PROTECT, related_name="+"
    )
    host_region = models.ForeignKey(
        "regions.Region", verbose_name=_("接收方"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("用途"), max_length=16, choices=ExchangePurpose.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.TextField(_("说明"), blank=True)
    # For a lesson: what, where and when the host asks the teacher to teach; approved, the
    # exchange becomes that lesson in the host region (`lesson`), through delivery.
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("授课课程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        "regions.Organization",
        verbose_name=_("承办组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lesson_starts_at = models.DateTimeField(_("授课时间"), null=True, blank=True)
    lesson = models.OneToOneField(
        "delivery.Lesson",
        verbose_name=_("授课活动"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alliance_exchange",
    )
    # For a training class (培训班) of the host: approved, the exchange becomes a module of
    # that class taught by the lent teacher (`training_module`), through training.services.
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("培训班"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    training_module = models.OneToOneField(
        "training.TrainingModule",
        verbose_name=_("培训模块"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alliance_exchange",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ExchangeStatus.choices, default=ExchangeStatus.REQUESTED
    )
    decision_reason = models.CharField(_("审批意见"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    scope_rules = ALLIANCE_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("师资互派")
        verbose_name_plural = _("师资互派")
        ordering = ["alliance_id", "-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExchangeStatus.values), name="teacher_exchange_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=ExchangePurpose.values),
                name="teacher_exchange_purpose_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="teacher_exchange_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.teacher} → {self.host_region}（{self.starts_on}—{self.ends_on}）"


class JointEventKind(models.TextChoices):
    LESSON = "lesson", _("联合党课")
    CONTEST = "contest", _("联合赛课")
    TRAINING = "training", _("联合培训")
    SUMMIT = "summit", _("研讨峰会")


class JointEvent(models.Model):
    """联合活动, held by one member (`region`) for the alliance; every member sees it."""

    alliance = models.ForeignKey(
        Alliance, verbose_name=_("协作联盟"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("活动类型"), max_length=16, choices=JointEventKind.choices)
    title = models.CharField(_("活动名称"), max_length=200)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("承办方"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("举办日期"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    participant_regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("参加成员"), blank=True, related_name="+"
    )
    attendance = models.PositiveIntegerField(_("参加人数"), default=0)
    summary = models.TextField(_("活动小结"), blank=True)

    scope_rules = ALLIANCE_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联合活动")
        verbose_name_plural = _("联合活动")
        ordering = ["alliance_id", "-held_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=JointEventKind.values), name="joint_event_kind_valid"
            ),
        ]

    def __str__(self):
        return self.title


class EventRegistration(models.Model):
    """How many each member sends to a joint event (报名) and how many came (出席): the
    member's office registers, the coordinator or the hosting member records attendance."""

    event = models.ForeignKey(
        JointEvent,
        verbose_name=_("联合活动"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    alliance = models.ForeignKey(
        Alliance, verbose_name=_("协作联盟"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("参加成员"), on_delete=models.PROTECT, related_name="+"
    )
    registered = models.PositiveIntegerField(_("报名人数"), default=0)
    attended = models.PositiveIntegerField(_("出席人数"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    scope_rules = ALLIANCE_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联合活动报名")
        verbose_name_plural = _("联合活动报名")
        ordering = ["event_id", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "region"], name="event_registration_once"),
        ]

    def __str__(self):
        return f"{self.event} · {self.region}"


class JointEventSession(models.Model):
    """One session of a joint event (峰会的一场报告、联合培训的一个专题) and its speaker: a
    teacher of a member region, or someone from outside named in free text. `region` is
    the member that sends (or invites) the speaker. Another member's teacher appears here
    by name and employer only: the event is the one place the coordinator sees them."""

    event = models.ForeignKey(
        JointEvent, verbose_name=_("联合活动"), on_delete=models.CASCADE, related_name="sessions"
    )
    alliance = models.ForeignKey(
        Alliance, verbose_name=_("协作联盟"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("议程名称"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("派出成员"), on_delete=models.PROTECT, related_name="+"
    )
    speaker = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("主讲教师"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outside_speaker = models.CharField(_("特邀主讲人"), max_length=64, blank=True)
    outside_affiliation = models.CharField(_("主讲人单位"), max_length=120, blank=True)

    scope_rules = ALLIANCE_SCOPE
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("联合活动议程")
        verbose_name_plural = _("联合活动议程")
        ordering = ["event_id", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_session_time_ordered"
            ),
            models.CheckConstraint(
                condition=(Q(speaker__isnull=False) & Q(outside_speaker=""))
                | (Q(speaker__isnull=True) & ~Q(outside_speaker="")),
                name="event_session_one_speaker",
            ),
        ]

    def __str__(self):
        return f"{self.event} · {self.title}"

    @property
    def speaker_name(self) -> str:
        return self.speaker.name if self.speaker_id else self.outside_speaker

    @property
    def speaker_employer(self) -> str:
        return self.speaker.employer if self.speaker_id else self.outside_affiliation
