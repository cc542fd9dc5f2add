"""The year's figures (年度数据) of a region, as the work reports quote them.

Every count reads through `Model.objects.visible_to(scope)`, so a county admin's dashboard
counts only their county. The keys of `year_figures` are stable: `dangke stats --json`
prints them and other tools read them; every key is always present, with zeros.
"""

from __future__ import annotations

from django.db.models import Count, Sum
from django.utils import timezone

from dangke.accounts.scoping import Scope, as_scope
from dangke.courses.categories import CourseCategory
from dangke.courses.models import Course, CourseStatus, ExcellentDesignation
from dangke.faculty.models import LectureTeam, Teacher, TeacherLevel, TeacherStatus, TeachingGroup
from dangke.regions.models import Organization, OrganizationKind, Region, RegionLevel


def _scoped(model, scope: Scope, region_code: str | None):
    queryset = model.objects.visible_to(scope)
    if region_code:
        queryset = queryset.filter(**{f"{model.scope_rules.region}__startswith": region_code})
    return queryset.order_by()


def _zeros(choices) -> dict[str, int]:
    return {value: 0 for value in choices.values}


def _region_of(scope: Scope, region_code: str | None) -> dict[str, str]:
    code = region_code
    if code is None and len(scope.region_codes) == 1:
        code = scope.region_codes[0]
    if code:
        region = Region.objects.filter(code=code).only("name").first()
        return {"code": code, "name": region.name if region else code}
    if scope.is_superuser and not scope.region_codes:
        return {"code": "", "name": "全部区划"}
    return {"code": "", "name": "可见范围"}


def year_figures(scope, year: int | None = None, region_code: str | None = None) -> dict:
    """The figures of `year` (default: this year in Asia/Shanghai) that `scope` (a Scope or
    a user) may see, optionally narrowed to the region subtree `region_code`.

    Keys: year, region{code,name}, teachers{total,by_level,by_status}, teaching_groups,
    lecture_teams, organizations{total,by_kind}, members, villages,
    courses{total,by_category,by_status,excellent}. Organisations and members count active
    organisations; villages counts village-level divisions (村、社区) in the region.
    """
    scope = as_scope(scope)
    year = year or timezone.localdate().year

    by_level, by_status = _zeros(TeacherLevel), _zeros(TeacherStatus)
    for row in (
        _scoped(Teacher, scope, region_code).values("level", "status").annotate(n=Count("pk"))
    ):
        by_level[row["level"]] += row["n"]
        by_status[row["status"]] += row["n"]

    by_kind, members = _zeros(OrganizationKind), 0
    organizations = _scoped(Organization, scope, region_code).filter(is_active=True)
    for row in organizations.values("kind").annotate(n=Count("pk"), members=Sum("member_count")):
        by_kind[row["kind"]] += row["n"]
        members += row["members"] or 0

    by_category, by_course_status = _zeros(CourseCategory), _zeros(CourseStatus)
    for row in (
        _scoped(Course, scope, region_code).values("category", "status").annotate(n=Count("pk"))
    ):
        by_category[row["category"]] += row["n"]
        by_course_status[row["status"]] += row["n"]

    villages = _scoped(Region, scope, region_code).filter(level=RegionLevel.VILLAGE).count()
    excellent = _scoped(ExcellentDesignation, scope, region_code).filter(year=year).count()
    return {
        "year": year,
        "region": _region_of(scope, region_code),
        "teachers": {
            "total": sum(by_level.values()),
            "by_level": by_level,
            "by_status": by_status,
        },
        "teaching_groups": _scoped(TeachingGroup, scope, region_code).count(),
        "lecture_teams": _scoped(LectureTeam, scope, region_code).count(),
        "organizations": {"total": sum(by_kind.values()), "by_kind": by_kind},
        "members": members,
        "villages": villages,
        "courses": {
            "total": sum(by_category.values()),
            "by_category": by_category,
            "by_status": by_course_status,
            "excellent": excellent,
        },
    }
