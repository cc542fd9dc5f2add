"""From per-frame landmarks to body language over time: plain rules, stated thresholds.

Lengths are measured in the lecturer's own shoulder widths (or, for the head, the distance
between the ears), so the rules hold whether the camera is near or far. A frame counts only
when exactly one person is found; frames with nobody or with several people are counted as
such and left out of every other share.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from engines.pose.model import FramePose

VISIBLE = 0.5  # a landmark's visibility at least this much counts as seen
FACING_NOSE_OFFSET = 0.35  # nose within this many shoulder widths of the shoulders' middle
LOOK_DOWN_NOSE_DROP = 0.35  # nose below the ears' line by this many ear-to-ear distances
WAIST_DEPTH = 0.75  # the waist lies this far from the shoulders down towards the hips
GESTURE_SPEED = 0.6  # a raised hand moving this many shoulder widths a second gestures
WALK_SPEED = 0.4  # the shoulders' middle travelling this many shoulder widths a second walks
WALK_SCALE_SPEED = 0.15  # or the body growing/shrinking by this share a second (to/from camera)
MOTION_WINDOW_S = 1.0  # movement is measured between frames this far before and after

THRESHOLDS = (
    ("面向听众", f"面部可见，鼻尖偏离两肩中点不超过肩宽的 {FACING_NOSE_OFFSET:.0%}，且两肩朝前"),
    ("低头看稿", f"面向前方但鼻尖低于两耳连线超过两耳间距的 {LOOK_DOWN_NOSE_DROP:.0%}"),
    (
        "手势",
        f"手腕高于腰部（肩到髋的 {WAIST_DEPTH:.0%} 处）且每秒移动超过 {GESTURE_SPEED} 个肩宽",
    ),
    (
        "走动",
        f"两肩中点每秒移动超过 {WALK_SPEED} 个肩宽，或身形每秒放大缩小超过 "
        f"{WALK_SCALE_SPEED:.0%}；否则为站定",
    ),
    ("无人/多人", "画面中找不到讲课人或同时有多人时如实记为“无人”“多人”，不计入上述比例"),
)


@dataclass
class Posture:
    """One frame's reading of exactly one person."""

    t: float
    facing: bool
    looking_down: bool
    hands_up: list[tuple[float, float]]  # raised wrists, relative to the shoulders' middle
    centre: tuple[float, float]
    shoulder_width: float


def _seen(points: dict, *names: str) -> bool:
    return all(name in points and points[name][2] >= VISIBLE for name in names)


def _mid(points: dict, a: str, b: str) -> tuple[float, float]:
    return ((points[a][0] + points[b][0]) / 2, (points[a][1] + points[b][1]) / 2)


def posture(t: float, pose: FramePose) -> Posture | None:
    """None when the frame does not show exactly one person with both shoulders."""
    points = pose.points
    if pose.people != 1 or not _seen(points, "left_shoulder", "right_shoulder"):
        return None
    left, right = points["left_shoulder"], points["right_shoulder"]
    width = math.hypot(left[0] - right[0], left[1] - right[1])
    if width <= 0:
        return None
    centre = _mid(points, "left_shoulder", "right_shoulder")
    # Facing the camera, the person's left shoulder is on the picture's right.
    face_seen = _seen(points, "nose", "left_eye", "right_eye")
    facing_front = face_seen and left[0] > right[0]
    facing_front = facing_front and abs(points["nose"][0] - centre[0]) <= FACING_NOSE_OFFSET * width
    looking_down = False
    if facing_front and _seen(points, "left_ear", "right_ear"):
        ears = _mid(points, "left_ear", "right_ear")
        ear_gap = math.hypot(
            points["left_ear"][0] - points["right_ear"][0],
            points["left_ear"][1] - points["right_ear"][1],
        )
        looking_down = ear_gap > 0 and points["nose"][1] - ears[1] >= LOOK_DOWN_NOSE_DROP * ear_gap
    hips = _mid(points, "left_hip", "right_hip") if "left_hip" in points else None
    waist_y = centre[1] + WAIST_DEPTH * (hips[1] - centre[1]) if hips else centre[1] + 1.2 * width
    hands = [
        ((points[w][0] - centre[0]) / width, (points[w][1] - centre[1]) / width)
        for w in ("left_wrist", "right_wrist")
        if _seen(points, w) and points[w][1] < waist_y
    ]
    return Posture(
        t=t,
        facing=facing_front and not looking_down,
        looking_down=looking_down,
        hands_up=hands,
        centre=centre,
        shoulder_width=width,
    )


@dataclass
class FrameReading:
    """What a sampled frame says: `state` is "person", "nobody" or "several"."""

    t: float
    state: str
    facing: bool = False
    looking_down: bool = False
    turned_away: bool = False
    gesturing: bool = False
    walking: bool = False


