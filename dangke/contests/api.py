"""The top-ten contests (擂台赛) in the JSON API: stage, year, region and counts of each
contest the user sees (exactly the contests the list page shows), and the ranking once it
is public. Before 公示 the results answer 404 with the reason; no entry, blind code or name
is given out, so the API never links a blind code to its entrant. After 公示 the rows are
the frozen notice (the top `finalists`, as on the notice page)."""

from datetime import date

from django.db.models import Count, Q
from django.http import Http404
from ninja import Field, FilterSchema, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from dangke.contests import rules
from dangke.contests.models import ContestEntry, Round, Stage
from dangke.contests.services import winners_of
from dangke.core.apicontract import BoundedPages, DbId, Year

router = Router(tags=["擂台赛"])

PUBLIC_STAGES = (Stage.NOTICE, Stage.RESULT)


class ContestOut(Schema):
    id: int
    name: str
    year: int
    region: str = Field(alias="region_id")
    region_name: str
    stage: str = Field(alias="status")
    stage_label: str = Field(alias="get_status_display")
    results_public: bool
    entries: int = Field(alias="n_entries", description="参赛作品数")
    finalist_entries: int = Field(alias="n_finalists", description="进入决赛的作品数")
    judges: int = Field(alias="n_judges", description="评委数")
    awards: int = Field(alias="n_awards", description="已颁发的十佳课程数")
    finalists: int = Field(description="决赛名额")
    winners: int = Field(description="获奖名额")
    library_year: int
    notice_ends: date | None

    @staticmethod
    def resolve_region_name(contest):
        return contest.region.name

    @staticmethod
    def resolve_results_public(contest):
        return contest.status in PUBLIC_STAGES


class ContestFilter(FilterSchema):
    year: Year | None = None
    stage: Stage | None = None
    region: str | None = Field(None, description="区划代码前缀，如 5111")

    def filter_stage(self, value):
        return Q(status=value) if value else Q()

    def filter_region(self, value):
        return Q(region__code__startswith=value) if value else Q()


class ResultRowOut(Schema):
    rank: int
    entry_id: int
    course_id: int | None
    course: str
    teachers: list[str]
    group: str
    round: str
    round_label: str
    score: float
    winner: bool = Field(description="获奖（公示异议成立的作品不计）")
    award_rank: int | None = Field(description="入库后的十佳名次")


class ContestResultsOut(Schema):
    contest_id: int
    stage: str
    stage_label: str
    notice_ends: date | None
    library_year: int
    items: list[ResultRowOut]


def _contests(scope):
    """The contests the list page shows (an open registration included for a group
    leader), with their counts."""
    return (
        rules.visible_contests(scope)
        .select_related("region")
        .annotate(
            n_entries=Count("entries", distinct=True),
            n_finalists=Count("entries", filter=Q(entries__finalist=True), distinct=True),
            n_judges=Count("judges", distinct=True),
            n_awards=Count("awards", distinct=True),
        )
        .order_by("-year", "-id")
    )


def _contest(scope, contest_id: int):
    contest = rules.visible_contests(scope).select_related("region").filter(pk=contest_id).first()
    if contest is None:
        raise Http404("未找到，或不在您的管辖范围内")
    return contest


@router.get("/contests", response=list[ContestOut], summary="擂台赛")
@paginate(BoundedPages, page_size=50)
def list_contests(request, filters: Query[ContestFilter]):
    return filters.filter(_contests(request.scope))


@router.get("/contests/{contest_id}", response=ContestOut, summary="擂台赛详情")
def get_contest(request, contest_id: DbId):
    contest = _contests(request.scope).filter(pk=contest_id).first()
    if contest is None:
        raise Http404("未找到，或不在您的管辖范围内")
    return contest


@router.get(
    "/contests/{contest_id}/results",
    response=ContestResultsOut,
    summary="擂台赛公示名单与结果",
    description="公示（及结果）阶段才公开：名次、课程、参赛教师、教研组、得分和轮次，"
    "与公示页相同。公示前返回 404，不给出任何作品或匿名编号。",
)
def get_contest_results(request, contest_id: DbId):
    contest = _contest(request.scope, contest_id)
    if contest.status not in PUBLIC_STAGES:
        raise HttpError(
            404,
            f"尚未公示：比赛处于「{contest.get_status_display()}」阶段，评审结果在公示后公开",
        )
    rows = contest.ranking[: contest.finalists]
    entries = {
        entry.pk: entry
        for entry in ContestEntry.objects.unscoped("entries of a contest fetched in scope")
        .filter(contest=contest, pk__in=[row["entry"] for row in rows])
        .select_related("award")
    }
    winners = {row["entry"] for row in winners_of(contest)}
    items = []
    for row in rows:
        entry = entries.get(row["entry"])
        award = getattr(entry, "award", None) if entry else None
        items.append(
            {
                "rank": row["rank"],
                "entry_id": row["entry"],
                "course_id": entry.course_id if entry else None,
                "course": row["course"],
                "teachers": [name for name in row["teachers"].split("、") if name],
                "group": row["group"],
                "round": row["round"],
                "round_label": str(Round(row["round"]).label),
                "score": row["score"],
                "winner": row["entry"] in winners,
                "award_rank": award.rank if award else None,
            }
        )
    return {
        "contest_id": contest.pk,
        "stage": contest.status,
        "stage_label": contest.get_status_display(),
        "notice_ends": contest.notice_ends,
        "library_year": contest.library_year,
        "items": items,
    }
