"""The year's figures (年度数据) in the JSON API: `dangke.reports.queries.year_figures`, the
function behind the dashboard and `dangke stats --json`, with the same stable keys, for
what the caller's scope sees."""

from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from dangke.core.calendar import report_year
from dangke.regions.models import Region
from dangke.reports.queries import year_figures

router = Router(tags=["年度数据"])


class StatsQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度（默认今年，北京时间）")
    region: str | None = Field(None, description="只统计该区划之内，须在本人管辖范围内，如 511102")


@router.get(
    "/stats",
    response=dict[str, Any],
    summary="年度数据",
    description="与 `dangke stats --json` 键名相同的年度数据，按当前用户的范围统计。"
    "`region` 只能在本人按区划管辖的范围内收窄，超出范围或不存在的区划返回 404。",
)
def get_stats(request, query: Query[StatsQuery]):
    scope = request.scope
    region = query.region or None
    if region is not None and (
        not scope.covers_region(region)
        or not Region.objects.unscoped("a region the scope covers").filter(code=region).exists()
    ):
        raise HttpError(404, "区划不存在，或不在您的管辖范围内")
    return year_figures(scope, query.year or report_year(), region)
