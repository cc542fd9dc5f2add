"""Course suggestions and teacher warnings in the JSON API, scoped like their pages: an
organisation or a teacher outside the caller's scope is answered 404."""

from typing import Literal

from ninja import Router, Schema

from dangke.accounts.scoping import get_visible_or_404
from dangke.advice import services
from dangke.regions.models import Organization

router = Router(tags=["建议与预警"])


class ErrorOut(Schema):
    detail: str


class SuggestionOut(Schema):
    course_id: int
    course_code: str
    title: str
    category: str
    reasons: list[str]
    score: float


class SuggestionsOut(Schema):
    organization_id: int
    organization: str
    season: str
    suggestions: list[SuggestionOut]


class WarningOut(Schema):
    teacher_id: int
    teacher: str
    level: str
    level_label: str
    evidence: list[str]
    helps: list[str]


@router.get(
    "/suggestions",
    response={200: SuggestionsOut, 404: ErrorOut},
    summary="为一个基层党组织推荐的课程（附推荐理由）",
)
def suggestions(request, organization: int, limit: int = 8):
    found = get_visible_or_404(Organization, request.scope, pk=organization)
    advice = services.suggestions_for(request.scope, found, limit=max(1, min(limit, 20)))
    return {
        "organization_id": found.pk,
        "organization": found.name,
        "season": advice.season,
        "suggestions": [
            {
                "course_id": item.course.pk,
                "course_code": item.course.code,
                "title": item.course.title,
                "category": item.course.category,
                "reasons": item.reasons,
                "score": item.score,
            }
            for item in advice.suggestions
        ],
    }


@router.get(
    "/warnings",
    response={200: list[WarningOut], 404: ErrorOut},
    summary="师资考核预警（可按师资筛选；只含本人可见的师资）",
)
def warnings(request, teacher: int | None = None, level: Literal["warn", "watch"] | None = None):
    teachers = services.pool_teachers(request.scope)
    if teacher is not None:
        teachers = teachers.filter(pk=get_visible_or_404(teachers, request.scope, pk=teacher).pk)
    rows = services.warnings_for(request.scope, teachers=teachers)
    if level:
        rows = [row for row in rows if row.level == level]
    return [
        {
            "teacher_id": row.teacher.pk,
            "teacher": row.teacher.name,
            "level": row.level,
            "level_label": row.level_label,
            "evidence": row.evidence,
            "helps": [help["text"] for help in row.helps],
        }
        for row in rows
    ]
