"""PDF documents (certificates, printed reports) rendered from Django templates by WeasyPrint.

Templates extend `reports/pdf/base.html`, whose stylesheet names the Noto CJK family that
Debian's `fonts-noto-cjk` installs: without it every Chinese character prints as a box.
"""

from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango, which only PDF paths need

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html).write_pdf()


def pdf_response(pdf: bytes, filename: str):
    """An HttpResponse that downloads `pdf` under a Chinese `filename`."""
    from django.http import HttpResponse

    response = HttpResponse(pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = _attachment(filename)
    return response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
