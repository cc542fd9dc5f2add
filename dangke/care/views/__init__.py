"""Care pages, one module per part: rooms, lodging and meals, counselling, festivals,
honours and the dossier."""

from django.contrib import messages
from django.utils import timezone

from dangke.care.access import CareError, may_run_care
from dangke.core.ids import bounded_year
from dangke.regions.models import Region


def show_error(request, error: CareError) -> None:
    messages.error(request, str(error))


def office_region(request) -> Region | None:
    """The region the user runs care for (their outermost managed region), or None."""
    scope = request.scope
    for code in scope.managed_region_codes or scope.region_codes:
        if may_run_care(scope, code):
            return Region.objects.unscoped("a region the user manages").filter(code=code).first()
    return None


def year_of(request) -> int:
    return bounded_year(request.GET.get("year"), timezone.localdate().year)
