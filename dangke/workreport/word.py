"""The report as a Word document (python-docx): real paragraphs in named styles, tables
and pictures, so the office edits it afterwards in Word or WPS.

Typography of a Chinese official document: the title in a 小标宋-like serif bold (Noto
Serif CJK SC Bold, 二号), headings in 黑体 (Noto Sans CJK SC, 三号), body in a 仿宋-like
serif (Noto Serif CJK SC, 三号) with a two-character first-line indent and a fixed 28 pt
line. Noto CJK is what fonts-noto-cjk installs; a machine with 仿宋/黑体 can switch the
two styles in one place (正文 / 标题 1).
"""

from __future__ import annotations

import io

from docx import Document as WordDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from dangke.workreport.compose import Document

BODY_FONT = "Noto Serif CJK SC"  # 仿宋-style body
HEADING_FONT = "Noto Sans CJK SC"  # 黑体-style headings
SIZE_TITLE, SIZE_BODY, SIZE_SMALL = Pt(22), Pt(16), Pt(10.5)
LINE = Pt(28)
CHART_WIDTH = Cm(15)
TEXT_WIDTH_CM = 15.6  # A4 less the 2.8 + 2.6 cm margins


def _font(style_or_run, name: str, size=None, bold=None) -> None:
    font = style_or_run.font
    font.name = name
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the name


def _styles(word) -> None:
    styles = word.styles
    normal = styles["Normal"]
    _font(normal, BODY_FONT, SIZE_BODY)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(32)  # two characters of 三号
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    title = styles["Title"]
    _font(title, "Noto Serif CJK SC", SIZE_TITLE, bold=True)
    title.font.color.rgb = None
    tf = title.paragraph_format
    tf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tf.first_line_indent = Pt(0)
    tf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    tf.line_spacing = Pt(36)
    tf.space_after = Pt(12)
    _no_border(title)

    heading = styles["Heading 1"]
    _font(heading, HEADING_FONT, SIZE_BODY, bold=False)
    heading.font.color.rgb = None
    hf = heading.paragraph_format
    hf.first_line_indent = Pt(32)
    hf.space_before = Pt(6)
    hf.space_after = Pt(0)
    hf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    hf.line_spacing = LINE
    hf.keep_with_next = True

    caption = styles["Caption"]
    _font(caption, HEADING_FONT, SIZE_SMALL, bold=False)
    caption.font.color.rgb = None
    cf = caption.paragraph_format
    cf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cf.first_line_indent = Pt(0)
    cf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cf.space_before = Pt(4)
    cf.space_after = Pt(8)

    table_text = styles.add_style("表格文字", normal.type)
    table_text.base_style = normal
    _font(table_text, BODY_FONT, SIZE_SMALL)
    tt = table_text.paragraph_format
    tt.first_line_indent = Pt(0)
    tt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    tt.alignment = WD_ALIGN_PARAGRAPH.LEFT


def _no_border(style) -> None:
    """Word's built-in Title style draws a rule under the title; an official one has none."""
    ppr = style.element.find(qn("w:pPr"))
    if ppr is not None:
        border = ppr.find(qn("w:pBdr"))
        if border is not None:
            ppr.remove(border)


def write_docx(document: Document) -> bytes:
    word = WordDocument()
    section = word.sections[0]
    # GB/T 9704 page: A4, margins 3.7 / 3.5 / 2.8 / 2.6 cm
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _styles(word)
    word.core_properties.title = document.title
    word.core_properties.author = "党课 Dangke"
    for block in document.blocks:
        _write_block(word, block)
    _appendix(word, document)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _write_block(word, block) -> None:
    if block.kind == "title":
        word.add_paragraph(block.text, style="Title")
    elif block.kind == "meta":
        paragraph = word.add_paragraph(block.text, style="Caption")
        paragraph.paragraph_format.space_after = Pt(16)
    elif block.kind == "heading":
        word.add_paragraph(block.text, style="Heading 1")
    elif block.kind == "paragraph":
        word.add_paragraph(block.text, style="Normal")
    elif block.kind == "chart":
        if not block.image:
            return
        picture = word.add_paragraph(style="Caption")
        picture.paragraph_format.keep_with_next = True
        picture.add_run().add_picture(io.BytesIO(block.image), width=CHART_WIDTH)
        word.add_paragraph(block.text, style="Caption")
    elif block.kind == "table":
        caption = word.add_paragraph(block.text, style="Caption")
        caption.paragraph_format.keep_with_next = True
        _table(word, block.headers, block.rows)


def _table(word, headers: list[str], rows: list[list[str]]) -> None:
    table = word.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _column_widths(headers, rows)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        paragraph = cell.paragraphs[0]
        paragraph.style = "表格文字"
        run = paragraph.add_run(text)
        _font(run, HEADING_FONT)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
        for index, (cell, text) in enumerate(zip(cells, row, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph.style = "表格文字"
            paragraph.add_run(text)
            if index and _numeric(text):
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    word.add_paragraph(style="表格文字")  # a line of air after the table


def _column_widths(headers: list[str], rows: list[list[str]]) -> list:
    """Share the text width by each column's longest line (headers count half: they wrap
    well), so a name or a list of shortfalls gets the room and a number does not."""
    needs = []
    for index, header in enumerate(headers):
        longest = max([min(len(header), 7), 4.5, *(len(row[index]) for row in rows)])
        needs.append(min(longest, 18))
    total = sum(needs)
    return [Cm(TEXT_WIDTH_CM * need / total) for need in needs]


def _numeric(text: str) -> bool:
    return (
        bool(text)
        and text.replace(",", "").replace(".", "").replace("%", "").replace("／", "").isdigit()
    )


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    header = trpr.makeelement(qn("w:tblHeader"), {})
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _appendix(word, document: Document) -> None:
    if not document.sources:
        return
    word.add_page_break()
    word.add_paragraph("附：数据说明", style="Heading 1").paragraph_format.first_line_indent = Pt(0)
    word.add_paragraph(
        "本报告中的数字均由党课平台按下列口径从业务数据自动统计；正文中的“余”表示向下取整，"
        "下表为精确值。“查看明细”为平台中列出这些数据的页面，可据此逐条核对。",
        style="Normal",
    )
    _table(
        word,
        ["数据项", "口径", "数值", "查看明细"],
        [[s.label, s.definition, s.value, s.page] for s in document.sources],
    )
