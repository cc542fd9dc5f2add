"""Planning defaults that are policy, not code: lesson caps per teacher level, the hour a
planned lesson starts. One place, so a later settings page (or the annual quota rules)
can replace them without touching the planner."""

import datetime

# (max lessons a month, max lessons a year) for a teacher of each level.
LESSON_CAPS = {
    "province": (4, 30),
    "city": (6, 45),
    "county": (8, 60),
}
DEFAULT_CAPS = (8, 60)

# A lesson created from a plan starts at this local time (Asia/Shanghai) on its date; the
# liaison agrees the exact hour when confirming it.
PLANNED_START = datetime.time(9, 0)
DEFAULT_DURATION_MINUTES = 90


def caps_for(level: str) -> tuple[int, int]:
    return LESSON_CAPS.get(level, DEFAULT_CAPS)
