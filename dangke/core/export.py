"""The one Excel writer: every export of the site (list pages, coverage, loudspeakers,
reviews, rewards, contest results, an import's error sheet) goes through `build_workbook`.

Text is written as text, never as a formula: openpyxl turns any string that begins with
"=" into a live formula, so a teacher named `=HYPERLINK("http://x","y")` became a link in
the office's Excel (issue #29). Each string cell gets the string type, and one that Excel
would read as a formula when edited (=, +, -, @, tab, CR first) also gets the quote-prefix
style, as if typed with a leading apostrophe. Numbers, dates and times stay typed values."""

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value):
    """What a cell holds: numbers, dates and times as themselves (aware instants in
    Asia/Shanghai, which Excel cannot store with a zone), everything else as its text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | datetime.date | datetime.time):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))  # str(): lazy translations, models


def write_cell(sheet, row: int, column: int, value):
    """Write one cell; a string is always a string, never a formula."""
    value = cell_value(value)
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        # Large figures read with thousands separators (47,000) and stay numbers; a year
        # or a small count (2026, 485) is left as it is written.
        if isinstance(value, int) and abs(value) >= 10_000:
            cell.number_format = "#,##0"
        elif not isinstance(value, int) and abs(value) >= 1_000:
            cell.number_format = "#,##0.0"
    return cell


def build_workbook(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Workbook:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = str(sheet_title)[:31]
    widths = []
    for column, header in enumerate(headers, start=1):
        cell = write_cell(sheet, 1, column, header)  # lazy translations, in the user's language
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DEDE")
        widths.append(len(cell.value) * 2 + 2)
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = write_cell(sheet, row_number, column, value)
            if column <= len(widths):
                width = len(str(cell.value)) * 2 + 2
                widths[column - 1] = min(60, max(widths[column - 1], width))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return workbook


def xlsx_response(
    filename_stem: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """An .xlsx download named e.g. 师资-20261122.xlsx (the date in Asia/Shanghai)."""
    workbook = build_workbook(filename_stem, headers, rows)
    buffer = BytesIO()
    workbook.save(buffer)
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"{filename_stem}-{stamp}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
