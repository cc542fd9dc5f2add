"""Lessons (授课活动) in the JSON API: the calendar's rows, scoped like the lesson pages (a
county's office sees its county, a liaison their organisation's lessons, a teacher their
own). Times are given in Asia/Shanghai."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.apicontract import BoundedPages, DbId, Year
from dangke.delivery import services
from dangke.delivery.models import DeliveryMode, Lesson, LessonStatus

router = Router(tags=["授课"])


class CourseRef(Schema):
    id: int
    code: str
    title: str


class OrganizationRef(Schema):
    id: int
    name: str


class TeacherRef(Schema):
    id: int
    name: str


class CampaignRef(Schema):
    id: int
    name: str


class LessonOut(Schema):
    id: int
    course: CourseRef
    organization: OrganizationRef
    region: str = Field(alias="region_id")
    teachers: list[TeacherRef]
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    venue: str
    mode: str
    mode_label: str = Field(alias="get_mode_display")
    status: str
    status_label: str = Field(alias="get_status_display")
    attendees_count: int
    campaign: CampaignRef | None

    @staticmethod
    def resolve_teachers(lesson):
        return list(lesson.teachers.all())

    @staticmethod
    def resolve_starts_at(lesson):
        return timezone.localtime(lesson.starts_at)

    @staticmethod
    def resolve_ends_at(lesson):
        return timezone.localtime(lesson.ends_at)


class LessonFilter(FilterSchema):
    year: Year | None = Field(None, description="开始时间所在年度（北京时间）")
    status: LessonStatus | None = None
    mode: DeliveryMode | None = None
    region: str | None = Field(None, description="区划代码前缀，如 511102")
    organization: DbId | None = Field(None, description="承办组织 id")
    teacher: DbId | None = Field(None, description="授课师资 id")
    course: DbId | None = Field(None, description="课程 id")
    campaign: DbId | None = Field(None, description="专项活动 id")

    def filter_year(self, value):
        return Q(starts_at__year=value) if value else Q()

    def filter_region(self, value):
        return Q(region__code__startswith=value) if value else Q()

    def filter_organization(self, value):
        return Q(organization_id=value) if value else Q()

    def filter_teacher(self, value):
        # one row per (lesson, teacher): the join cannot repeat a lesson
        return Q(teachers=value) if value else Q()

    def filter_course(self, value):
        return Q(course_id=value) if value else Q()

    def filter_campaign(self, value):
        return Q(campaign_id=value) if value else Q()


def _lessons(scope):
    return (
        Lesson.objects.visible_to(scope)
        .select_related("course", "organization", "campaign")
        .prefetch_related("teachers")
        .order_by("starts_at", "id")
    )


class LessonPages(BoundedPages):
    """A province's list counts half a million lessons on every page: the rollup's tallies
    know the count when the filters are among theirs (issue #18)."""

    def count(self, queryset, request, **params):
        counted = services.lessons_counted(request.scope, **params["filters"].model_dump())
        return self._items_count(queryset) if counted is None else counted


@router.get("/lessons", response=list[LessonOut], summary="授课活动（按开始时间排序）")
@paginate(LessonPages, page_size=50)
def list_lessons(request, filters: Query[LessonFilter]):
    return filters.filter(_lessons(request.scope))


@router.get("/lessons/{lesson_id}", response=LessonOut, summary="授课活动详情")
def get_lesson(request, lesson_id: DbId):
    return get_visible_or_404(_lessons(request.scope), request.scope, pk=lesson_id)
