"""Shipments from the company's past (an import of its history): see sales.services_history.

A historical shipment takes the whole order out at once, dated when it left (and was signed for), with no stock move:
today's stock is the opening stock's. It is numbered in the series of the month it left.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.numbering import next_number
from gendan.core.services import require_perm
from gendan.sales.models import OrderLine, OrderStatus
from gendan.sales.services import lock_order_with_lines
from gendan.sales.services_history import history_date_errors, order_import_progress

from .models import Shipment, ShipmentLine, ShipmentStatus
from .services import set_delivery


@events.batched
def shipment_import(
    *,
    actor,
    order,
    shipped_at: datetime.datetime,
    carrier: str = "",
    tracking_number: str = "",
    delivered_at: datetime.datetime | None = None,
    signed_by: str = "",
) -> Shipment:
    """The whole of a confirmed order shipped at `shipped_at` and, with `delivered_at`, signed for then."""
    require_perm(actor, "fulfillment.ship_shipment")
    if delivered_at is not None:
        require_perm(actor, "fulfillment.deliver_shipment")
    shipment = Shipment(shipped_at=shipped_at, delivered_at=delivered_at, signed_by=(signed_by or "").strip())
    errors = history_date_errors({"shipped_at": shipped_at, "delivered_at": delivered_at})
    try:
        set_delivery(shipment, carrier=carrier, tracking_number=tracking_number)
    except ValidationError as exc:
        errors |= exc.message_dict
    order, lines = lock_order_with_lines(order, actor=actor)
    if order.confirmed_at and shipped_at < order.confirmed_at and "shipped_at" not in errors:
        errors["shipped_at"] = [_("Goods cannot leave before the order was placed.")]
    if delivered_at is not None and delivered_at < shipped_at and "delivered_at" not in errors:
        errors["delivered_at"] = [_("Delivery cannot be before shipping.")]
    if errors:
        raise ValidationError(errors)
    if order.status != OrderStatus.CONFIRMED or any(line.shipped_quantity for line in lines):
        raise ApplicationError(
            _("Only a confirmed order with nothing shipped yet can be shipped from history."),
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": order.status},
        )
    shipment.number = next_number("shipment", at=shipped_at)
    shipment.order = order
    shipment.owner_id = order.owner_id
    shipment.warehouse_id = order.warehouse_id
    shipment.status = ShipmentStatus.DELIVERED if delivered_at is not None else ShipmentStatus.SHIPPED
    shipment.ship_to = order.shipping_address_text
    shipment.created_by = actor
    shipment.save(force_insert=True)
    # Made when it left: the shipment lists sort by when shipments were made.
    Shipment.objects.filter(pk=shipment.pk).update(created_at=shipped_at)
    shipment.created_at = shipped_at
    ShipmentLine.objects.bulk_create(
        [ShipmentLine(shipment=shipment, order_line=line, quantity=line.quantity) for line in lines]
    )
    # All of every line: one plain UPDATE, not a CASE per line.
    taken = ["shipped_quantity", *(["delivered_quantity"] if delivered_at is not None else [])]
    now = timezone.now()
    OrderLine.objects.filter(order=order).update(**{name: F("quantity") for name in taken}, updated_at=now)
    for line in lines:
        for name in taken:
            setattr(line, name, line.quantity)
        line.updated_at = now
    passed = order_import_progress(order=order, lines=lines, at=delivered_at or shipped_at)
    events.record(
        actor,
        "shipment.imported",
        shipment,
        data={
            "shipped_at": shipped_at,
            "delivered_at": delivered_at,
            "delivery_method": shipment.delivery_method,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "lines": {line.pk: line.quantity for line in lines},
            "order_status": passed,
        },
        root=order,
    )
    return shipment
