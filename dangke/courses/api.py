from django.db.models import Q
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from dangke.accounts.scoping import get_visible_or_404, shared_in_annotation
from dangke.core.apicontract import BoundedPages, DbId
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus

router = Router(tags=["课程库"])


class OutlineItemOut(Schema):
    title: str
    planned_minutes: int


class CourseOut(Schema):
    id: int
    code: str
    title: str
    category: str
    category_label: str = Field(alias="get_category_display")
    status: str
    status_label: str = Field(alias="get_status_display")
    region: str = Field(alias="region_id")
    series: str | None
    duration_minutes: int
    teachers: list[int]
    excellent_years: list[int]
    origin_region: str = Field(
        description="课程的来源区划代码：本平台课程为其所属区划，课程包导入的课程为来源平台的区划"
    )
    origin_region_name: str
    shared_in: bool = Field(
        description="true：课程属于协作联盟的其他成员，由其共享给调用者所在区划（可查看、点单，不可修改）"
    )

    @staticmethod
    def resolve_origin_region(course):
        origin = getattr(course, "origin", None)  # set when imported from a course package
        return origin.origin_region_code if origin else course.region_id

    @staticmethod
    def resolve_origin_region_name(course):
        origin = getattr(course, "origin", None)
        return origin.origin_region_name if origin else course.region.name

    @staticmethod
    def resolve_series(course):
        return course.series.name if course.series else None

    @staticmethod
    def resolve_teachers(course):
        return [teacher.pk for teacher in course.teachers.all()]

    @staticmethod
    def resolve_excellent_years(course):
        return sorted(designation.year for designation in course.excellent_years.all())


class CourseDetailOut(CourseOut):
    summary: str
    outline: list[OutlineItemOut]

    @staticmethod
    def resolve_outline(course):
        return list(course.outline.all())


class CourseFilter(FilterSchema):
    region: str | None = Field(None, description="区划代码前缀，如 5111")
    category: CourseCategory | None = None
    status: CourseStatus | None = None
    excellent_year: int | None = Field(None, description="某年度的精品课程")
    q: str | None = Field(None, description="名称或编号包含")

    def filter_region(self, value):
        return Q(region__code__startswith=value) if value else Q()

    def filter_excellent_year(self, value):
        return (
            Q(pk__in=Course.objects.filter(excellent_years__year=value).values("pk"))
            if value
            else Q()
        )

    def filter_q(self, value):
        return Q(title__icontains=value) | Q(code__icontains=value) if value else Q()


def _courses(scope):
    return (
        Course.objects.visible_to(scope)
        .annotate(shared_in=shared_in_annotation(Course, scope))
        .select_related("series", "region", "origin")
        .prefetch_related("teachers", "excellent_years", "outline")
        .order_by("code")
    )


@router.get("/courses", response=list[CourseOut], summary="课程库")
@paginate(BoundedPages, page_size=50)
def list_courses(request, filters: Query[CourseFilter]):
    return filters.filter(_courses(request.scope))


@router.get("/courses/{course_id}", response=CourseDetailOut, summary="课程详情（含知识点大纲）")
def get_course(request, course_id: DbId):
    return get_visible_or_404(_courses(request.scope), request.scope, pk=course_id)
