"""Shipments from the company's past (an import of its history): see sales.services_history.

A historical shipment takes the whole order out at once, dated when it left (and was signed for), with no stock move:
today's stock is the opening stock's. It is numbered in the series of the month it left.
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode, ItemErrors
from gendan.core.numbering import next_numbers
from gendan.core.services import require_perm
from gendan.sales.models import Order, OrderLine, OrderStatus
from gendan.sales.services import lock_orders_with_lines
from gendan.sales.services_history import history_date_errors, orders_import_progress

from .models import Shipment, ShipmentLine, ShipmentStatus
from .services import set_delivery


@events.batched
def shipments_import(*, actor, shipments: list[dict]) -> list[Shipment]:
    """The whole of each confirmed order shipped at its `shipped_at` and, with `delivered_at`, signed for then. A
    batch (an import's): each item `order`, `shipped_at`, and optionally `carrier`, `tracking_number`,
    `delivered_at`, `signed_by`. Refused items raise ItemErrors (by position); nothing of the batch is kept."""
    require_perm(actor, "fulfillment.ship_shipment")
    if any(item.get("delivered_at") is not None for item in shipments):
        require_perm(actor, "fulfillment.deliver_shipment")
    locked = lock_orders_with_lines([item["order"].pk for item in shipments], actor=actor)
    refused: dict[int, Exception] = {}
    made: list[tuple[Shipment, Order, list[OrderLine]]] = []
    shipped_here = set()
    for index, item in enumerate(shipments):
        shipped_at, delivered_at = item["shipped_at"], item.get("delivered_at")
        shipment = Shipment(
            shipped_at=shipped_at, delivered_at=delivered_at, signed_by=(item.get("signed_by") or "").strip()
        )
        errors = history_date_errors({"shipped_at": shipped_at, "delivered_at": delivered_at})
        try:
            set_delivery(shipment, carrier=item.get("carrier", ""), tracking_number=item.get("tracking_number", ""))
        except ValidationError as exc:
            errors |= exc.message_dict
        order, lines = locked[item["order"].pk]
        if order.confirmed_at and shipped_at < order.confirmed_at and "shipped_at" not in errors:
            errors["shipped_at"] = [_("Goods cannot leave before the order was placed.")]
        if delivered_at is not None and delivered_at < shipped_at and "delivered_at" not in errors:
            errors["delivered_at"] = [_("Delivery cannot be before shipping.")]
        if errors:
            refused[index] = ValidationError(errors)
        elif (
            order.status != OrderStatus.CONFIRMED
            or order.pk in shipped_here
            or any(line.shipped_quantity for line in lines)
        ):
            refused[index] = ApplicationError(
                _("Only a confirmed order with nothing shipped yet can be shipped from history."),
                ErrorCode.TRANSITION_NOT_ALLOWED,
                {"status": order.status},
            )
        else:
            made.append((shipment, order, lines))
            shipped_here.add(order.pk)
    if refused:
        raise ItemErrors(refused)
    numbers = next_numbers("shipment", [shipment.shipped_at for shipment, _order, _lines in made])
    for number, (shipment, order, _lines) in zip(numbers, made, strict=True):
        shipment.number = number
        shipment.order = order
        shipment.owner_id = order.owner_id
        shipment.warehouse_id = order.warehouse_id
        shipment.status = ShipmentStatus.DELIVERED if shipment.delivered_at is not None else ShipmentStatus.SHIPPED
        shipment.ship_to = order.shipping_address_text
        shipment.created_by = actor
    Shipment.objects.bulk_create([shipment for shipment, _order, _lines in made])
    # Made when they left: the shipment lists sort by when shipments were made.
    Shipment.objects.filter(pk__in=[shipment.pk for shipment, _order, _lines in made]).update(
        created_at=F("shipped_at")
    )
    ShipmentLine.objects.bulk_create(
        [
            ShipmentLine(shipment=shipment, order_line=line, quantity=line.quantity)
            for shipment, _order, lines in made
            for line in lines
        ]
    )
    # All of every line: a plain UPDATE for the orders shipped and one for those signed for too, not a CASE per line.
    now = timezone.now()
    for delivered in (False, True):
        taken = ["shipped_quantity", *(["delivered_quantity"] if delivered else [])]
        these = [(order, lines) for shipment, order, lines in made if (shipment.delivered_at is not None) == delivered]
        if not these:
            continue
        OrderLine.objects.filter(order__in=[order.pk for order, _lines in these]).update(
            **{name: F("quantity") for name in taken}, updated_at=now
        )
        for _order, lines in these:
            for line in lines:
                for name in taken:
                    setattr(line, name, line.quantity)
                line.updated_at = now
    passed = orders_import_progress(
        [(order, lines, shipment.delivered_at or shipment.shipped_at) for shipment, order, lines in made]
    )
    for (shipment, order, lines), order_status in zip(made, passed, strict=True):
        shipment.created_at = shipment.shipped_at
        events.record(
            actor,
            "shipment.imported",
            shipment,
            data={
                "shipped_at": shipment.shipped_at,
                "delivered_at": shipment.delivered_at,
                "delivery_method": shipment.delivery_method,
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "lines": {line.pk: line.quantity for line in lines},
                "order_status": order_status,
            },
            root=order,
        )
    return [shipment for shipment, _order, _lines in made]
