from django.conf import settings
from django.db import models
from django.urls import reverse

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel
from dangke.courses.categories import CourseCategory


class TeacherLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class TeacherStatus(models.TextChoices):
    CANDIDATE = "candidate", "候选"
    ACTIVE = "active", "在库"
    WARNING = "warning", "预警"
    RECTIFYING = "rectifying", "整改"
    EXITED = "exited", "退出"


class TeachingGroup(models.Model):
    """A teaching-research group (教研组); the seeds' city has nine."""

    name = models.CharField("名称", max_length=64)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    focus = models.CharField("研究方向", max_length=120, blank=True)
    description = models.TextField("简介", blank=True)

    scope_rules = ScopeRules(region="region__code", group="pk", teacher="teachers")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "教研组"
        verbose_name_plural = "教研组"
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

    code = models.CharField("师资编号", max_length=32, unique=True)
    name = models.CharField("姓名", max_length=32)
    gender = models.CharField(
        "性别", max_length=2, choices=[("男", "男"), ("女", "女")], blank=True
    )
    birth_year = models.PositiveSmallIntegerField("出生年份", null=True, blank=True)
    employer = models.CharField("工作单位", max_length=120, blank=True)
    position = models.CharField("职务/职称", max_length=64, blank=True)
    phone = models.CharField("联系电话", max_length=32, blank=True)
    level = models.CharField("师资级别", max_length=16, choices=TeacherLevel.choices)
    status = models.CharField(
        "状态", max_length=16, choices=TeacherStatus.choices, default=TeacherStatus.CANDIDATE
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    home_latitude = models.FloatField("常驻地纬度", null=True, blank=True)
    home_longitude = models.FloatField("常驻地经度", null=True, blank=True)
    max_travel_km = models.PositiveIntegerField("最远授课距离(公里)", default=80)
    groups = models.ManyToManyField(
        TeachingGroup, verbose_name="教研组", blank=True, related_name="teachers"
    )
    photo = models.ImageField("照片", upload_to="teachers/photos/", blank=True)
    bio = models.TextField("个人简介", blank=True)
    joined_on = models.DateField("入库日期", null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teacher_profile",
    )

    scope_rules = ScopeRules(region="region__code", teacher="pk", group="groups")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "师资"
        verbose_name_plural = "师资"
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
        Teacher, verbose_name="师资", on_delete=models.CASCADE, related_name="specialties"
    )
    category = models.CharField("专长类别", max_length=16, choices=CourseCategory.choices)

    class Meta:
        verbose_name = "师资专长"
        verbose_name_plural = "师资专长"
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

    name = models.CharField("名称", max_length=64)
    region = models.ForeignKey(
        "regions.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        Teacher,
        verbose_name="队长",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    members = models.ManyToManyField(
        Teacher, verbose_name="队员", blank=True, related_name="lecture_teams"
    )
    description = models.TextField("说明", blank=True)

    scope_rules = ScopeRules(region="region__code", teacher="members")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "宣讲队"
        verbose_name_plural = "宣讲队"
        ordering = ["region_id", "name"]

    def __str__(self):
        return self.name
