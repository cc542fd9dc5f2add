"""The calendar every figure and the demo read: local years and months in Asia/Shanghai.

Dates are local (`timezone.localdate()`); a year or a month is the half-open range of
instants between two local midnights. Nothing here subtracts hours from an instant, which
near midnight crosses into another local day, month or year.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

# Until the end of February an office is still closing the year just ended: its annual
# reviews are decided and its work report written then, so that is the year it reports on.
REPORT_YEAR_TURNS_IN_MONTH = 3


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), timezone.get_default_timezone())


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The local year as aware instants [start, end)."""
    return local_midnight(datetime.date(year, 1, 1)), local_midnight(datetime.date(year + 1, 1, 1))


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The local month as aware instants [start, end)."""
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return local_midnight(datetime.date(year, month, 1)), local_midnight(following)


def previous_month(day: datetime.date) -> tuple[int, int]:
    before = day.replace(day=1) - datetime.timedelta(days=1)
    return before.year, before.month


def report_year(today: datetime.date | None = None) -> int:
    """The year an office reports on: the year just ended until the end of February, then
    the current one."""
    today = today or timezone.localdate()
    return today.year - 1 if today.month < REPORT_YEAR_TURNS_IN_MONTH else today.year


@dataclass(frozen=True)
class YearSoFar:
    """A year as seen at one instant: the part of it that has already happened.

    The demo builds its year with this, so that nothing it writes lies after the moment it
    was built: a closed year happened whole, the current year up to the last whole day."""

    year: int
    now: datetime.datetime

    @classmethod
    def of(cls, year: int, now: datetime.datetime | None = None) -> YearSoFar:
        return cls(year, now or timezone.now())

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    @property
    def last_past_day(self) -> datetime.date:
        """The last whole day of the year that is over (yesterday, or 31 December)."""
        return min(self.today - datetime.timedelta(days=1), self.last_day)

    @property
    def has_past_days(self) -> bool:
        return self.last_past_day >= self.first_day

    @property
    def past_days(self) -> int:
        return (self.last_past_day - self.first_day).days + 1

    @property
    def last_past_month(self) -> tuple[int, int]:
        """The last month of the year that is over (last month, or December)."""
        return previous_month(min(self.today, datetime.date(self.year + 1, 1, 1)))

    def at(self, day: datetime.date, time: datetime.time) -> datetime.datetime:
        return datetime.datetime.combine(day, time, timezone.get_default_timezone())
