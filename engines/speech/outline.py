"""Time per knowledge point: align the transcript to the outline.

The transcript is cut into units at every spoken section marker (第二部分 …). When the
teacher announced every part in order (第二部分 … 第N部分), those announcements are the
boundaries. Otherwise each unit gets a score per outline point from its key terms (exact
and fuzzy) above that point's mean over the lecture, so a term heard throughout favours no
stretch however long the lecture; a dynamic programme splits the units, in order, into one
contiguous block per point, maximising that agreement plus a bonus for blocks that begin at
a marker (more when the marker's number is the point's number). With no markers and no key
terms the outline's planned minutes decide. A teacher's hand-set boundaries replace the
computed ones (`points_from_starts`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from engines.speech.text import count_chars, find_section_markers, keyword_score

MARKER_BONUS = 3.0
NUMBER_BONUS = 2.0
MARKER_INSIDE_PENALTY = 1.0
PRIOR_WEIGHT = 1.0


@dataclass
class Unit:
    start_s: float
    end_s: float
    text: str
    marker_number: int | None = None
    is_marker: bool = False
    is_major: bool = False  # a part's marker (第二部分), not a point's inside one (第二点)


def units_from_segments(segments: list[dict]) -> list[Unit]:
    units: list[Unit] = []
    for segment in segments:
        text, start, end = segment["text"], segment["start_s"], segment["end_s"]
        cuts = find_section_markers(text)
        offsets = [0] + [offset for offset, _, _ in cuts if offset > 0] + [len(text)]
        numbers = {offset: number for offset, number, _ in cuts}
        major = {offset for offset, _, is_major in cuts if is_major}
        length = max(len(text), 1)
        for a, b in itertools.pairwise(offsets):
            if b <= a:
                continue
            units.append(
                Unit(
                    start_s=start + (end - start) * a / length,
                    end_s=start + (end - start) * b / length,
                    text=text[a:b],
                    marker_number=numbers.get(a),
                    is_marker=a in numbers,
                    is_major=a in major,
                )
            )
    return units


def _terms(point: dict) -> list[str]:
    return [point.get("title", ""), *point.get("keywords", [])]


def align(outline: list[dict], segments: list[dict], duration_s: float) -> list[float]:
    """Start time (s) of each outline point; the first starts at 0."""
    count = len(outline)
    if count == 0:
        return []
    units = units_from_segments(segments)
    if len(units) < count:
        return _planned_starts(outline, duration_s)
    announced = _announced_starts(units, count)
    if announced is not None:
        return announced
    scores = _above_background([[keyword_score(u.text, _terms(p)) for p in outline] for u in units])
    planned = _planned_starts(outline, duration_s)

    def start_bonus(unit_index: int, point_index: int) -> float:
        unit = units[unit_index]
        bonus = 0.0
        if unit.is_marker:
            bonus += MARKER_BONUS
            if unit.marker_number == point_index + 1:
                bonus += NUMBER_BONUS
        # weak prior: blocks near where the planned minutes would put them
        bonus -= PRIOR_WEIGHT * abs(unit.start_s - planned[point_index]) / max(duration_s, 1)
        return bonus

    n = len(units)
    negative = float("-inf")
    # best[p][i]: best score with points 0..p covering units 0..i-1, point p ending at i
    prefix = [[0.0] * (n + 1) for _ in range(count)]
    inside = [0.0] * (n + 1)
    for p in range(count):
        for i in range(n):
            prefix[p][i + 1] = prefix[p][i] + scores[i][p]
    for i in range(n):
        inside[i + 1] = inside[i] + (MARKER_INSIDE_PENALTY if units[i].is_marker else 0.0)

    def block(p: int, a: int, b: int) -> float:
        value = prefix[p][b] - prefix[p][a]
        value -= inside[b] - inside[a + 1]  # markers inside the block, not at its start
        value += start_bonus(a, p) if p > 0 else (MARKER_BONUS if units[a].is_marker else 0.0)
        return value

    best = [[negative] * (n + 1) for _ in range(count)]
    back = [[0] * (n + 1) for _ in range(count)]
    for b in range(1, n + 1):
        best[0][b] = block(0, 0, b)
    for p in range(1, count):
        for b in range(p + 1, n + 1):
            for a in range(p, b):
                if best[p - 1][a] == negative:
                    continue
                value = best[p - 1][a] + block(p, a, b)
                if value > best[p][b]:
                    best[p][b], back[p][b] = value, a
    starts_index = [0] * count
    b = n
    for p in range(count - 1, 0, -1):
        a = back[p][b]
        starts_index[p] = a
        b = a
    return [0.0] + [units[starts_index[p]].start_s for p in range(1, count)]


def _announced_starts(units: list[Unit], count: int) -> list[float] | None:
    """The starts of parts 2..count where the teacher announced each in order, else None."""
    starts, expected = [0.0], 2
    for unit in units:
        if expected > count:
            break
        if unit.is_major and unit.marker_number == expected:
            starts.append(unit.start_s)
            expected += 1
    return starts if len(starts) == count else None


def _above_background(scores: list[list[float]]) -> list[list[float]]:
    """Each point's key-term score less its mean over the lecture: a term heard throughout
    (the lecture's theme) then favours no stretch, whatever the lecture's length."""
    means = [sum(column) / len(scores) for column in zip(*scores, strict=True)]
    return [[score - mean for score, mean in zip(row, means, strict=True)] for row in scores]


def _planned_starts(outline: list[dict], duration_s: float) -> list[float]:
    planned = [max(float(p.get("planned_min") or 0), 0.0) for p in outline]
    total = sum(planned) or len(outline)
    shares = planned if sum(planned) else [1.0] * len(outline)
    starts, t = [], 0.0
    for share in shares:
        starts.append(t)
        t += duration_s * share / total
    return starts


def points_from_starts(
    outline: list[dict],
    starts: list[float],
    duration_s: float,
    segments: list[dict],
    source: str,
) -> list[dict]:
    points = []
    for index, point in enumerate(outline):
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else duration_s
        chars = sum(
            count_chars(s["text"])
            for s in segments
            if start <= (s["start_s"] + s["end_s"]) / 2 < end
        )
        planned = point.get("planned_min")
        actual_min = (end - start) / 60
        points.append(
            {
                "title": point.get("title", f"第{index + 1}部分"),
                "planned_min": planned,
                "start_s": round(start, 2),
                "end_s": round(end, 2),
                "actual_min": round(actual_min, 2),
                "over_min": round(actual_min - planned, 2) if planned is not None else None,
                "chars": chars,
                "source": source,
            }
        )
    return points
