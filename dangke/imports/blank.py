"""The downloadable template of a sheet: Chinese headers (required ones marked *), drop-down
lists and number checks where Excel can enforce them, an example row, and a 说明 sheet."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from dangke.imports.columns import source_label
from dangke.imports.sheets import INSTRUCTIONS_SHEET, LISTS_SHEET, SheetSpec

TEMPLATE_ROWS = 10_001  # validations cover this many rows below the header

REQUIRED_FILL = PatternFill("solid", fgColor="F8D7DA")
OPTIONAL_FILL = PatternFill("solid", fgColor="E9ECEF")


def template_workbook(spec: SheetSpec) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.title
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)

    last_row = TEMPLATE_ROWS + 1
    list_column = 0
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(
            row=1, column=index, value=column.header + ("*" if column.required else "")
        )
        cell.font = Font(bold=True)
        cell.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        if column.help:
            cell.comment = Comment(column.help, "党课")
        sheet.cell(row=2, column=index, value=column.example)
        sheet.column_dimensions[letter].width = column.width
        target = f"{letter}2:{letter}{last_row}"
        validation = None
        if column.choices and not column.multiple:
            choices = [source_label(label) for label in column.choices]
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=column.header)
            for offset, label in enumerate(choices, start=2):
                lists.cell(row=offset, column=list_column, value=label)
            source = (
                f"{quote_sheetname(LISTS_SHEET)}!${list_letter}$2:${list_letter}${len(choices) + 1}"
            )
            validation = DataValidation(type="list", formula1=source, allow_blank=True)
            validation.error = "请从下拉列表中选择：" + "、".join(choices)
        elif column.number_range:
            low, high = column.number_range
            validation = DataValidation(
                type="whole" if column.whole_number else "decimal",
                operator="between",
                formula1=str(low),
                formula2=str(high),
                allow_blank=True,
            )
            kind = "整数" if column.whole_number else "数字"
            validation.error = f"请填写 {low} 到 {high} 之间的{kind}"
        if validation is not None:
            validation.errorTitle = column.header
            validation.showErrorMessage = True
            if column.help:
                validation.prompt = column.help[:250]
                validation.showInputMessage = True
            sheet.add_data_validation(validation)
            validation.add(target)
        elif column.help:
            prompt = DataValidation(allow_blank=True)
            prompt.prompt = column.help[:250]
            prompt.showInputMessage = True
            sheet.add_data_validation(prompt)
            prompt.add(target)
    sheet.freeze_panes = "A2"

    instructions.append([f"{spec.title}导入说明"])
    instructions["A1"].font = Font(bold=True, size=14)
    instructions.append([])
    instructions.append(["列名", "是否必填", "填写说明", "示例"])
    for cell in instructions[3]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        instructions.append(
            [column.header, "必填" if column.required else "选填", column.help, column.example]
        )
    instructions.append([])
    for note in spec.notes:
        instructions.append([note])
    instructions.append(["第 2 行是示例，导入前请删除或改成真实数据。"])
    for letter, width in zip("ABCD", (16, 10, 70, 24), strict=True):
        instructions.column_dimensions[letter].width = width
    for row in instructions.iter_rows(min_row=4):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
