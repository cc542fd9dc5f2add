"""bench/province.py names why a page misses the goal (issue #18): a known cause per page
name, and "unknown" for a page that newly misses."""

from bench.province import KNOWN_CAUSES, Measure, misses_explained


def row(page: str, upper_ms: float, lower_ms: float) -> dict:
    return {
        "page": page,
        "interactive": True,
        "upper": Measure(p50=upper_ms, p95=upper_ms, queries=5, status=200),
        "lower": Measure(p50=lower_ms, p95=lower_ms, queries=5, status=200),
        "ratio": upper_ms / lower_ms,
    }


def test_each_missing_page_is_explained_and_a_page_that_meets_the_goal_is_not_listed():
    rows = [
        row("工作台", 3764, 413),
        row("师资库 首页", 90, 80),
        row("新页面", 900, 100),
    ]
    assert misses_explained(rows) == [
        f"- 工作台: {KNOWN_CAUSES['工作台']}",
        "- 新页面: 原因未知（新出现的未达标）",
    ]
