from django.db.models import QuerySet

from .models import Invoice, PaymentAllocation


def order_invoices(*, order) -> QuerySet[Invoice]:
    """An order's invoices; the caller already checked the order is in scope."""
    return Invoice.objects.filter(order=order).order_by("created_at", "id")


def order_payment_allocations(*, order) -> QuerySet[PaymentAllocation]:
    """The parts of payments applied to the order's invoices, with their payment and invoice."""
    return (
        PaymentAllocation.objects.filter(invoice__order=order)
        .select_related("payment", "invoice")
        .order_by("payment__received_on", "id")
    )
