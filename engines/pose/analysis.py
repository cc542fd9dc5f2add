"""From a video recording to a plain-data body-language report.

`analyse_video(path, model_dir=…)` samples a few frames a second, finds the lecturer in
each, and returns a JSON-ready dict: shares of the lesson, a timeline in the speech
report's bins, per knowledge point, advice, and the thresholds the page states. Frames are
dropped as soon as they are read.
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
    part_list = advice_rules.parts(duration, points or [])
    part_shares = [(name, measures.stretch(readings, a, b)) for name, a, b in part_list]
    report = {
        "version": VERSION,
        "model": MODEL_NAME,
        "model_licence": MODEL_LICENCE,
        "samples_per_second": per_second,
        "duration_s": round(duration, 2),
        "bin_s": bin_s,
        "shares": measures.shares(readings),
        "timeline": measures.timeline(readings, duration, bin_s),
        "parts": [{"name": name, **share} for name, share in part_shares],
        "opening": measures.stretch(readings, 0, advice_rules.OPENING_S),
        "after_opening": measures.stretch(readings, advice_rules.OPENING_S, duration + 1),
        "thresholds": [list(item) for item in measures.THRESHOLDS],
    }
    report["advice"] = advice_rules.advise(report, part_shares)
    return report


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
    model = load_pose_model(model_dir, cpu_threads)
    length = duration_s(path)
    samples: list[tuple[float, FramePose]] = []
    for t, frame in sample_frames(path, per_second):
        samples.append((t, model.estimate(frame)))
        if length and len(samples) % 10 == 0:
            progress(min(t / length, 1.0), "识别肢体语言")
    length = max(length, samples[-1][0] + 1 / per_second if samples else 0.0)
    report = report_from_frames(samples, length, bin_s=bin_s, points=points, per_second=per_second)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    progress(1.0, "完成")
    return report
