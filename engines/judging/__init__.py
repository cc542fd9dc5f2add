"""Contest judging (十佳课程擂台赛): who reviews which entry, and how scores become a ranking.

Plain data in, plain data out; no Django (house rule 8). `dangke.contests.services` turns
its rows into these objects and stores what comes back.

- `assign_judges`: each entry gets k judges, every judge's load differs from any other's by
  at most one, and nobody reviews an entry of their own teaching group, their own county,
  their own entry, or an entry they declared a conflict with. Solved exactly as a min-cost
  flow (OR-Tools); when no such assignment exists the answer says why, in words.
- `check_assignment`: the same rules applied to a hand-edited assignment.
- `rank_entries`: raw and per-judge normalised scores, a total order with a stated
  tie-breaking rule, agreement between judges (`engines.scoring.icc`) and flags.
"""

from engines.judging.assign import AssignmentResult, Infeasible, assign_judges
from engines.judging.check import check_assignment
from engines.judging.model import Entry, Judge, exclusion_reason
from engines.judging.ranking import (
    FLAG_BELOW,
    judge_agreement,
    normalise,
    rank_entries,
    sheet_score,
)

__all__ = [
    "FLAG_BELOW",
    "AssignmentResult",
    "Entry",
    "Infeasible",
    "Judge",
    "assign_judges",
    "check_assignment",
    "exclusion_reason",
    "judge_agreement",
    "normalise",
    "rank_entries",
    "sheet_score",
]
