"""What fulfillment does when something happens to an order, in the order's transaction (see gendan.core.hooks)."""

from .models import ShipmentStatus
from .services import cancel_pending


def order_cancelled(event, *, actor, obj) -> None:
    """Shipments not yet out go with the order, each on the record."""
    order = obj
    for shipment in order.shipments.filter(status=ShipmentStatus.PENDING):
        cancel_pending(shipment, actor=actor, reason=event.data["reason"])
