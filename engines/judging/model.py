"""Entries and judges as plain values, and the one rule that says who may not review what."""

from __future__ import annotations

from dataclasses import dataclass, field

# Why a judge may not review an entry, in the order they are checked.
OWN_ENTRY = "own_entry"
DECLARED = "declared"
SAME_GROUP = "same_group"
SAME_COUNTY = "same_county"

REASON_LABELS = {
    OWN_ENTRY: "本人参赛作品",
    DECLARED: "申报回避",
    SAME_GROUP: "同教研组",
    SAME_COUNTY: "同县",
}


@dataclass(frozen=True)
class Entry:
    id: int | str
    label: str = ""  # shown in messages (a blind code, never the entrant's name)
    groups: frozenset = field(default_factory=frozenset)  # teaching group ids
    group_names: dict = field(default_factory=dict, compare=False, hash=False)
    county: str | None = None  # county code of the entrant; None: no county
    teachers: frozenset = field(default_factory=frozenset)  # teacher ids of the entrants
    counties: frozenset = field(default_factory=frozenset)  # more, for several entrants

    @property
    def all_counties(self) -> frozenset:
        return self.counties | ({self.county} if self.county else frozenset())

    @property
    def name(self) -> str:
        return self.label or str(self.id)


@dataclass(frozen=True)
class Judge:
    id: int | str
    label: str = ""
    groups: frozenset = field(default_factory=frozenset)
    county: str | None = None
    teacher: int | str | None = None  # the judge's own teacher id (peer reviewers)
    conflicts: frozenset = field(default_factory=frozenset)  # entry ids declared

    @property
    def name(self) -> str:
        return self.label or str(self.id)


def exclusion_reason(judge: Judge, entry: Entry, *, same_county: bool = True) -> str | None:
    """The first rule that keeps `judge` off `entry`, or None when the pair is allowed."""
    if judge.teacher is not None and judge.teacher in entry.teachers:
        return OWN_ENTRY
    if entry.id in judge.conflicts:
        return DECLARED
    if judge.groups & entry.groups:
        return SAME_GROUP
    if same_county and judge.county and judge.county in entry.all_counties:
        return SAME_COUNTY
    return None


def load_bounds(n_entries: int, n_judges: int, k: int) -> tuple[int, int]:
    """Each judge reviews lo or hi entries, hi − lo ≤ 1, and the loads add up to k·n."""
    total = n_entries * k
    lo = total // n_judges
    return lo, lo + (1 if total % n_judges else 0)
