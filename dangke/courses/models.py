from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangke.accounts.scoping import ScopedQuerySet, ScopeRules
from dangke.core.status import ProtectedStatusModel
from dangke.courses.categories import CourseCategory


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    LISTED = "listed", _("上架")
    RECTIFYING = "rectifying", _("整改")
    WITHDRAWN = "withdrawn", _("下架")


class CourseSeries(models.Model):
    """A themed series or brand of courses (课程群组), e.g. a local-heritage series."""

    name = models.CharField(_("名称"), max_length=120)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("简介"), blank=True)

    scope_rules = ScopeRules(region="region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("课程群组")
        verbose_name_plural = _("课程群组")
        ordering = ["region_id", "name"]

    def __str__(self):
        return self.name


class Course(ProtectedStatusModel):
    """A course in the library (课程库). Status moves only through courses.services."""

    STATUS_TRANSITIONS = {
        CourseStatus.DRAFT: {CourseStatus.LISTED, CourseStatus.WITHDRAWN},
        CourseStatus.LISTED: {CourseStatus.RECTIFYING, CourseStatus.WITHDRAWN},
        CourseStatus.RECTIFYING: {CourseStatus.LISTED, CourseStatus.WITHDRAWN},
        CourseStatus.WITHDRAWN: {CourseStatus.DRAFT},
    }

    code = models.CharField(_("课程编号"), max_length=32, unique=True)
    title = models.CharField(_("课程名称"), max_length=200)
    category = models.CharField(_("课程类别"), max_length=16, choices=CourseCategory.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=CourseStatus.choices, default=CourseStatus.DRAFT
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    teaching_group = models.ForeignKey(
        "faculty.TeachingGroup",
        verbose_name=_("教研组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    series = models.ForeignKey(
        CourseSeries,
        verbose_name=_("课程群组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    teachers = models.ManyToManyField(
        "faculty.Teacher", verbose_name=_("授课师资"), blank=True, related_name="courses"
    )
    summary = models.TextField(_("课程简介"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("课时(分钟)"), default=90)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # shared: a course a member city shares with its alliance (alliances.sharing).
    scope_rules = ScopeRules(
        region="region__code",
        teacher="teachers",
        group="teaching_group_id",
        shared=(("course", "pk"),),
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["region_id", "code"]
        indexes = [models.Index(fields=["region", "category", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CourseStatus.values), name="course_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(category__in=CourseCategory.values), name="course_category_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("courses:detail", args=[self.pk])

    @property
    def planned_minutes(self) -> int:
        return sum(item.planned_minutes for item in self.outline.all())


class ExcellentDesignation(models.Model):
    """A course named excellent (精品) for one year, e.g. from the top-ten contest."""

    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="excellent_years"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    reason = models.CharField(_("认定依据"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("认定时间"), auto_now_add=True)

    scope_rules = ScopeRules(region="course__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("精品课程认定")
        verbose_name_plural = _("精品课程认定")
        ordering = ["-year", "course_id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "year"], name="excellent_once_a_year")
        ]

    def __str__(self):
        return f"{self.year} {self.course}"


class OutlineItem(models.Model):
    """A knowledge point (知识点) of a course outline, with its planned minutes."""

    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="outline"
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("知识点"), max_length=200)
    planned_minutes = models.PositiveSmallIntegerField(_("计划用时(分钟)"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True, help_text=_("以逗号分隔"))

    class Meta:
        verbose_name = _("知识点")
        verbose_name_plural = _("知识点")
        ordering = ["course_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="outline_position_unique")
        ]

    def __str__(self):
        return self.title

    @property
    def keyword_list(self) -> list[str]:
        return [
            word.strip() for word in self.keywords.replace("，", ",").split(",") if word.strip()
        ]


def courseware_path(instance, filename):
    return f"courseware/{instance.course_id}/v{instance.version}/{filename}"


class Courseware(models.Model):
    """One version of a course's courseware file (课件). Files are checked by
    courses.uploads before they are saved."""

    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="courseware"
    )
    version = models.PositiveIntegerField(_("版本"))
    file = models.FileField(_("文件"), upload_to=courseware_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    kind = models.CharField(_("文件类型"), max_length=16)
    size_bytes = models.PositiveBigIntegerField(_("大小(字节)"))
    note = models.CharField(_("更新说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    scope_rules = ScopeRules(
        region="course__region__code", teacher="course__teachers", shared=(("course", "course_id"),)
    )
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("课件")
        verbose_name_plural = _("课件")
        ordering = ["course_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["course", "version"], name="courseware_version_unique")
        ]

    def __str__(self):
        return f"{self.course} v{self.version}"


class CourseOrigin(models.Model):
    """Where a course imported from a course package (课程包) came from: the other
    installation, its region and its own course code, and which version of the package was
    imported last. Re-importing the same origin course into the same region updates the
    course instead of making a second one (courses.packages)."""

    course = models.OneToOneField(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="origin"
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("导入到的区划"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    installation = models.CharField(_("来源平台"), max_length=200)
    origin_region_code = models.CharField(_("来源区划代码"), max_length=12)
    origin_region_name = models.CharField(_("来源区划"), max_length=200)
    origin_code = models.CharField(_("来源课程编号"), max_length=32)
    revised_at = models.DateTimeField(_("来源修订时间"))
    exported_at = models.DateTimeField(_("导出时间"))
    content_sha256 = models.CharField(_("内容校验值"), max_length=64)
    format_version = models.PositiveSmallIntegerField(_("课程包格式版本"))
    score = models.JSONField(_("来源平台的课程评价"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("首次导入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("最近导入时间"), auto_now=True)

    scope_rules = ScopeRules(region="course__region__code")
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("课程来源")
        verbose_name_plural = _("课程来源")
        ordering = ["installation", "origin_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "installation", "origin_region_code", "origin_code"],
                name="course_origin_once_per_region",
            )
        ]

    def __str__(self):
        return f"{self.installation} · {self.origin_region_name} · {self.origin_code}"
