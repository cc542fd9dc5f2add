"""The one Excel writer: every export of the site (list pages, coverage, loudspeakers,
reviews, rewards, contest results, an import's error sheet) goes through `build_workbook`.

Text is written as text, never as a formula: openpyxl turns any string that begins with
"=" into a live formula, so a teacher named `=HYPERLINK("http://x","y")` became a link in
the office's Excel (issue #29). Each string cell gets the string type, and one that Excel
would read as a formula when edited (=, +, -, @, tab, CR first) also gets the quote-prefix
style, as if typed with a leading apostrophe. Numbers, dates and times stay typed values."""

import datetime
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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


def _style_cell(cell, value):
    """Type and format one cell: a string is always a string, never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    elif isinstance(value, datetime.datetime):
        # An instant to the minute, as offices write it (openpyxl's default shows seconds
        # nobody recorded).
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        # Large figures read with thousands separators (47,000) and stay numbers; a year
        # or a small count (2026, 485) is left as it is written.
        if isinstance(value, int) and abs(value) >= 10_000:
            cell.number_format = "#,##0"
        elif not isinstance(value, int) and abs(value) >= 1_000:
            cell.number_format = "#,##0.0"
    return cell


def write_cell(sheet, row: int, column: int, value):
    """Write one cell of an ordinary (not write-only) sheet."""
    return _style_cell(sheet.cell(row=row, column=column), cell_value(value))


# Column widths are set before the first row of a write-only sheet: they are measured on
# this many rows, the rest are written as they come and never held.
WIDTH_SAMPLE_ROWS = 500


def build_workbook(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Workbook:
    """A write-only workbook: rows go to a temporary file as they are read, so an export of
    a province's rows holds only the first WIDTH_SAMPLE_ROWS of them in memory at once.
    Save it once (`save`, or `xlsx_response`)."""
    workbook = Workbook(write_only=True)
    add_sheet(workbook, sheet_title, headers, rows)
    return workbook


def new_workbook() -> Workbook:
    """An empty write-only workbook for several sheets: `add_sheet` each, then
    `workbook_response`."""
    return Workbook(write_only=True)


def add_sheet(
    workbook: Workbook, sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """One more sheet of a `new_workbook`, written like `build_workbook`'s."""
    sheet = workbook.create_sheet(str(sheet_title)[:31])
    header_values = [cell_value(header) for header in headers]  # lazy texts, user's language
    widths = [len(value) * 2 + 2 for value in header_values]
    rows = iter(rows)
    sample = []
    for row in rows:
        sample.append([cell_value(value) for value in row])
        if len(sample) >= WIDTH_SAMPLE_ROWS:
            break
    for values in sample:
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = min(60, max(widths[index], len(str(value)) * 2 + 2))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    def header_cell(value):
        cell = _style_cell(WriteOnlyCell(sheet), value)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DEDE")
        return cell

    sheet.append([header_cell(value) for value in header_values])
    for values in sample:
        sheet.append([_style_cell(WriteOnlyCell(sheet), value) for value in values])
    for row in rows:
        sheet.append([_style_cell(WriteOnlyCell(sheet), cell_value(value)) for value in row])


def xlsx_response(
    filename_stem: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """An .xlsx download named e.g. 师资-20261122.xlsx (the date in Asia/Shanghai). The rows
    are written to a temporary file as they are read; only the finished, compressed file
    (about 1 MB for 10,000 rows) is held to send it."""
    return workbook_response(filename_stem, build_workbook(filename_stem, headers, rows))


def workbook_response(filename_stem: str, workbook: Workbook) -> HttpResponse:
    """A built workbook as an .xlsx download named like `xlsx_response`'s."""
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        content = spool.read()
    stamp = timezone.localdate().strftime("%Y%m%d")
    filename = f"{filename_stem}-{stamp}.xlsx"
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
