"""Template helpers of the order pages: quantities without trailing zeros and status colours."""

from django import template

from gendan.core.templatetags.gendan_ui import plain_number

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


# Quantities and percentages on the order and quotation pages (and the panels other apps add to them).
register.filter("qty", plain_number)


# Bootstrap background classes per change request status (sales.models.ChangeStatus).
CHANGE_STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "pending_approval": "text-bg-warning",
    "applied": "text-bg-success",
    "rejected": "text-bg-danger",
    "stale": "text-bg-dark",
    "cancelled": "text-bg-light border",
}


@register.filter
def change_status_class(value) -> str:
    return CHANGE_STATUS_CLASSES.get(str(value), "text-bg-secondary")
