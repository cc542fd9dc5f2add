"""Figures the way the office writes them: thousands grouped with a comma whatever the
locale (Django's zh-hans format has no grouping, so `intcomma` and localisation print 47000).

Only figures are grouped, never identifiers: ids and years go into URLs and forms as they
are, which is why the project does not turn on USE_THOUSAND_SEPARATOR."""

from __future__ import annotations

from decimal import Decimal


def grouped(value, decimals: int | None = None) -> str:
    """47000 → "47,000"; 1234.5 → "1,234.5"; Decimal("12.50") → "12.5" with decimals=1.
    Non-integers keep `decimals` places (one when not given). Raises on non-numbers."""
    if isinstance(value, bool):
        raise TypeError("a truth value is not a figure")
    if isinstance(value, str):
        value = Decimal(value.replace(",", "")) if "." in value else int(value.replace(",", ""))
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() and decimals is None else value
    if isinstance(value, float) and value.is_integer() and decimals is None:
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}" if decimals is None else f"{value:,.{decimals}f}"
    return f"{float(value):,.{1 if decimals is None else decimals}f}"
