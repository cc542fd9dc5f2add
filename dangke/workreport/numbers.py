"""Numbers and dates the way an education office writes them in a work report.

`exact` gives every digit with thousands separators (4,583个); `approx` rounds *down* to
what an office says aloud and adds 余 only when something was cut off (47,300 → 4.7万余,
5,136 → 5000余, 47,000 → 4.7万): a report never claims more than the data holds.
`cn_date` writes a date in Chinese (2026年12月6日).
"""

from __future__ import annotations

import datetime
import math

WAN = 10_000


def exact(n: int | float) -> str:
    """4583 → "4,583"; 58.46 → "58.5" (one decimal for non-integers)."""
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


def approx(n: int) -> str:
    """The office's rounded figure: at most two significant digits in 万 from 10,000 up,
    one below (hundreds and thousands), tens below 100; small numbers stay exact."""
    n = int(n)
    if n < 20:
        return str(n)
    if n >= WAN:
        tenths = n * 10 // WAN  # 47,300 → 47 tenths of 万
        if n >= 10 * WAN:  # 12万 rather than 12.3万: the office keeps whole 万 there
            tenths = tenths // 10 * 10
        shown = tenths * WAN // 10
        text = f"{tenths // 10}万" if tenths % 10 == 0 else f"{tenths / 10:.1f}万"
    else:
        unit = 10 ** int(math.log10(n))
        shown = n // unit * unit
        text = str(shown)
    return text + ("余" if n > shown else "")


def percent(part: int, whole: int) -> str:
    """ "97.3%"; 100% only when everything is covered."""
    if not whole:
        return "—"
    value = 100 * part / whole
    if part < whole:
        value = min(value, 99.9)
    return f"{value:.1f}%".replace(".0%", "%")


def cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
