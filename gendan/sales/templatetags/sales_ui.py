"""Template helpers of the order pages: quantities without trailing zeros and status colours."""

from decimal import Decimal

from django import template

register = template.Library()

# Bootstrap background classes per status value (order, derived, shipment and invoice statuses).
STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "pending_approval": "text-bg-warning",
    "confirmed": "text-bg-primary",
    "partially_shipped": "text-bg-info",
    "shipped": "text-bg-info",
    "delivered": "text-bg-success",
    "closed": "text-bg-dark",
    "cancelled": "text-bg-light border",
    "on_hold": "text-bg-danger",
    "not_shipped": "text-bg-light border",
    "not_invoiced": "text-bg-light border",
    "partially_invoiced": "text-bg-info",
    "invoiced": "text-bg-success",
    "unpaid": "text-bg-light border",
    "partially_paid": "text-bg-warning",
    "paid": "text-bg-success",
    "pending": "text-bg-warning",
    "issued": "text-bg-primary",
}


@register.filter
def status_class(value) -> str:
    return STATUS_CLASSES.get(str(value), "text-bg-secondary")


@register.filter
def qty(value) -> str:
    """3 → "3", 2.500 → "2.5": quantities as people write them."""
    if value is None or value == "":
        return ""
    number = Decimal(value).normalize()
    return f"{number:f}"
