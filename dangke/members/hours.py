"""How study time becomes 学时: pure arithmetic on plain values, no Django.

A rule says how many 学时 a lesson of given minutes earns (per hour, a half day, a full
day), the year's targets and the caps on kinds of study. `credit` applies the caps to a
member's lines of one year in date order, so a line's credited hours depend only on the
lines before it and a recomputation always gives the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import ROUND_FLOOR, Decimal

HALF = Decimal("0.5")
ZERO = Decimal("0")


@dataclass(frozen=True)
class RuleValues:
    """A region's 学时 rule for one year; the defaults follow the national plan
    (32 学时 a year, 56 for secretaries and committee members with one 集中培训)."""

    minutes_per_hour: int = 60  # a lesson earns 1 学时 per this many minutes (in half steps)
    half_day_minutes: int = 180  # from this length a lesson counts as a half day
    half_day_hours: Decimal = Decimal("4")
    full_day_minutes: int = 360  # from this length, a full day
    day_hours: Decimal = Decimal("8")  # also per day attended of a training class
    target_hours: Decimal = Decimal("32")
    leader_target_hours: Decimal = Decimal("56")
    leader_needs_concentrated: bool = True
    concentrated_min_hours: Decimal = Decimal("8")  # one line of this much is 集中培训
    online_cap_hours: Decimal = Decimal("12")  # online / loudspeaker lessons at most
    collective_cap_hours: Decimal = Decimal("24")  # branch collective study at most

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def minutes_to_hours(minutes: int, rule: RuleValues) -> Decimal:
    """1 学时 per hour in half steps, 4 for a half day, 8 for a full day."""
    if minutes <= 0:
        return ZERO
    if minutes >= rule.full_day_minutes:
        return rule.day_hours
    if minutes >= rule.half_day_minutes:
        return rule.half_day_hours
    halves = (Decimal(minutes) * 2 / rule.minutes_per_hour).to_integral_value(ROUND_FLOOR)
    return halves * HALF


def days_to_hours(days: Decimal, rule: RuleValues) -> Decimal:
    """A training class: a full day's 学时 per day attended, a half day's per half day."""
    days = Decimal(days)
    whole = days.to_integral_value(ROUND_FLOOR)
    hours = whole * rule.day_hours
    if days - whole >= HALF:
        hours += rule.half_day_hours
    return hours


@dataclass
class Line:
    """One ledger line as the arithmetic sees it."""

    key: int
    raw_hours: Decimal
    capped_as: str = ""  # "online", "collective" or "" (no cap)
    concentrated: bool = False
    hours: Decimal = ZERO


def credit(lines: list[Line], rule: RuleValues) -> list[Line]:
    """Credit each line (already in date order) up to what its cap has left."""
    left = {"online": rule.online_cap_hours, "collective": rule.collective_cap_hours}
    for line in lines:
        if line.capped_as in left:
            line.hours = max(ZERO, min(line.raw_hours, left[line.capped_as]))
            left[line.capped_as] -= line.hours
        else:
            line.hours = line.raw_hours
    return lines


def is_concentrated(raw_hours: Decimal, from_class: bool, rule: RuleValues) -> bool:
    return from_class or raw_hours >= rule.concentrated_min_hours


def target_for(is_leader: bool, rule: RuleValues) -> Decimal:
    return rule.leader_target_hours if is_leader else rule.target_hours


def target_met(hours: Decimal, concentrated: bool, is_leader: bool, rule: RuleValues) -> bool:
    if hours < target_for(is_leader, rule):
        return False
    return not (is_leader and rule.leader_needs_concentrated and not concentrated)


def mask_phone(phone: str) -> str:
    """138****5678: enough to tell two people apart on a list, not enough to call."""
    if len(phone) >= 7:
        return f"{phone[:3]}****{phone[-4:]}"
    return "****" if phone else ""
