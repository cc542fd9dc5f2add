"""Region codes as the rollups and the scoping read them: 2 digits a province, 4 a city,
6 a county, 9 a township, 12 a village. A code's prefixes are its ancestors."""

from django.db.models import Q

COUNTY_DIGITS = 6


def within_prefixes(field: str, codes: tuple[str, ...]) -> Q:
    """Rows whose `field` (a region code) starts with one of `codes`; none for no code, all
    for the empty code."""
    if "" in codes:  # everything (`Q() | …` would drop the empty Q, not widen to all)
        return Q()
    condition = Q(pk__in=[])
    for code in codes:
        condition |= Q(**{f"{field}__startswith": code})
    return condition
