"""What fulfillment does when something happens to an order, in the order's transaction (see gendan.core.hooks)."""

from .models import Shipment, ShipmentStatus
from .services import cancel_pending


def order_cancelled(event, *, actor, obj) -> None:
    """Shipments not yet out go with the order, each on the record."""
    order = obj
    for shipment in order.shipments.filter(status=ShipmentStatus.PENDING):
        cancel_pending(shipment, actor=actor, reason=event.data["reason"])


def order_updated(event, *, actor, obj) -> None:
    """A new owner of the order is the owner of its shipments too (Shipment.owner: whom they are listed for)."""
    if "owner" in event.changes:
        # A copy of the order's column, not an edit of the shipment: no event, no new updated_at.
        Shipment.objects.filter(order=obj).update(owner_id=obj.owner_id)
