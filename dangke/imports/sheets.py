"""The generic part of an import: read a workbook, check every cell and every row against a
`SheetSpec`, and apply the rows in one transaction.

Each kind of row (organisations, teachers, courses) declares its spec in its own app's
`spreadsheets.py`; this module knows nothing about any of them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from dangke.accounts.scoping import Scope
from dangke.core.uploads import UploadRejected, open_checked_zip
from dangke.imports.columns import CellError, Column, RowErrors

INSTRUCTIONS_SHEET = "说明"
LISTS_SHEET = "可选值"
MAX_ROWS = 50_000
Progress = Callable[[int, int], None]


class WorkbookError(Exception):
    """The file as a whole cannot be read (not a workbook, no sheet, too many rows)."""


@dataclass
class ParsedRow:
    number: int  # the row number Excel shows
    values: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)  # header → cell as written
    existing: Any = None  # the stored object this row updates, if any


@dataclass
class ApplyCounts:
    created: int = 0
    updated: int = 0
    note: str = ""  # what else the import did, said after the counts (e.g. members gone)


@dataclass
class ImportContext:
    """What a spec needs to know about who imports: their scope and the regions they
    manage (code → level), loaded once per workbook."""

    scope: Scope
    user: Any
    managed_regions: dict[str, int] = field(default_factory=dict)
    # Codes outside the managed regions already looked up, and those of them that exist.
    looked_up_regions: set[str] = field(default_factory=set)
    other_regions: set[str] = field(default_factory=set)

    @classmethod
    def for_scope(cls, scope: Scope, user=None) -> ImportContext:
        from dangke.regions.models import Region

        regions = Region.objects.all()
        if not scope.is_superuser:
            condition = None
            for prefix in scope.managed_region_codes:
                query = Region.objects.unscoped("regions the user manages").filter(
                    code__startswith=prefix
                )
                condition = query if condition is None else condition | query
            regions = condition if condition is not None else Region.objects.none()
        return cls(
            scope=scope, user=user, managed_regions=dict(regions.values_list("code", "level"))
        )

    def shared_region_q(self, path: str = "region"):
        """Rows of the importer's regions or of the regions above them: a county's teachers
        may belong to the city's teaching groups and teach its courses."""
        from django.db.models import Q

        if self.scope.is_superuser:
            return Q()
        above = {
            code[:length]
            for code in self.scope.managed_region_codes
            for length in (2, 4, 6, 9)
            if length < len(code)
        }
        condition = Q(**{f"{path}__in": above})
        for code in self.scope.managed_region_codes:
            condition |= Q(**{f"{path}__code__startswith": code})
        return condition

    def preload_regions(self, codes) -> None:
        """One query for all codes of a sheet that lie outside the managed regions, so the
        check can tell "not yours" from "does not exist" without a query per row."""
        from dangke.regions.models import Region

        outside = {code for code in codes if code and code not in self.managed_regions}
        outside -= self.looked_up_regions
        if outside:
            self.looked_up_regions |= outside
            self.other_regions |= set(
                Region.objects.filter(code__in=outside).values_list("code", flat=True)
            )

    def check_region(
        self, code: str, *, min_level: int | None = None, max_level: int | None = None
    ) -> str | None:
        """None when the region is usable, otherwise the reason in Chinese."""
        from dangke.regions.models import RegionLevel

        if code not in self.managed_regions:
            self.preload_regions([code])
            if code in self.other_regions:
                return f"区划「{code}」不在您管理的范围内"
            return f"区划代码「{code}」不存在（请按 GB/T 2260 / 统计用区划代码填写）"
        if min_level is not None and self.managed_regions[code] < min_level:
            return f"区划「{code}」层级过高，应填写{RegionLevel(min_level).label}或以下区划"
        if max_level is not None and self.managed_regions[code] > max_level:
            return f"区划「{code}」层级过低，应填写{RegionLevel(max_level).label}或以上区划"
        return None


