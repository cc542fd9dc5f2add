"""Coaching advice on body language, in the voice of the speech advice (plain rules)."""

from __future__ import annotations

import math

LOOK_DOWN_ADVICE = 0.4  # a part in which the lecturer looks down this share of the time
TURNED_AWAY_ADVICE = 0.3
WALKING_ADVICE = 0.5
GESTURE_ACTIVE = 0.2  # gestures this share of the opening minutes …
GESTURE_RARE = 0.05  # … and at most this share afterwards: "concentrated in the opening"
OPENING_S = 300
UNSEEN_ADVICE = 0.2  # nobody or several people in this share of the frames
ORDINALS = "一二三四五六七八九十"


def about(share: float) -> str:
    """约 70%: a share rounded to tens, as a listener would estimate it (5 % below 10 %)."""
    percent = share * 100
    if percent < 10:
        return f"{math.floor(percent + 0.5)}%"
    return f"{math.floor(percent / 10 + 0.5) * 10}%"  # halves up: 25 % reads as about 30 %


def parts(duration_s: float, points: list[dict]) -> list[tuple[str, float, float]]:
    """The outline's knowledge points when known; otherwise the lesson in three parts."""
    if points:
        return [(f"「{p['title']}」", p["start_s"], p["end_s"]) for p in points]
    if duration_s < 180:
        return [("全程", 0.0, duration_s)]
    third = duration_s / 3
    return [(f"第{ORDINALS[i]}部分", i * third, (i + 1) * third) for i in range(3)]


def advise(report: dict, part_shares: list[tuple[str, dict]]) -> list[str]:
    advice: list[str] = []
    overall = report["shares"]
    if overall["person_frames"] == 0:
        return ["画面中始终没有找到唯一的讲课人，无法分析肢体语言（请检查机位是否对准讲台）"]
    for name, share in part_shares:
        if share["looking_down"] is not None and share["looking_down"] >= LOOK_DOWN_ADVICE:
            advice.append(
                f"{name}约 {about(share['looking_down'])} 时间低头看稿，"
                "可熟悉讲稿、多与听众目光交流"
            )
    if overall["turned_away"] >= TURNED_AWAY_ADVICE:
        advice.append(
            f"约 {about(overall['turned_away'])} 时间背对或侧对听众，讲解时宜少看屏幕、多面向听众"
        )
    duration = report["duration_s"]
    opening = report.get("opening") or {}
    later = report.get("after_opening") or {}
    if (
        duration >= 2 * OPENING_S
        and (opening.get("gesturing") or 0) >= GESTURE_ACTIVE
        and (later.get("gesturing") or 0) <= GESTURE_RARE
    ):
        advice.append(f"手势集中在开场 {OPENING_S // 60} 分钟，之后几乎不动，讲到要点时可配合手势")
    elif overall["gesturing"] <= GESTURE_RARE:
        advice.append(
            f"全程手势很少（约 {about(overall['gesturing'])} 时间），讲到要点时可配合手势"
        )
    if overall["walking"] >= WALKING_ADVICE:
        advice.append(
            f"约 {about(overall['walking'])} 时间在走动，讲到要点时宜站定，免得分散注意力"
        )
    if overall["nobody"] >= UNSEEN_ADVICE:
        advice.append(
            f"约 {about(overall['nobody'])} 的画面中找不到讲课人（离开镜头或被遮挡），"
            "这些时间未计入肢体语言"
        )
    if overall["several"] >= UNSEEN_ADVICE:
        advice.append(
            f"约 {about(overall['several'])} 的画面中同时有多人，无法确定谁在讲，这些时间未计入"
        )
    return advice
