"""The kinds of rows that can be imported, by the name used in URLs and jobs.

Each app that imports rows lists its sheets as `IMPORT_SHEETS` in its own `spreadsheets`
module, and the registry finds them there (as the admin finds `admin` modules), so this
framework depends on no feature app; the order is `ImportKind`'s."""

from functools import cache
from importlib import import_module

from django.apps import apps

from dangke.imports.models import ImportKind


@cache
def sheets() -> dict:
    found = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.spreadsheets"
        try:
            module = import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        for sheet in getattr(module, "IMPORT_SHEETS", ()):
            found[sheet.kind] = sheet
    order = list(ImportKind.values)
    return dict(sorted(found.items(), key=lambda item: order.index(item[0])))


def sheet_for(kind: str):
    return sheets()[kind]