class SheetSpec:
    """One kind of row. Subclasses set the class attributes and implement `check` and
    `apply`; cell parsing, required values and duplicates are handled here."""

    kind: str = ""
    title: str = ""
    model: Any = None
    key_field: str = "code"
    columns: tuple[Column, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def key_column(self) -> Column:
        return next(column for column in self.columns if column.field == self.key_field)

    def column_for(self, field_name: str) -> Column:
        return next(column for column in self.columns if column.field == field_name)

    def is_example(self, cells: dict[str, Any]) -> bool:
        """The template's example row, left in the file: every cell as the template wrote it
        (a row where the clerk changed anything is data)."""
        examples = {c.header: c.example for c in self.columns if c.example not in ("", None)}
        return (
            bool(examples)
            and all(
                cells.get(header) is not None and str(cells[header]) == str(example)
                for header, example in examples.items()
            )
            and all(value is None for header, value in cells.items() if header not in examples)
        )

    def check(self, rows: list[ParsedRow], context: ImportContext, errors: RowErrors) -> None:
        raise NotImplementedError

    def apply(
        self, rows: list[ParsedRow], context: ImportContext, progress: Progress
    ) -> ApplyCounts:
        raise NotImplementedError

    # Shared checks, used by the specs' `check`.

    def check_regions(self, rows, context, errors, *, min_level=None, max_level=None) -> None:
        column = self.column_for("region")
        context.preload_regions(row.values.get("region") for row in rows)
        for row in rows:
            code = row.values.get("region")
            reason = code and context.check_region(code, min_level=min_level, max_level=max_level)
            if reason:
                errors.add(row.number, column.header, code, reason)
                row.values["region"] = None

    def attach_existing(self, rows, context, errors) -> None:
        """Rows whose key already exists update that object, provided the importer
        manages its region; a key used elsewhere is refused without saying where."""
        keys = [row.values[self.key_field] for row in rows if row.values.get(self.key_field)]
        existing = {
            getattr(obj, self.key_field): obj
            for obj in self.model._default_manager.filter(**{f"{self.key_field}__in": keys})
        }
        column = self.key_column
        for row in rows:
            obj = existing.get(row.values.get(self.key_field))
            if obj is None:
                continue
            if context.scope.manages_region(obj.region_id):
                row.existing = obj
            else:
                errors.add(
                    row.number,
                    column.header,
                    row.values[self.key_field],
                    "该编号已被其他地区使用，请换一个编号",
                )


@dataclass
class ValidationResult:
    sheet: str
    rows: list[ParsedRow]
    errors: RowErrors
    example_rows: list[int] = field(default_factory=list)  # the template's example, skipped

    @property
    def to_create(self) -> int:
        return sum(1 for row in self.rows if row.existing is None)

    @property
    def to_update(self) -> int:
        return sum(1 for row in self.rows if row.existing is not None)


def normalise_header(value) -> str:
    return str(value or "").strip().rstrip("*＊").strip()


def read_rows(path, spec: SheetSpec) -> tuple[str, list[tuple[int, dict[str, Any]]], RowErrors]:
    """The data sheet's rows as (Excel row number, {header: raw value}); header problems
    are reported as errors on row 1."""
    try:
        open_checked_zip(path).close()  # the task reads the stored file again: check it again
    except UploadRejected as error:
        raise WorkbookError(str(error)) from error
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise WorkbookError("无法读取该文件：请上传用 Excel 或 WPS 保存的 .xlsx 文件") from error
    try:
        sheet = _data_sheet(workbook, spec)
        errors = RowErrors(sheet.title)
        iterator = sheet.iter_rows(values_only=True)
        header_row = next(iterator, None)
        if header_row is None:
            raise WorkbookError(f"工作表「{sheet.title}」是空的")
        known = {column.header: column for column in spec.columns}
        headers: list[str | None] = []
        for index, cell in enumerate(header_row, start=1):
            header = normalise_header(cell)
            if not header:
                headers.append(None)
            elif header not in known:
                errors.add(
                    1,
                    header,
                    header,
                    f"第 {index} 列的表头「{header}」无法识别；请使用模板中的表头："
                    + "、".join(known),
                )
                headers.append(None)
            elif header in headers:
                errors.add(1, header, header, f"表头「{header}」出现了两次")
                headers.append(None)
            else:
                headers.append(header)
        for column in spec.columns:
            if column.required and column.header not in headers:
                errors.add(1, column.header, "", f"缺少必填列「{column.header}」")
        rows = []
        for number, values in enumerate(iterator, start=2):
            cells = {
                header: _clean(value)
                for header, value in zip(headers, values, strict=False)
                if header
            }
            if all(value is None for value in cells.values()):
                continue
            rows.append((number, cells))
            if len(rows) > MAX_ROWS:
                raise WorkbookError(f"一次最多导入 {MAX_ROWS:,} 行，请分成几个文件")
        return sheet.title, rows, errors
    finally:
        workbook.close()


def _data_sheet(workbook, spec: SheetSpec):
    if spec.title in workbook.sheetnames:
        return workbook[spec.title]
    for sheet in workbook.worksheets:
        if sheet.title not in (INSTRUCTIONS_SHEET, LISTS_SHEET) and sheet.sheet_state == "visible":
            return sheet
    raise WorkbookError(f"文件中没有可导入的工作表（应有名为「{spec.title}」的工作表）")


def _clean(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def validate(path, spec: SheetSpec, context: ImportContext, progress: Progress) -> ValidationResult:
    sheet, raw_rows, errors = read_rows(path, spec)
    example_rows = [number for number, cells in raw_rows if spec.is_example(cells)]
    raw_rows = [(number, cells) for number, cells in raw_rows if number not in example_rows]
    total = len(raw_rows)
    rows: list[ParsedRow] = []
    for done, (number, cells) in enumerate(raw_rows, start=1):
        values = {}
        for column in spec.columns:
            raw = cells.get(column.header)
            if raw is None:
                if column.required and column.header in cells:
                    errors.add(number, column.header, "", "必填，不能为空")
                elif column.required:
                    pass  # the missing column is reported once, on row 1
                values[column.field] = None
                continue
            try:
                values[column.field] = column.parse(raw)
            except CellError as error:
                errors.add(number, column.header, raw, str(error))
                values[column.field] = None
        rows.append(ParsedRow(number, values, cells))
        if done % 1000 == 0:
            progress(done, total)
    _check_duplicate_keys(rows, spec, errors)
    spec.check(rows, context, errors)
    progress(total, total)
    errors.items.sort(key=lambda item: item["row"] or 0)
    return ValidationResult(sheet, rows, errors, example_rows)


def _check_duplicate_keys(rows: Iterable[ParsedRow], spec: SheetSpec, errors: RowErrors) -> None:
    first_row: dict[str, int] = {}
    counts = Counter(row.values.get(spec.key_field) for row in rows)
    header = spec.key_column.header
    for row in rows:
        key = row.values.get(spec.key_field)
        if not key or counts[key] < 2:
            continue
        if key in first_row:
            errors.add(row.number, header, key, f"编号重复：与第 {first_row[key]} 行相同")
        else:
            first_row[key] = row.number
