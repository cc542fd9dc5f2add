"""以情聚心: what the office does to keep its teachers — rooms to prepare in, lodging and
meals for those who come to a class, counselling kept private, festival care, and the
teacher's dossier (which reads other apps and stores nothing here)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules, as_scope
from dangke.core.jobs import BackgroundJob

# --- rooms ------------------------------------------------------------------------------------


class RoomKind(models.TextChoices):
    PREPARATION = "preparation", _("备课室")
    SEMINAR = "seminar", _("研讨室")
    RECORDING = "recording", _("录课室")


class Room(models.Model):
    """A room the office lends to teachers: a 备课室, 研讨室 or 录课室."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=12, choices=RoomKind.choices)
    capacity = models.PositiveSmallIntegerField(_("容纳人数"), default=8)
    equipment = models.CharField(
        _("设备"), max_length=200, blank=True, help_text=_("如：智能教学设备、录播、投影")
    )
    location = models.CharField(_("位置"), max_length=120, blank=True)
    is_active = models.BooleanField(_("开放预约"), default=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("功能室")
        verbose_name_plural = _("功能室")
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RoomKind.values), name="room_kind_valid")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("care:room", args=[self.pk])


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("已预约")
    CANCELLED = "cancelled", _("已取消")


class RoomBooking(models.Model):
    """One booked slot of a room. Weekly recurring bookings share a `series`; a booking for
    a teaching group (集体备课) is seen by its members and lands in their calendar feed."""

    room = models.ForeignKey(
        Room, verbose_name=_("功能室"), on_delete=models.CASCADE, related_name="bookings"
    )
    title = models.CharField(_("用途"), max_length=120)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("预约人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    teaching_group = models.ForeignKey(
        "faculty.TeachingGroup",
        verbose_name=_("教研组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    series = models.UUIDField(_("每周重复"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    # The booker sees their own; the members of a group see the group's (集体备课).
    scope_rules = ScopeRules(
        region="room__region__code",
        teacher="teaching_group__teachers",
        group="teaching_group_id",
        user="booked_by_id",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("功能室预约")
        verbose_name_plural = _("功能室预约")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["room", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="booking_period_valid"
            ),
        ]

    def __str__(self):
        return f"{self.room} {self.title}"

    @property
    def region_id(self) -> str:
        return self.room.region_id

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


# --- lodging and meals ------------------------------------------------------------------------


class Apartment(models.Model):
    """A teachers' apartment (教师公寓) near the party school or a training base."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=64)
    address = models.CharField(_("地址"), max_length=120, blank=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("教师公寓")
        verbose_name_plural = _("教师公寓")
        ordering = ["region_id", "name"]

    def __str__(self):
        return self.name


class Bed(models.Model):
    """One bed of a room of an apartment: what a stay occupies for its nights."""

    apartment = models.ForeignKey(
        Apartment, verbose_name=_("教师公寓"), on_delete=models.CASCADE, related_name="beds"
    )
    room_number = models.CharField(_("房间号"), max_length=16)
    label = models.CharField(_("床位"), max_length=16)

    scope_rules = ScopeRules(region="apartment__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("床位")
        verbose_name_plural = _("床位")
        ordering = ["apartment_id", "room_number", "label"]
        constraints = [
            models.UniqueConstraint(fields=["apartment", "room_number", "label"], name="bed_unique")
        ]

    def __str__(self):
        return f"{self.apartment.name} {self.room_number}-{self.label}"

    @property
    def region_id(self) -> str:
        return self.apartment.region_id


class StayPurpose(models.TextChoices):
    TRAINING = "training", _("参加培训")
    CONTEST = "contest", _("参加擂台赛")
    EXCHANGE = "exchange", _("交流")


class StayStatus(models.TextChoices):
    BOOKED = "booked", _("已安排")
    CANCELLED = "cancelled", _("已取消")


class Stay(models.Model):
    """A teacher's stay on one bed: nights from `check_in` up to the night before
    `check_out`. No bed holds two stays for one night (services.assign_stay)."""

    bed = models.ForeignKey(
        Bed, verbose_name=_("床位"), on_delete=models.PROTECT, related_name="stays"
    )
    teacher = models.ForeignKey(
        "faculty.Teacher", verbose_name=_("师资"), on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(_("事由"), max_length=12, choices=StayPurpose.choices)
    training_class = models.ForeignKey(
        "training.TrainingClass",
        verbose_name=_("培训班"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    check_in = models.DateField(_("入住日期"))
    check_out = models.DateField(_("退房日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=StayStatus.choices, default=StayStatus.BOOKED
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="bed__apartment__region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("住宿安排")
        verbose_name_plural = _("住宿安排")
        ordering = ["check_in", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=StayPurpose.values), name="stay_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StayStatus.values), name="stay_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(check_out__gt=F("check_in")), name="stay_at_least_one_night"
            ),
        ]

    def __str__(self):
        return f"{self.teacher} {self.bed} {self.check_in}～{self.check_out}"

    @property
    def region_id(self) -> str:
        return self.bed.apartment.region_id

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


class Diet(models.TextChoices):
    ANY = "", _("无特殊要求")
    HALAL = "halal", _("清真")
    VEGETARIAN = "vegetarian", _("素食")


class ClassNeeds(models.Model):
    """What a participant of a training class told the organiser: whether they need a bed
    and what they eat (清真, 素食), so the canteen's counts are right."""

    enrollment = models.OneToOneField(
        "training.Enrollment", verbose_name=_("学员"), on_delete=models.CASCADE, related_name="+"
    )
    needs_bed = models.BooleanField(_("需要住宿"), default=False)
    diet = models.CharField(_("饮食"), max_length=12, choices=Diet.choices, blank=True)
    diet_note = models.CharField(_("饮食说明"), max_length=120, blank=True)

    scope_rules = ScopeRules(
        region="enrollment__training_class__region__code",
        teacher="enrollment__teacher_id",
        user="enrollment__user_id",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("食宿需求")
        verbose_name_plural = _("食宿需求")
        constraints = [
            models.CheckConstraint(condition=Q(diet__in=Diet.values), name="class_needs_diet_valid")
        ]

    def __str__(self):
        return str(self.enrollment)

    @property
    def region_id(self) -> str:
        return self.enrollment.training_class.region_id


# --- counselling ------------------------------------------------------------------------------


class Counsellor(models.Model):
    """A counsellor the office lists (a professional, often from outside the pool). Their
    login, if any, holds only the `counsellor` role."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=32)
    qualification = models.CharField(_("资质"), max_length=120, blank=True)
    introduction = models.TextField(_("简介"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counsellor",
    )
    is_active = models.BooleanField(_("接受预约"), default=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("心理咨询师")
        verbose_name_plural = _("心理咨询师")
        ordering = ["region_id", "name"]

    def __str__(self):
        return self.name


class Talk(models.Model):
    """A 心理讲座 teachers sign up for."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("主办区划"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("讲座主题"), max_length=120)
    speaker = models.CharField(_("主讲人"), max_length=64, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    venue = models.CharField(_("地点"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("名额"), default=60)

    scope_rules = ScopeRules(region="region__code", teacher="signups__teacher")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("心理讲座")
        verbose_name_plural = _("心理讲座")
        ordering = ["-starts_at", "id"]

    def __str__(self):
        return self.title


class TalkSignup(models.Model):
    talk = models.ForeignKey(
        Talk, verbose_name=_("心理讲座"), on_delete=models.CASCADE, related_name="signups"
    )
    teacher = models.ForeignKey(
        "faculty.Teacher", verbose_name=_("师资"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="talk__region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("讲座报名")
        verbose_name_plural = _("讲座报名")
        constraints = [models.UniqueConstraint(fields=["talk", "teacher"], name="talk_signup_once")]

    def __str__(self):
        return f"{self.teacher} → {self.talk}"

    @property
    def region_id(self) -> str:
        return self.talk.region_id


class CounsellingStatus(models.TextChoices):
    REQUESTED = "requested", _("已申请")
    SCHEDULED = "scheduled", _("已约定")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class PrivateQuerySet(models.QuerySet):
    """Counselling requests are seen by the teacher who asked and the counsellor asked,
    by nobody else — not a region admin, not a superuser. This is why the model declares
    no `scope_rules`: region scoping would hand them to the office."""

    def visible_to(self, scope_or_user):
        user_id = as_scope(scope_or_user).user_id
        if user_id is None:
            return self.none()
        return self.filter(Q(teacher__user_id=user_id) | Q(counsellor__user_id=user_id))


class CounsellingRequest(models.Model):
    """A teacher's request for a one-to-one session (一对一辅导). Private: see
    PrivateQuerySet; never audited (an audit line would name who asked); the office reads
    only monthly counts (services.counselling_numbers)."""

    teacher = models.ForeignKey(
        "faculty.Teacher", verbose_name=_("师资"), on_delete=models.CASCADE, related_name="+"
    )
    counsellor = models.ForeignKey(
        Counsellor, verbose_name=_("心理咨询师"), on_delete=models.PROTECT, related_name="+"
    )
    preferred_time = models.CharField(_("希望时间"), max_length=120, blank=True)
    note = models.TextField(_("想说的话"), blank=True)
    scheduled_at = models.DateTimeField(_("约定时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CounsellingStatus.choices,
        default=CounsellingStatus.REQUESTED,
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    objects = PrivateQuerySet.as_manager()

    class Meta:
        verbose_name = _("一对一辅导")
        verbose_name_plural = _("一对一辅导")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CounsellingStatus.values), name="counselling_status_valid"
            )
        ]

    def __str__(self):
        # deliberately without a name: a repr can end up in a log or an error page
        return gettext("一对一辅导 #%(pk)s") % {"pk": self.pk}


# --- festival care ----------------------------------------------------------------------------


class Festival(models.TextChoices):
    SPRING = "spring", _("春节")
    PARTY_DAY = "party_day", _("七一")
    TEACHERS_DAY = "teachers_day", _("教师节")
    CHONGYANG = "chongyang", _("重阳")
    ANNIVERSARY = "anniversary", _("入库周年")


class CareKind(models.TextChoices):
    GIFT = "gift", _("慰问品")
    CARD = "card", _("贺卡")
    VISIT = "visit", _("走访")


class CareRecord(models.Model):
    """Who received what at which festival: one of each kind per teacher, festival and year,
    so nothing is given twice and the calendar shows who is still missing."""

    teacher = models.ForeignKey(
        "faculty.Teacher", verbose_name=_("师资"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    festival = models.CharField(_("节日"), max_length=12, choices=Festival.choices)
    kind = models.CharField(_("慰问方式"), max_length=8, choices=CareKind.choices)
    given_on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="teacher__region__code", teacher="teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("慰问记录")
        verbose_name_plural = _("慰问记录")
        ordering = ["-given_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "year", "festival", "kind"], name="care_given_once"
            ),
            models.CheckConstraint(
                condition=Q(festival__in=Festival.values), name="care_festival_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=CareKind.values), name="care_kind_valid"),
        ]

    def __str__(self):
        return f"{self.teacher} {self.year} {self.get_festival_display()} {self.get_kind_display()}"

    @property
    def region_id(self) -> str:
        return self.teacher.region_id


class CardBatchStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class CardBatch(BackgroundJob):
    """Greeting cards for the whole pool of a region: one PDF page per teacher, made by
    the worker (tasks.make_cards)."""

    STATE_FIELD = "status"
    MESSAGE_FIELD = "error"
    MESSAGE_MAX_LENGTH = 200
    TASK_ID_FIELD = None
    STATE_TRANSITIONS = {
        CardBatchStatus.QUEUED: {CardBatchStatus.RUNNING, CardBatchStatus.FAILED},
        CardBatchStatus.RUNNING: {CardBatchStatus.DONE, CardBatchStatus.FAILED},
        CardBatchStatus.DONE: set(),
        CardBatchStatus.FAILED: set(),
    }
    WORKING_STATES = (CardBatchStatus.RUNNING,)
    FAILED_STATE = CardBatchStatus.FAILED

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    festival = models.CharField(_("节日"), max_length=12, choices=Festival.choices)
    message = models.TextField(_("祝福语"))
    sender = models.CharField(_("落款"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=8, choices=CardBatchStatus.choices, default=CardBatchStatus.QUEUED
    )
    cards = models.PositiveIntegerField(_("贺卡张数"), default=0)
    file = models.FileField(_("文件"), upload_to="care/cards/", blank=True)
    error = models.CharField(_("失败原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("贺卡批次")
        verbose_name_plural = _("贺卡批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CardBatchStatus.values), name="card_batch_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(festival__in=Festival.values), name="card_batch_festival_valid"
            ),
        ]

    def __str__(self):
        return gettext("%(year)s年%(festival)s贺卡") % {
            "year": self.year,
            "festival": self.get_festival_display(),
        }
