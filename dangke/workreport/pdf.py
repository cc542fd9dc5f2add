"""The report as PDF, from the very .docx the office receives.

Where LibreOffice is installed (`soffice`, Debian's libreoffice-writer-nogui) it converts
the .docx headless: the PDF then *is* the Word file, page for page, with nothing to keep
in step. Without it, WeasyPrint (already used for certificates) prints an HTML rendering of
the same blocks: the same words, figures, charts and tables, laid out by CSS instead.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from dangke.workreport.compose import Document

SOFFICE_TIMEOUT_S = 180


class ConversionFailed(RuntimeError):
    pass


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes) -> bytes:
    """Convert with LibreOffice headless, in a private profile so it never meets a running
    desktop instance (or another conversion) holding the default profile's lock."""
    soffice = soffice_path()
    if not soffice:
        raise ConversionFailed("未安装 LibreOffice（soffice）")
    with tempfile.TemporaryDirectory(prefix="dangke-report-") as tmp:
        folder = Path(tmp)
        source = folder / "report.docx"
        source.write_bytes(docx)
        profile = (folder / "profile").as_uri()
        command = [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ]
        env = {**os.environ, "HOME": tmp}
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=SOFFICE_TIMEOUT_S, env=env, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise ConversionFailed(f"LibreOffice 转换超时（{SOFFICE_TIMEOUT_S} 秒）") from error
        target = folder / "report.pdf"
        if done.returncode != 0 or not target.exists():
            detail = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[:300]
            raise ConversionFailed(f"LibreOffice 转换失败：{detail or done.returncode}")
        return target.read_bytes()


def render_html(document: Document) -> str:
    from django.template.loader import render_to_string

    blocks = []
    for block in document.blocks:
        image = base64.b64encode(block.image).decode() if block.image else ""
        blocks.append({"block": block, "image": image})
    return render_to_string("workreport/pdf.html", {"document": document, "blocks": blocks})


def html_to_pdf(document: Document) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only this path needs

    return HTML(string=render_html(document)).write_pdf()


def make_pdf(document: Document, docx: bytes) -> tuple[bytes, str]:
    """(pdf, engine): LibreOffice from the .docx where installed, else WeasyPrint."""
    if soffice_path():
        return docx_to_pdf(docx), "LibreOffice"
    return html_to_pdf(document), "WeasyPrint"
