"""The invoice as a PDF: its page's document (finance/includes/invoice_document.html) printed by WeasyPrint.

In the reader's language, Chinese set in the machine's CJK fonts (Debian's fonts-noto-cjk: `make pdf-deps`).
WeasyPrint is imported when a PDF is made, so a machine without Pango still serves every other page.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

from .models import Invoice


def invoice_pdf(invoice: Invoice, lines) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "finance/invoice_pdf.html", {"invoice": invoice, "lines": lines, "printed_on": timezone.localdate()}
    )
    return HTML(string=html).write_pdf()


def invoice_pdf_response(invoice: Invoice, lines) -> HttpResponse:
    """The PDF shown in the browser, to print or save; the page and the API serve the same one."""
    response = HttpResponse(invoice_pdf(invoice, lines), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{invoice.number}.pdf")
    return response
