"""Finance's worklists: shipped goods to invoice, invoices to collect, money to put against invoices.

One queryset per list, scoped to the user, shared by the page, the API and the navigation's count.
"""

from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Value

from gendan.sales.models import AWAITING_INVOICE, BillingStatus, Order, OrderLine

from .models import Invoice, InvoiceStatus, Payment
from .selectors import payment_queryset

_MONEY = DecimalField(max_digits=14, decimal_places=2)
# Half a cent: SQLite keeps decimals as binary floating point, so "something left" means at least a cent.
_HALF_A_CENT = Value(Decimal("0.005"), output_field=_MONEY)


def orders_to_invoice(*, user) -> QuerySet[Order]:
    """Orders with quantities shipped and not yet invoiced, the oldest order first."""
    shipped_not_invoiced = OrderLine.objects.filter(order=OuterRef("pk"), shipped_quantity__gt=F("invoiced_quantity"))
    return (
        Order.objects.visible_to(user)
        # What the order's statuses tell (through order_to_invoice_idx, which holds only these orders):
        # something shipped and nothing invoiced yet; or part invoiced, where only the lines can tell.
        .filter(AWAITING_INVOICE)
        .filter(Q(billing_status=BillingStatus.NOT_INVOICED) | Exists(shipped_not_invoiced))
        .select_related("customer", "owner")
        .order_by("created_at", "pk")
    )


def invoices_unpaid(*, user) -> QuerySet[Invoice]:
    """Issued invoices not yet paid in full, the longest overdue first."""
    return (
        Invoice.objects.visible_to(user)
        .filter(status=InvoiceStatus.ISSUED)
        .select_related("customer", "order__owner")
        .order_by(F("due_date").asc(nulls_last=True), "issued_at", "pk")
    )


def payments_unallocated(*, user) -> QuerySet[Payment]:
    """Payments with money not yet put against any invoice, the oldest first."""
    # From payment_queryset: each payment's allocations are only those to invoices the user may see.
    return (
        payment_queryset(user=user)
        # The first condition as payment_unallocated_idx states it, so the database reads that index.
        .filter(allocated_amount__lt=F("amount") - F("refunded_amount"))
        .filter(allocated_amount__lt=F("amount") - F("refunded_amount") - _HALF_A_CENT)
        .select_related("customer__owner")
        .order_by("received_on", "pk")
    )
