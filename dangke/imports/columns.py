"""Columns of an import sheet: a Chinese header, how a cell becomes a value, and what the
template offers a clerk (a drop-down list, a number range, an example).

A parser takes the cell's raw value (already stripped; None when empty) and returns the
clean value or raises `CellError` with a message the clerk can act on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation


class CellError(ValueError):
    """A cell that cannot be used, with the reason in Chinese."""


Parser = Callable[[Any], Any]


def source_label(label) -> str:
    """A choice label as the import templates spell it: in the site's own language
    (Chinese), whatever language the clerk's pages are shown in. Labels may be lazy
    translations; uploaded sheets are matched against the Chinese."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    parse: Parser
    required: bool = False
    help: str = ""
    example: Any = ""
    # For the template: a drop-down list of allowed entries, or a number range.
    choices: tuple[str, ...] = ()
    multiple: bool = False  # several choices in one cell: no drop-down, only a prompt
    number_range: tuple[float, float] | None = None
    whole_number: bool = False
    width: int = 14


def text(max_length: int) -> Parser:
    def parse(value):
        value = str(value).strip()
        if len(value) > max_length:
            raise CellError(f"不能超过 {max_length} 个字（现有 {len(value)} 个）")
        return value

    return parse


MOBILE = re.compile(r"1[3-9]\d{9}")
# Area code 0xx or 0xxx, a 7- or 8-digit number, an optional extension.
LANDLINE = re.compile(r"(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?")


def phone_number(value) -> str:
    """A Chinese mobile (11 digits from 13…19…) or a landline with its area code
    (0833-2123456, 083312345678, extension after a dash); spaces and a +86 prefix are
    dropped. Stored as written in a standard form: 13800000000, 0833-2123456."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    written = str(value).strip()
    compact = re.sub(r"[\s()（）]", "", written).replace("—", "-").replace("－", "-")
    compact = re.sub(r"^(\+|00)86-?", "", compact)
    if MOBILE.fullmatch(compact.replace("-", "")):
        return compact.replace("-", "")
    landline = LANDLINE.fullmatch(compact)
    if landline:
        area, number, extension = landline.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise CellError(
        f"「{written}」不是有效的电话号码：手机号为 11 位（如 13800000000），"
        "固定电话须带区号（如 0833-2123456）"
    )


def whole_number(minimum: int, maximum: int) -> Parser:
    def parse(value):
        if isinstance(value, bool):
            raise CellError("应为整数")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            try:
                value = int(str(value).replace(",", "").strip())
            except ValueError as error:
                raise CellError(f"应为整数，而不是「{value}」") from error
        if not minimum <= value <= maximum:
            raise CellError(f"应在 {minimum} 到 {maximum} 之间")
        return value

    return parse


def decimal(minimum: float, maximum: float) -> Parser:
    def parse(value):
        if isinstance(value, bool):
            raise CellError("应为数字")
        try:
            number = float(str(value).strip()) if not isinstance(value, int | float) else value
        except ValueError as error:
            raise CellError(f"应为数字，而不是「{value}」") from error
        if not minimum <= number <= maximum:
            raise CellError(f"应在 {minimum} 到 {maximum} 之间")
        return float(number)

    return parse


def choice(choices: type[models.TextChoices]) -> Parser:
    """Accepts the Chinese label (what the template's drop-down offers) or the code."""
    by_text: dict[str, str] = {}  # filled on first use: labels may be lazy translations

    def parse(value):
        if not by_text:
            by_text.update({source_label(label): value for value, label in choices.choices})
            by_text.update({value: value for value in choices.values})
        key = str(value).strip()
        if key not in by_text:
            allowed = "、".join(source_label(label) for label in choices.labels)
            raise CellError(f"「{key}」不是可选值，可选：{allowed}")
        return by_text[key]

    return parse


LIST_SEPARATORS = re.compile(r"[、,，;；/\s]+")


def split_list(value) -> list[str]:
    return [part for part in LIST_SEPARATORS.split(str(value).strip()) if part]


def choice_list(choices: type[models.TextChoices]) -> Parser:
    single = choice(choices)

    def parse(value):
        parsed = []
        for part in split_list(value):
            item = single(part)
            if item not in parsed:
                parsed.append(item)
        return parsed

    return parse


def code_list(max_length: int) -> Parser:
    def parse(value):
        codes = split_list(value)
        for code in codes:
            if len(code) > max_length:
                raise CellError(f"编号「{code}」过长")
        return list(dict.fromkeys(codes))

    return parse


def months(value) -> list[int]:
    found = []
    for part in split_list(str(value).replace("月", " ")):
        try:
            month = int(float(part))
        except ValueError as error:
            raise CellError(f"「{part}」不是月份，请写 1–12 的数字，如 5、6、9") from error
        if not 1 <= month <= 12:
            raise CellError(f"月份 {month} 不在 1–12 之间")
        if month not in found:
            found.append(month)
    return sorted(found)


def region_code(value) -> str:
    """Shape only; whether the region exists and lies in scope is checked by the sheet."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    code = str(value).strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise CellError(f"「{code}」不是区划代码（应为 6、9 或 12 位数字，如 511102）")
    return code


@dataclass
class RowErrors:
    """Errors collected for one workbook, in the order a clerk reads them."""

    sheet: str
    items: list[dict] = field(default_factory=list)

    def add(self, row: int | None, column: str, value, message: str) -> None:
        self.items.append(
            {
                "sheet": self.sheet,
                "row": row,
                "column": column,
                "value": "" if value is None else str(value)[:100],
                "message": message,
            }
        )

    def __bool__(self) -> bool:
        return bool(self.items)
