"""Template helpers of the quotation pages."""

from django import template

register = template.Library()

# Bootstrap background classes per quotation status.
QUOTATION_STATUS_CLASSES = {
    "draft": "text-bg-secondary",
    "pending_approval": "text-bg-warning",
    "approved": "text-bg-info",
    "sent": "text-bg-primary",
    "accepted": "text-bg-success",
    "rejected": "text-bg-danger",
    "expired": "text-bg-warning",
    "superseded": "text-bg-light border",
}


@register.filter
def quotation_status_class(value) -> str:
    return QUOTATION_STATUS_CLASSES.get(str(value), "text-bg-secondary")
