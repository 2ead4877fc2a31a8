"""The order page's shipments panel (registered for the sales order page in FulfillmentConfig.ready())."""

from gendan.sales.models import SHIPPABLE_STATUSES

from .forms import COMMON_CARRIERS, ShipmentForm
from .models import TRACKING_NUMBER_MAX_LENGTH, DeliveryMethod, ShipmentStatus
from .selectors import order_shipments
from .services import pending_quantities


def order_shipments_panel(request, order, *, shipment_form=None, **other_forms) -> dict:
    """The order's shipments; with the add permission, the form for a new one (`shipment_form` after bad input)."""
    user = request.user
    shippable = order.status in SHIPPABLE_STATUSES
    if user.has_perm("fulfillment.add_shipment") and shippable and shipment_form is None:
        shipment_form = ShipmentForm(order_lines=list(order.lines.all()), pending=pending_quantities(order))
    if shipment_form is not None and not shipment_form.line_fields:
        shipment_form = None
    return {
        "shipments": order_shipments(order=order),
        "shipment_form": shipment_form,
        "can_ship_shipments": user.has_perm("fulfillment.ship_shipment"),
        "can_deliver_shipments": user.has_perm("fulfillment.deliver_shipment"),
        "can_cancel_shipments": user.has_perm("fulfillment.add_shipment"),
        "delivery_methods": DeliveryMethod.choices,
        "common_carriers": COMMON_CARRIERS,
        "tracking_number_max_length": TRACKING_NUMBER_MAX_LENGTH,
        "order_shippable": shippable,
    }


def order_shipments_public(request, order) -> dict:
    """What the customer's link shows of the order's shipments: those on their way or arrived, with the
    carrier and tracking number, no warehouse and no people."""
    shipments = order_shipments(order=order).filter(status__in=[ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED])
    return {"public_shipments": list(shipments)}
