from django.db.models import Q
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from dangke.accounts.scoping import get_visible_or_404
from dangke.faculty.models import Teacher, TeacherLevel, TeacherStatus

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

    @staticmethod
    def resolve_specialties(teacher):
        return [specialty.category for specialty in teacher.specialties.all()]

    @staticmethod
    def resolve_groups(teacher):
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
    return (
        Teacher.objects.visible_to(scope).prefetch_related("specialties", "groups").order_by("code")
    )


@router.get("/teachers", response=list[TeacherOut], summary="师资")
@paginate(PageNumberPagination, page_size=50)
def list_teachers(request, filters: Query[TeacherFilter]):
    return filters.filter(_teachers(request.scope))


@router.get("/teachers/{teacher_id}", response=TeacherOut, summary="师资详情")
def get_teacher(request, teacher_id: int):
    return get_visible_or_404(_teachers(request.scope), request.scope, pk=teacher_id)
