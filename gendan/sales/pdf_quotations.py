"""The quotation as a PDF: sales/quotation_pdf.html rendered by WeasyPrint, in the reader's language.

Chinese text needs a CJK font on the machine (Debian's fonts-noto-cjk; `make pdf-deps`
installs it with Pango). WeasyPrint is imported when a PDF is made, not when Django starts,
so a machine without Pango still serves every other page.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

from .models import Quotation


def quotation_pdf(quotation: Quotation, lines) -> bytes:
    """The PDF of one version, with its lines (products selected), as the customer receives it."""
    from weasyprint import HTML

    html = render_to_string(
        "sales/quotation_pdf.html",
        {"quotation": quotation, "lines": lines, "printed_on": timezone.localdate()},
    )
    return HTML(string=html).write_pdf()


def quotation_pdf_filename(quotation: Quotation) -> str:
    return f"{quotation.label}.pdf"


def pdf_response(quotation: Quotation, lines) -> HttpResponse:
    """The PDF as a download; the page and the API serve the same one."""
    response = HttpResponse(quotation_pdf(quotation, lines), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, quotation_pdf_filename(quotation))
    return response
