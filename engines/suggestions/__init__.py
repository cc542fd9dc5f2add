"""Course suggestions for one organisation's 点单: plain data in, ranked courses with their
reasons out. No Django here; `dangke.advice.services` builds the inputs from the database.

See `rank.py` for the model and `docs/benchmarks.md` for how it compares with the
"most-ordered courses" baseline on the demo's held-out quarter.
"""

from engines.suggestions.rank import (
    CourseFacts,
    Demand,
    OrganisationFacts,
    Rating,
    Reason,
    Suggestion,
    popularity_baseline,
    shrunk_mean,
    suggest,
)

__all__ = [
    "CourseFacts",
    "Demand",
    "OrganisationFacts",
    "Rating",
    "Reason",
    "Suggestion",
    "popularity_baseline",
    "shrunk_mean",
    "suggest",
]
