"""Order confirmations (销售订单确认书) as one PDF: sales/order_confirmation_pdf.html rendered by WeasyPrint.

As the quotation's (sales.pdf_quotations): in the reader's language, Chinese set in the CJK fonts of the
machine (Debian's fonts-noto-cjk), WeasyPrint imported when a PDF is made. Each order starts a page.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

from .models import Order


def orders_pdf(orders: list[Order]) -> bytes:
    """The confirmations of `orders` (read through selectors.order_documents), one after the other."""
    from weasyprint import HTML

    html = render_to_string("sales/order_confirmation_pdf.html", {"orders": orders, "printed_on": timezone.localdate()})
    return HTML(string=html).write_pdf()


def orders_pdf_filename(orders: list[Order]) -> str:
    if len(orders) == 1:
        return f"{orders[0].number}.pdf"
    return f"order-confirmations-{timezone.localdate():%Y%m%d}.pdf"


def orders_pdf_response(orders: list[Order]) -> HttpResponse:
    """The PDF shown in the browser, to print; the page and the API serve the same one."""
    response = HttpResponse(orders_pdf(orders), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, orders_pdf_filename(orders))
    return response
