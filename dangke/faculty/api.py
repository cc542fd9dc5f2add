from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import paginate

from dangke.accounts.scoping import get_visible_or_404, shared_in_annotation
from dangke.core.apicontract import BoundedPages, DbId, Year
from dangke.faculty.models import AnnualReview, Teacher, TeacherLevel, TeacherStatus

router = Router(tags=["师资"])


class TeacherOut(Schema):
    id: int
    code: str
    name: str
    gender: str
    level: str
    level_label: str = Field(alias="get_level_display")
    status: str
    status_label: str = Field(alias="get_status_display")
    region: str = Field(alias="region_id")
    employer: str
    position: str
    specialties: list[str]
    groups: list[int]
    shared_in: bool = Field(
        False, description="经协作联盟派来的师资：只给出教学信息（性别、教研组为空）"
    )

    @staticmethod
    def resolve_gender(teacher):
        return "" if getattr(teacher, "shared_in", False) else teacher.gender

    @staticmethod
    def resolve_specialties(teacher):
        return [specialty.category for specialty in teacher.specialties.all()]

    @staticmethod
    def resolve_groups(teacher):
        if getattr(teacher, "shared_in", False):
            return []
        return [group.pk for group in teacher.groups.all()]


class TeacherFilter(FilterSchema):
    region: str | None = Field(None, description="区划代码前缀，如 511102")
    level: TeacherLevel | None = None
    status: TeacherStatus | None = None
    q: str | None = Field(None, description="姓名或编号包含")

    def filter_region(self, value):
        return Q(region__code__startswith=value) if value else Q()

    def filter_q(self, value):
        return Q(name__icontains=value) | Q(code__icontains=value) if value else Q()


def _teachers(scope):
    """The teachers the scope sees; those only lent in (`seen_only_as_shared`) are marked
    `shared_in`, and their schema leaves the personal fields out."""
    return (
        Teacher.objects.visible_to(scope)
        .annotate(shared_in=shared_in_annotation(Teacher, scope))
        .prefetch_related("specialties", "groups")
        .order_by("code")
    )


@router.get("/teachers", response=list[TeacherOut], summary="师资")
@paginate(BoundedPages, page_size=50)
def list_teachers(request, filters: Query[TeacherFilter]):
    return filters.filter(_teachers(request.scope))


@router.get("/teachers/{teacher_id}", response=TeacherOut, summary="师资详情")
def get_teacher(request, teacher_id: DbId):
    return get_visible_or_404(_teachers(request.scope), request.scope, pk=teacher_id)


class ReviewTeacherOut(Schema):
    id: int
    code: str
    name: str


class ReviewOut(Schema):
    id: int
    year: int
    teacher: ReviewTeacherOut
    region: str = Field(alias="region_id")
    level: str
    level_label: str = Field(alias="get_level_display")
    lessons: int
    hours: float
    campaigns: int
    trainings: int
    score: float | None
    n: int = Field(alias="n_responses", description="有效答卷数")
    ci95: list[float] | None
    lessons_scored: int
    passed: bool | None = Field(description="达标；无考核指标时为 null")
    shortfalls: list[str]
    is_final: bool
    computed_at: datetime

    @staticmethod
    def resolve_ci95(review):
        if review.ci_low is None or review.ci_high is None:
            return None
        return [review.ci_low, review.ci_high]

    @staticmethod
    def resolve_computed_at(review):
        return timezone.localtime(review.computed_at)


class ReviewFilter(FilterSchema):
    year: Year | None = None
    region: str | None = Field(None, description="区划代码前缀，如 511102")
    level: TeacherLevel | None = None
    passed: bool | None = None
    teacher: DbId | None = Field(None, description="师资 id")

    def filter_region(self, value):
        return Q(region__code__startswith=value) if value else Q()

    def filter_teacher(self, value):
        return Q(teacher_id=value) if value else Q()


@router.get(
    "/reviews",
    response=list[ReviewOut],
    summary="年度考核",
    description="由年度考核计算得出的各师资年度结果（授课场次、时长、专项活动、得分与区间、"
    "是否达标及未达标项）。师资本人只看到自己的。",
)
@paginate(BoundedPages, page_size=50)
def list_reviews(request, filters: Query[ReviewFilter]):
    reviews = (
        AnnualReview.objects.visible_to(request.scope)
        .select_related("teacher")
        .order_by("-year", "teacher__code")
    )
    return filters.filter(reviews)