def _hands_moved(a: Posture, b: Posture) -> float:
    """The fastest raised hand's speed between two frames, shoulder widths a second."""
    if not a.hands_up or not b.hands_up or b.t <= a.t:
        return 0.0
    return max(
        min(math.hypot(hb[0] - ha[0], hb[1] - ha[1]) for ha in a.hands_up) for hb in b.hands_up
    ) / (b.t - a.t)


def _walked(path: list[Posture]) -> bool:
    """Whether the body travels along `path` (consecutive frames): the length of the way
    the shoulders' middle goes, so walking there and back counts too."""
    dt = path[-1].t - path[0].t
    if dt <= 0:
        return False
    width = sum(p.shoulder_width for p in path) / len(path)
    way = sum(
        math.hypot(b.centre[0] - a.centre[0], b.centre[1] - a.centre[1])
        for a, b in itertools.pairwise(path)
    )
    grew = abs(math.log(path[-1].shoulder_width / path[0].shoulder_width)) / dt
    return way / width / dt >= WALK_SPEED or grew >= WALK_SCALE_SPEED


def read_frames(samples: list[tuple[float, FramePose]]) -> list[FrameReading]:
    """Every sampled frame's reading; movement compares each frame with its neighbours about
    MOTION_WINDOW_S before and after (the nearest frames showing the person)."""
    postures = [posture(t, pose) for t, pose in samples]
    seen = [p for p in postures if p is not None]
    readings: list[FrameReading] = []
    j = 0
    for (t, pose), p in zip(samples, postures, strict=True):
        if p is None:
            state = "several" if pose.people >= 2 else "nobody"
            readings.append(FrameReading(t=t, state=state))
            continue
        while seen[j] is not p:
            j += 1
        first, last = _neighbour(seen, j, -1), _neighbour(seen, j, +1)
        pairs = [(seen[k], seen[k + 1]) for k in (j - 1, j) if k >= 0 and k + 1 < len(seen)]
        gesturing = any(_hands_moved(a, b) >= GESTURE_SPEED for a, b in pairs)
        readings.append(
            FrameReading(
                t=t,
                state="person",
                facing=p.facing,
                looking_down=p.looking_down,
                turned_away=not p.facing and not p.looking_down,
                gesturing=gesturing,
                walking=_walked(seen[first : last + 1]),
            )
        )
    return readings


def _neighbour(seen: list[Posture], j: int, direction: int) -> int:
    """The index of the frame about MOTION_WINDOW_S away from frame `j`."""
    k = j
    while 0 <= k + direction < len(seen):
        if abs(seen[k + direction].t - seen[j].t) > MOTION_WINDOW_S + 1e-6:
            break
        k += direction
    return k


MEASURES = ("facing", "looking_down", "turned_away", "gesturing", "walking")
NOBODY, SEVERAL = -1, -2


def encode(readings: list[FrameReading]) -> list[list]:
    """Readings as compact [time, code] pairs for the stored report: code −1 nobody, −2
    several people, otherwise a bit per measure in MEASURES' order."""
    pairs = []
    for r in readings:
        if r.state == "nobody":
            code = NOBODY
        elif r.state == "several":
            code = SEVERAL
        else:
            code = sum(1 << i for i, m in enumerate(MEASURES) if getattr(r, m))
        pairs.append([round(r.t, 2), code])
    return pairs


def decode(pairs: list[list]) -> list[FrameReading]:
    readings = []
    for t, code in pairs:
        if code < 0:
            readings.append(FrameReading(t=t, state="nobody" if code == NOBODY else "several"))
        else:
            flags = {m: bool(code & (1 << i)) for i, m in enumerate(MEASURES)}
            readings.append(FrameReading(t=t, state="person", **flags))
    return readings


def shares(readings: list[FrameReading]) -> dict:
    """Shares of the frames: nobody/several of all frames, the rest of the person's frames."""
    total = len(readings)
    person = [r for r in readings if r.state == "person"]
    result = {
        "frames": total,
        "person_frames": len(person),
        "nobody": round(sum(r.state == "nobody" for r in readings) / total, 3) if total else 0.0,
        "several": round(sum(r.state == "several" for r in readings) / total, 3) if total else 0.0,
    }
    for measure in MEASURES:
        value = sum(getattr(r, measure) for r in person) / len(person) if person else None
        result[measure] = None if value is None else round(value, 3)
    result["still"] = None if result["walking"] is None else round(1 - result["walking"], 3)
    return result


def stretch(readings: list[FrameReading], start_s: float, end_s: float) -> dict:
    inside = [r for r in readings if start_s <= r.t < end_s]
    return {"start_s": round(start_s, 2), "end_s": round(end_s, 2), **shares(inside)}


def timeline(readings: list[FrameReading], duration_s: float, bin_s: int) -> list[dict]:
    entries = []
    start = 0.0
    while start < duration_s - 1e-6:
        end = min(start + bin_s, duration_s)
        entries.append(stretch(readings, start, end))
        start = end
    return entries
