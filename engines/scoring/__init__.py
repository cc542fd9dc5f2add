"""Scores of lessons, courses and teachers, and agreement between judges.

Implements `shared/specs/evaluation.md` once, as plain data in and out, so that the web
app, the `dangke score` command and anyone with a calculator get the same number.
"""

from engines.scoring.aggregate import aggregate_scores
from engines.scoring.agreement import icc
from engines.scoring.cli import main
from engines.scoring.errors import ScoringError
from engines.scoring.lesson import score_lesson

__all__ = ["ScoringError", "aggregate_scores", "icc", "main", "score_lesson"]
