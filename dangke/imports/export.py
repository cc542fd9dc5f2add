"""Excel export of what a list page shows."""

from collections.abc import Iterable, Sequence
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_workbook(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> Workbook:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = str(sheet_title)[:31]
    headers = [str(header) for header in headers]  # lazy translations, in the user's language
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DEDE")
    widths = [len(header) * 2 + 2 for header in headers]
    for row in rows:
        values = ["" if value is None else value for value in row]
        sheet.append(values)
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = min(60, max(widths[index], len(str(value)) * 2 + 2))
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
