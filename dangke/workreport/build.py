"""From the data to the two files: collect → compose → charts → .docx → PDF. The command
and the background task both call `build`; `progress(fraction, label)` is told each step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dangke.accounts.scoping import Scope
from dangke.workreport import charts
from dangke.workreport.compose import Document, compose
from dangke.workreport.data import collect
from dangke.workreport.pdf import make_pdf
from dangke.workreport.word import write_docx

Progress = Callable[[float, str], None]


@dataclass
class Built:
    document: Document
    docx: bytes
    pdf: bytes | None
    pdf_engine: str


def build(
    scope: Scope,
    year: int,
    region_code: str = "",
    *,
    with_pdf=True,
    progress: Progress | None = None,
) -> Built:
    tell = progress or (lambda fraction, label: None)
    tell(0.05, _("统计年度数据"))
    data = collect(scope, year, region_code)
    tell(0.3, _("撰写报告正文"))
    document = compose(data)
    drawn = [b for b in document.blocks if b.kind == "chart"]
    for index, block in enumerate(drawn):
        tell(0.35 + 0.3 * index / max(len(drawn), 1), _("绘制图表"))
        block.image = charts.render(block.chart, data) or b""
    document.blocks = [b for b in document.blocks if b.kind != "chart" or b.image]
    _number_captions(document)
    tell(0.65, _("生成 Word 文档"))
    docx = write_docx(document)
    pdf, engine = None, ""
    if with_pdf:
        tell(0.75, _("转换 PDF"))
        pdf, engine = make_pdf(document, docx)
    tell(1.0, _("完成"))
    return Built(document=document, docx=docx, pdf=pdf, pdf_engine=engine)


def _number_captions(document: Document) -> None:
    """图1, 图2… and 表1, 表2… in reading order, after empty charts were left out."""
    counters = {"chart": ("图", 0), "table": ("表", 0)}
    for block in document.blocks:
        if block.kind in counters:
            prefix, n = counters[block.kind]
            counters[block.kind] = (prefix, n + 1)
            block.text = f"{prefix}{n + 1}　{block.text}"
