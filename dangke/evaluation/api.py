"""A lesson's published score in the JSON API: the same result the lesson's score page
shows (`dangke.evaluation.scores.refresh_score`), with its n and 95 % interval, and per
rater role the same figures the page's table gives — a role's mean only from five answers
up, so nobody's rating can be inferred."""

from datetime import datetime

from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from dangke.accounts.scoping import get_visible_or_404
from dangke.core.apicontract import DbId
from dangke.delivery.models import Lesson
from dangke.evaluation.basis import basis_citation
from dangke.evaluation.models import SurveyKind
from dangke.evaluation.scores import BREAKDOWN_MIN, is_provisional, refresh_score, role_label

router = Router(tags=["评估"])


class RoleScoreOut(Schema):
    role: str
    label: str
    n: int
    counted: bool
    min_n: int
    excluded: int
    weight: float
    share: float | None
    mean: float | None
    sd: float | None


class LessonScoreOut(Schema):
    lesson_id: int
    score: float
    ci95: list[float]
    n: int
    provisional: bool
    published_at: datetime | None
    attendance: int
    trainee_responses_required: int
    indicator_system: str
    roles: list[RoleScoreOut]


@router.get(
    "/lessons/{lesson_id}/score",
    response=LessonScoreOut,
    summary="授课评价得分（已发布）",
    description="与授课评价页相同的得分、有效答卷 n 与 95% 区间，以及各评价主体的答卷数、"
    f"权重和平均分（少于 {BREAKDOWN_MIN} 份时不给平均分），以及计分依据的指标体系版本和权重。"
    "未测评或样本不足未发布时返回 404。",
)
def get_lesson_score(request, lesson_id: DbId):
    lesson = get_visible_or_404(Lesson, request.scope, pk=lesson_id)
    survey = lesson.surveys.filter(kind=SurveyKind.ON_SITE).select_related("system").first()
    if survey is None:
        raise HttpError(404, "该授课还没有发起测评")
    result = refresh_score(survey)
    if not result["published"]:
        computation = result["computation"]
        raise HttpError(
            404,
            f"样本不足：学员有效答卷 {computation['trainee_responses_counted']} 份，"
            f"需 {computation['trainee_responses_required']} 份才发布",
        )
    shares = result["computation"]["role_weights_used"]
    roles = []
    for role_id, row in result["roles"].items():
        shown = row["n"] >= BREAKDOWN_MIN
        roles.append(
            {
                "role": role_id,
                "label": role_label(role_id),
                "n": row["n"],
                "counted": row["counted"],
                "min_n": row["min_n"],
                "excluded": row["excluded"],
                "weight": row["weight"],
                "share": shares.get(role_id),
                "mean": row["mean"] if shown else None,
                "sd": row["sd"] if shown else None,
            }
        )
    return {
        "lesson_id": lesson.pk,
        "score": result["score"],
        "ci95": result["ci95"],
        "n": sum(row["n"] for row in result["roles"].values() if row["counted"]),
        "provisional": is_provisional(survey),
        "published_at": timezone.localtime(survey.published_at) if survey.published_at else None,
        "attendance": result["computation"]["attendance"],
        "trainee_responses_required": result["computation"]["trainee_responses_required"],
        "indicator_system": basis_citation(result.get("basis")),
        "roles": roles,
    }
