"""What fulfillment does when something happens to an order, in the order's transaction (see gendan.core.hooks)."""

from .models import SHIPMENT_STATES, ShipmentStatus


def order_cancelled(event, *, actor, obj) -> None:
    """Shipments not yet out go with the order, each on the record."""
    order = obj
    for shipment in order.shipments.filter(status=ShipmentStatus.PENDING):
        SHIPMENT_STATES.move(
            shipment,
            ShipmentStatus.CANCELLED,
            actor=actor,
            verb="shipment.cancelled",
            data={"reason": event.data["reason"]},
            root=order,
        )
