from django.db import transaction

from dangke.regions.divisions import Division
from dangke.regions.models import Region


@transaction.atomic
def load_divisions(divisions: list[Division] | object) -> tuple[int, int]:
    """Insert new divisions and rename changed ones, parents first. Returns (created, updated)."""
    ordered = sorted(divisions, key=lambda division: (division.level, division.code))
    existing = dict(Region.objects.values_list("code", "name"))
    to_create, to_rename = [], []
    for division in ordered:
        if division.code not in existing:
            to_create.append(
                Region(
                    code=division.code,
                    name=division.name,
                    level=division.level,
                    parent_id=division.parent,
                )
            )
        elif existing[division.code] != division.name:
            to_rename.append(Region(code=division.code, name=division.name))
    Region.objects.bulk_create(to_create, batch_size=2000)
    Region.objects.bulk_update(to_rename, ["name"], batch_size=2000)
    return len(to_create), len(to_rename)
