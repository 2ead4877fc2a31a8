"""What finance does when something happens to an order, in the order's transaction (see gendan.core.hooks)."""

from .models import CreditNote, Invoice, PaymentAllocation


def order_updated(event, *, actor, obj) -> None:
    """A new owner of the order owns its invoices, their credit notes and allocations too (whom they are listed
    for)."""
    if "owner" in event.changes:
        # A copy of the order's column, not an edit of the invoice: no event, no new updated_at.
        Invoice.objects.filter(order=obj).update(owner_id=obj.owner_id)
        CreditNote.objects.filter(order=obj).update(owner_id=obj.owner_id)
        PaymentAllocation.objects.filter(invoice__order=obj).update(owner_id=obj.owner_id)
