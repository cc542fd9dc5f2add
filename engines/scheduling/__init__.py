"""Which teacher goes where and when: `shared/specs/scheduling.md` as plain data.

`load_problem` reads and validates a problem document, `solve` returns the optimal plan of
the spec's model (a min-cost flow), `greedy` the obvious plan for comparison, `check`
verifies any plan against the feasibility rules and `evaluate` computes its value.
"""

from engines.scheduling.checking import check
from engines.scheduling.cli import main
from engines.scheduling.flow import solve
from engines.scheduling.generator import generate
from engines.scheduling.greedy import greedy
from engines.scheduling.plan import Assignment, Plan, Unserved
from engines.scheduling.problem import Problem, ProblemError, Weights, load_problem
from engines.scheduling.value import breakdown, evaluate

__all__ = [
    "Assignment", "Plan", "Problem", "ProblemError", "Unserved", "Weights", "breakdown",
    "check", "evaluate", "generate", "greedy", "load_problem", "main", "solve",
]  # fmt: skip
