"""The moments of a video that drew most 弹幕: a histogram in fixed buckets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable


def hot_moments(
    seconds: Iterable[int | None], bucket: int = 30, top: int = 3
) -> list[dict[str, int]]:
    """The `top` buckets with most 弹幕, as {"start", "end", "count"} (seconds, end
    exclusive), most first, earlier first on ties. None values (plain comments) are
    ignored."""
    if bucket <= 0:
        raise ValueError("bucket must be positive")
    counts = Counter(int(s) // bucket for s in seconds if s is not None and s >= 0)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [
        {"start": index * bucket, "end": (index + 1) * bucket, "count": count}
        for index, count in ranked
    ]


def format_moment(moment: dict[str, int]) -> str:
    """ "01:30–02:00" for a moment from `hot_moments`."""

    def clock(value: int) -> str:
        return f"{value // 60:02d}:{value % 60:02d}"

    return f"{clock(moment['start'])}–{clock(moment['end'])}"
