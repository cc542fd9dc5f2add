"""The year's new-media figures for `dangke stats` (the lead wires them into
reports.queries). Every key is always present, with zeros.

works: works first published in the year ({"total", "by_kind"}); views and completions:
the counters of those works (views are not dated: nobody is tracked); comments and danmaku:
members' plain comments and 弹幕 posted in the year, whatever their review state except
removed."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, Sum
from django.utils import timezone

from dangke.accounts.scoping import as_scope, visible_within
from dangke.core.calendar import report_year
from dangke.media.models import CommentStatus, MediaComment, MediaKind, MediaWork


def media_figures(scope, year: int | None = None, region_code: str | None = None) -> dict:
    scope = as_scope(scope)
    year = year or report_year()
    zone = timezone.get_default_timezone()
    start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)

    works = visible_within(MediaWork, scope, region_code).filter(
        published_at__gte=start, published_at__lt=end
    )
    by_kind = {value: 0 for value in MediaKind.values}
    for row in works.values("kind").annotate(n=Count("pk")):
        by_kind[row["kind"]] += row["n"]
    totals = works.aggregate(views=Sum("view_count"), completions=Sum("completion_count"))
    comments = (
        visible_within(MediaComment, scope, region_code)
        .filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=CommentStatus.REMOVED)
        .aggregate(
            comments=Count("pk", filter=Q(danmaku_at_seconds__isnull=True)),
            danmaku=Count("pk", filter=Q(danmaku_at_seconds__isnull=False)),
        )
    )
    return {
        "works": {"total": sum(by_kind.values()), "by_kind": by_kind},
        "views": totals["views"] or 0,
        "completions": totals["completions"] or 0,
        "comments": comments["comments"],
        "danmaku": comments["danmaku"],
    }
