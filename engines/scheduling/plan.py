"""The plan: who teaches which order on which day, and what could not be served."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Assignment:
    order: str
    teacher: str
    date: date
    km: float  # exact one-way distance; shown rounded to 0.1 km

    def to_dict(self) -> dict:
        return {"order": self.order, "teacher": self.teacher, "date": self.date.isoformat(),
                "km": round(self.km, 1)}  # fmt: skip


@dataclass(frozen=True)
class Unserved:
    order: str
    reason: str

    def to_dict(self) -> dict:
        return {"order": self.order, "reason": self.reason}


@dataclass
class Plan:
    assignments: list[Assignment]
    unserved: list[Unserved]
    objective: float
    upper_bound: float | None
    solve_seconds: float
    method: str
    bound_note: str = ""
    stats: dict = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative distance between the plan's value and the best possible one."""
        if self.upper_bound is None:
            return None
        return (self.upper_bound - self.objective) / max(1.0, abs(self.upper_bound))

    def to_dict(self) -> dict:
        return {
            "assignments": [a.to_dict() for a in self.assignments],
            "unserved": [u.to_dict() for u in self.unserved],
            "objective": self.objective,
            "upper_bound": self.upper_bound,
            "gap": self.gap,
            "solve_seconds": self.solve_seconds,
            "method": self.method,
            "bound_note": self.bound_note,
            "stats": self.stats,
        }
