"""From a video recording to a plain-data body-language report.

`read_video(path, model_dir=…)` samples a few frames a second and finds the lecturer in
each (frames are dropped as soon as they are read); `report_from_frames` turns the
landmarks into a JSON-ready dict: shares of the lesson, a timeline in the speech report's
bins, per knowledge point (or third of the lesson), advice, and the thresholds the page
states. `with_points` regroups a stored report when the teacher corrects the boundaries.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from engines.pose import advice as advice_rules
from engines.pose import measures
from engines.pose.model import MODEL_LICENCE, MODEL_NAME, FramePose, load_pose_model
from engines.pose.video import duration_s, sample_frames

VERSION = 1
SAMPLES_PER_SECOND = 2.0

Progress = Callable[[float, str], None]


def _no_progress(fraction: float, label: str) -> None:
    pass


def read_video(
    path: str,
    *,
    model_dir: str,
    per_second: float = SAMPLES_PER_SECOND,
    cpu_threads: int = 1,
    progress: Progress = _no_progress,
) -> tuple[list[tuple[float, FramePose]], float]:
    """(time, pose) of the sampled frames, and the video's length in seconds."""
    model = load_pose_model(model_dir, cpu_threads)
    length = duration_s(path)
    samples: list[tuple[float, FramePose]] = []
    for t, frame in sample_frames(path, per_second):
        samples.append((t, model.estimate(frame)))
        if length and len(samples) % 10 == 0:
            progress(min(t / length, 1.0), "识别肢体语言")
    if samples:
        length = max(length, samples[-1][0] + 1 / per_second)
    progress(1.0, "识别肢体语言")
    return samples, length


def _parts_and_advice(report: dict, readings, points: list[dict]) -> None:
    duration = report["duration_s"]
    part_shares = [
        (name, measures.stretch(readings, a, b))
        for name, a, b in advice_rules.parts(duration, points)
    ]
    report["parts"] = [{"name": name, **share} for name, share in part_shares]
    report["advice"] = advice_rules.advise(report, part_shares)


def report_from_frames(
    samples: list[tuple[float, FramePose]],
    duration: float,
    *,
    bin_s: int = 60,
    points: list[dict] | None = None,
    per_second: float = SAMPLES_PER_SECOND,
) -> dict:
    """The report from frames already read (the model's, or made up in tests)."""
    readings = measures.read_frames(samples)
    report = {
        "analysed": True,
        "version": VERSION,
        "model": MODEL_NAME,
        "model_licence": MODEL_LICENCE,
        "samples_per_second": per_second,
        "duration_s": round(duration, 2),
        "bin_s": bin_s,
        "shares": measures.shares(readings),
        "timeline": measures.timeline(readings, duration, bin_s),
        "opening": measures.stretch(readings, 0, advice_rules.OPENING_S),
        "after_opening": measures.stretch(readings, advice_rules.OPENING_S, duration + 1),
        "thresholds": [list(item) for item in measures.THRESHOLDS],
        "readings": measures.encode(readings),
    }
    _parts_and_advice(report, readings, points or [])
    return report


def with_points(report: dict, points: list[dict]) -> dict:
    """A copy of a stored report regrouped by corrected knowledge points."""
    new = dict(report)
    _parts_and_advice(new, measures.decode(report.get("readings") or []), points)
    return new


def analyse_video(
    path: str,
    *,
    model_dir: str,
    bin_s: int = 60,
    points: list[dict] | None = None,
    per_second: float = SAMPLES_PER_SECOND,
    cpu_threads: int = 1,
    progress: Progress = _no_progress,
) -> dict:
    started = time.monotonic()
    samples, length = read_video(
        path, model_dir=model_dir, per_second=per_second, cpu_threads=cpu_threads,
        progress=progress,
    )  # fmt: skip
    report = report_from_frames(samples, length, bin_s=bin_s, points=points, per_second=per_second)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    return report
