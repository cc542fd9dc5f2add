"""Training (师资培训、学员培训): classes with a menu of modules that participants pick
before the class (菜单式授课、点餐式学习), enrolment, attendance per module, completion,
and the 先学后讲 sessions trainees give back home (recorded as lessons)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel


class ClassAudience(models.TextChoices):
    TEACHERS = "teachers", _("师资")
    CADRES = "cadres", _("基层干部")
    MEMBERS = "members", _("党员学员")


class ClassStatus(models.TextChoices):
    DRAFT = "draft", _("筹备中")
    CHOOSING = "choosing", _("选课中")
    RUNNING = "running", _("培训中")
    COMPLETED = "completed", _("已结业")
    CANCELLED = "cancelled", _("已取消")


class TrainingClass(ProtectedStatusModel):
    """A training class (培训班) run by an organiser for teachers or trainees."""

    STATUS_TRANSITIONS = {
        ClassStatus.DRAFT: {ClassStatus.CHOOSING, ClassStatus.CANCELLED},
        ClassStatus.CHOOSING: {ClassStatus.RUNNING, ClassStatus.CANCELLED},
        ClassStatus.RUNNING: {ClassStatus.COMPLETED},
        ClassStatus.COMPLETED: set(),
        ClassStatus.CANCELLED: set(),
    }

    title = models.CharField(_("班次名称"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("主办区划"), on_delete=models.PROTECT, related_name="+"
    )
    audience = models.CharField(
        _("培训对象"), max_length=12, choices=ClassAudience.choices, default=ClassAudience.TEACHERS
    )
    starts_on = models.DateField(_("开班日期"))
    ends_on = models.DateField(_("结业日期"))
    choose_by = models.DateField(_("选课截止"), null=True, blank=True)
    venue = models.CharField(_("培训地点"), max_length=120, blank=True)
    description = models.TextField(_("培训说明"), blank=True)
    modules_to_complete = models.PositiveSmallIntegerField(
        _("结业需参加模块数"), default=1, help_text=_("参加（签到）满该数量的模块方可结业")
    )
    max_choices = models.PositiveSmallIntegerField(_("每人最多选课数"), default=4)
    status = models.CharField(
        _("状态"), max_length=12, choices=ClassStatus.choices, default=ClassStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    # Participants see their class through their enrolment, by teacher record or by login
    # (both paths are subqueries in scoping, so a class is not repeated per enrolment).
    scope_rules = ScopeRules(
        region="region__code", teacher="enrollments__teacher", user="enrollments__user"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ClassStatus.values), name="training_class_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=ClassAudience.values), name="training_class_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="training_class_period_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:detail", args=[self.pk])


class TrainingModule(models.Model):
    """One dish of the menu (培训模块): a topic, its teacher, time and capacity."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="modules"
    )
    topic = models.CharField(_("专题"), max_length=120)
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("授课师资"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_modules",
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("对应课程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_at = models.DateTimeField(_("上课时间"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("时长(分钟)"), default=90)
    capacity = models.PositiveSmallIntegerField(_("容量"), default=40)
    is_offered = models.BooleanField(
        _("开设"), default=True, help_text=_("主办方按选课需求调整：需求不足的模块可不开设")
    )
    note = models.CharField(_("调整说明"), max_length=200, blank=True)

    # shared: a module an alliance exchange made is also seen by the lent teacher's home office.
    scope_rules = ScopeRules(
        region="training_class__region__code",
        teacher="teacher_id",
        shared=(("training_module", "pk"),),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训模块")
        verbose_name_plural = _("培训模块")
        ordering = ["training_class_id", "starts_at", "id"]

    def __str__(self):
        return self.topic

    @property
    def region_id(self) -> str:
        return self.training_class.region_id


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("在学")
    COMPLETED = "completed", _("已结业")
    INCOMPLETE = "incomplete", _("未结业")
    WITHDRAWN = "withdrawn", _("已退出")


class Enrollment(models.Model):
    """A participant of a class: a teacher of the pool or a named trainee."""

    training_class = models.ForeignKey(
        TrainingClass,
        verbose_name=_("培训班"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    teacher = models.ForeignKey(
        "faculty.Teacher",
        verbose_name=_("师资"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_enrollments",
    )
    name = models.CharField(_("姓名"), max_length=32)
    organization_name = models.CharField(_("单位"), max_length=120, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ENROLLED,
    )
    enrolled_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("结业时间"), null=True, blank=True)

    scope_rules = ScopeRules(
        region="training_class__region__code", teacher="teacher_id", user="user_id"
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["training_class_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "teacher"],
                condition=Q(teacher__isnull=False),
                name="enrollment_once_per_teacher",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values), name="enrollment_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.name} · {self.training_class}"

    @property
    def region_id(self) -> str:
        return self.training_class.region_id


class ModuleChoice(models.Model):
    """A participant's pick of a module (点餐), admitted or waitlisted when the menu is
    fixed, and whether they attended."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="choices"
    )
    module = models.ForeignKey(
        TrainingModule, verbose_name=_("模块"), on_delete=models.CASCADE, related_name="choices"
    )
    chosen_at = models.DateTimeField(_("选课时间"), auto_now_add=True)
    admitted = models.BooleanField(_("已录取"), null=True, blank=True)
    attended = models.BooleanField(_("已签到"), default=False)

    scope_rules = ScopeRules(
        region="module__training_class__region__code",
        teacher="enrollment__teacher_id",
        user="enrollment__user_id",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("选课")
        verbose_name_plural = _("选课")
        ordering = ["module_id", "chosen_at", "id"]
        constraints = [models.UniqueConstraint(fields=["enrollment", "module"], name="choice_once")]

    def __str__(self):
        return f"{self.enrollment.name} → {self.module}"

    @property
    def region_id(self) -> str:
        return self.module.training_class.region_id


class CascadeSession(models.Model):
    """A 先学后讲 session: a trainee back home gives what they learnt; the lesson is a
    real `delivery.Lesson`, so it counts toward coverage."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="cascades"
    )
    lesson = models.OneToOneField(
        "delivery.Lesson", verbose_name=_("授课活动"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="region__code", teacher="enrollment__teacher_id")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("先学后讲")
        verbose_name_plural = _("先学后讲")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.enrollment.name} 先学后讲"


# --- Trainee forums (学员论坛) and essays (心得体会) --------------------------------------------

_CLASS_PARTICIPANTS = {
    "teacher": "training_class__enrollments__teacher",
    "user": "training_class__enrollments__user",
}


class ForumTopic(models.Model):
    """A discussion topic set by the organiser, with its study list (书目)."""

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="topics"
    )
    title = models.CharField(_("讨论题目"), max_length=120)
    guide = models.TextField(_("导读"), blank=True)
    study_list = models.JSONField(
        _("书目"), default=list, blank=True, help_text=_("每项：{title, author, note}")
    )
    is_closed = models.BooleanField(_("已关闭"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="training_class__region__code", **_CLASS_PARTICIPANTS)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("论坛话题")
        verbose_name_plural = _("论坛话题")
        ordering = ["training_class_id", "id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("training:topic", args=[self.pk])

    @property
    def region_id(self) -> str:
        return self.training_class.region_id


class Post(models.Model):
    """A post or a reply in a topic; the organiser may hide it (moderation)."""

    topic = models.ForeignKey(
        ForumTopic, verbose_name=_("话题"), on_delete=models.CASCADE, related_name="posts"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("回复"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发帖人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("署名"), max_length=32)
    body = models.TextField(_("内容"), max_length=2000)
    is_hidden = models.BooleanField(_("已屏蔽"), default=False)
    hidden_reason = models.CharField(_("屏蔽理由"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("发帖时间"), auto_now_add=True)

    scope_rules = ScopeRules(
        region="topic__training_class__region__code",
        teacher="topic__training_class__enrollments__teacher",
        user="topic__training_class__enrollments__user",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("帖子")
        verbose_name_plural = _("帖子")
        ordering = ["topic_id", "created_at", "id"]

    def __str__(self):
        return self.body[:30]

    @property
    def region_id(self) -> str:
        return self.topic.training_class.region_id


class EssayStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待评阅")
    RETURNED = "returned", _("退回修改")
    ACCEPTED = "accepted", _("已评阅")
    PUBLISHED = "published", _("优秀展示")


class Essay(ProtectedStatusModel):
    """A trainee's essay (心得体会): submitted, reviewed, the best published."""

    STATUS_TRANSITIONS = {
        EssayStatus.SUBMITTED: {EssayStatus.RETURNED, EssayStatus.ACCEPTED},
        EssayStatus.RETURNED: {EssayStatus.SUBMITTED},
        EssayStatus.ACCEPTED: {EssayStatus.PUBLISHED},
        EssayStatus.PUBLISHED: set(),
    }

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="essays"
    )
    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="essays"
    )
    title = models.CharField(_("题目"), max_length=120)
    body = models.TextField(_("正文"))
    status = models.CharField(
        _("状态"), max_length=12, choices=EssayStatus.choices, default=EssayStatus.SUBMITTED
    )
    review_note = models.TextField(_("评阅意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("评阅时间"), null=True, blank=True)

    scope_rules = ScopeRules(
        region="training_class__region__code",
        teacher="enrollment__teacher_id",
        user="enrollment__user_id",
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("心得体会")
        verbose_name_plural = _("心得体会")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EssayStatus.values), name="essay_status_valid"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def region_id(self) -> str:
        return self.training_class.region_id
