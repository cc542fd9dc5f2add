"""The report as plain blocks (title, headings, paragraphs, charts, tables) built from
`ReportData`; `docx.py` writes them to Word, the PDF comes from that file. The wording
itself lives in `wording.py`.

Every figure a sentence quotes goes through `Composer.figure`, which formats it and adds a
row to the appendix 数据说明 (what the figure counts, its value, the list page with its
rows), so anyone can check a sentence against the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from dangke.workreport.data import ReportData
from dangke.workreport.numbers import approx, exact


@dataclass
class Block:
    kind: str  # title | meta | heading | paragraph | chart | table | caption
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    chart: str = ""  # key of charts.CHARTS
    image: bytes = b""


@dataclass
class Source:
    label: str
    definition: str
    value: str
    page: str


@dataclass
class Document:
    title: str
    blocks: list[Block]
    sources: list[Source]

    def text(self) -> str:
        """All words of the document, as a reader finds them (tests read this)."""
        parts = []
        for block in self.blocks:
            parts.append(block.text)
            parts += ["　".join(row) for row in [block.headers, *block.rows] if row]
        if self.sources:
            parts.append("附：数据说明")
            parts += [f"{s.label}　{s.definition}　{s.value}　{s.page}" for s in self.sources]
        return "\n".join(p for p in parts if p)


class Composer:
    def __init__(self, data: ReportData):
        self.data = data
        self.blocks: list[Block] = []
        self.sources: dict[str, Source] = {}

    # figures -----------------------------------------------------------------------
    def figure(self, label: str, value, definition: str, page: str, *, rough=False) -> str:
        """`value` as the sentence writes it (rounded in the office's idiom when `rough`),
        recorded for the appendix under `label`."""
        text = approx(value) if rough else exact(value)
        if label not in self.sources:
            self.sources[label] = Source(label, definition, exact(value), _page(page))
        return text

    # blocks ------------------------------------------------------------------------
    def heading(self, text: str) -> None:
        self.blocks.append(Block("heading", text))

    def paragraph(self, *sentences: str) -> None:
        text = "".join(s for s in sentences if s)
        if text:
            self.blocks.append(Block("paragraph", text))

    def chart(self, key: str, caption: str) -> None:
        self.blocks.append(Block("chart", caption, chart=key))

    def table(self, caption: str, headers: list[str], rows: list[list[str]]) -> None:
        if rows:
            self.blocks.append(Block("table", caption, headers=headers, rows=rows))


def _page(name: str) -> str:
    """A list page's path (`app:view`, optionally `?query`), or the text as given."""
    view, _sep, query = name.partition("?")
    try:
        path = reverse(view)
    except NoReverseMatch:
        return name
    return f"{path}?{query}" if query else path


def compose(data: ReportData) -> Document:
    from dangke.workreport import wording

    composer = Composer(data)
    write = wording.county_report if data.is_county else wording.city_report
    title = write(composer)
    sources = list(composer.sources.values())
    return Document(title=title, blocks=composer.blocks, sources=sources)
