"""Early warning for a pool teacher before the annual review: plain data in (lesson scores
with n and interval, lessons and hours so far and planned, answers, cancellations, the
quota and the day), a warning with its evidence out. No Django here;
`dangke.advice.services` builds the inputs. `docs/benchmarks.md` compares it with the naive
rule "the last score is below the line" on simulated teachers."""

from engines.warnings.model import (
    Evidence,
    LessonScore,
    Quota,
    TeacherYear,
    Warning,
    assess,
    compare_windows,
    naive_rule,
)

__all__ = [
    "Evidence",
    "LessonScore",
    "Quota",
    "TeacherYear",
    "Warning",
    "assess",
    "compare_windows",
    "naive_rule",
]
