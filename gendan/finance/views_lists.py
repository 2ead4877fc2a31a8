"""The invoice and payment lists, filtered and downloadable like every other list."""

from django.contrib.auth.decorators import login_required, permission_required
from django.views.decorators.http import require_GET

from gendan.core.tables import list_response

from .lists import invoice_filter, payment_filter
from .tables import InvoiceTable, PaymentTable


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
@require_GET
def invoice_list_view(request):
    filterset = invoice_filter(request.user, request.GET)
    return list_response(request, InvoiceTable, filterset.qs, "finance/invoice_list.html", {"filter": filterset})


@login_required
@permission_required("finance.view_payment", raise_exception=True)
@require_GET
def payment_list_view(request):
    filterset = payment_filter(request.user, request.GET)
    return list_response(request, PaymentTable, filterset.qs, "finance/payment_list.html", {"filter": filterset})
