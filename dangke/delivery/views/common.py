"""What the delivery pages share: the month a page shows, and how a refusal is shown."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone


def month_of_request(request) -> tuple[datetime.date, datetime.date]:
    """?month=YYYY-MM (default: this month) as its first and last day."""
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("month", "").split("-"))
        first = datetime.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return first, last


def show_refusal(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)
