"""The invoice and payment lists, filtered and downloadable like every other list."""

from django.contrib.auth.decorators import login_required, permission_required
from django.views.decorators.http import require_GET

from gendan.core.tables import list_response
from gendan.sales.filters import list_filters

from .filters import InvoiceFilter, PaymentFilter
from .models import Invoice, Payment
from .tables import InvoiceTable, PaymentTable


@login_required
@permission_required("finance.view_invoice", raise_exception=True)
@require_GET
def invoice_list_view(request):
    invoices = Invoice.objects.visible_to(request.user).select_related("customer", "order")
    filterset = list_filters(request, InvoiceFilter, invoices)
    # The order id is for the API and links; on the page the search box finds an order's invoices.
    del filterset.form.fields["order"]
    return list_response(request, InvoiceTable, filterset.qs, "finance/invoice_list.html", {"filter": filterset})


@login_required
@permission_required("finance.view_payment", raise_exception=True)
@require_GET
def payment_list_view(request):
    payments = Payment.objects.visible_to(request.user).select_related("customer")
    filterset = list_filters(request, PaymentFilter, payments)
    return list_response(request, PaymentTable, filterset.qs, "finance/payment_list.html", {"filter": filterset})
