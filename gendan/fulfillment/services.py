import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.bounds import ensure_dates
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.locks import lock_with_children
from gendan.core.numbering import next_number
from gendan.core.services import require_perm, save_all
from gendan.inventory.services import stock_ship_lines
from gendan.sales.credit import CreditStage, credit_check
from gendan.sales.lines import order_line_quantities
from gendan.sales.models import SHIPPABLE_STATUSES, Order
from gendan.sales.services import lock_order_with_lines, order_refresh_progress

from .models import (
    CARRIER_TEXT_METHODS,
    SHIPMENT_STATES,
    TRACKING_NUMBER_MAX_LENGTH,
    DeliveryMethod,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
)

TRACKING_NUMBER_CHARACTERS = re.compile(r"[A-Za-z0-9-]+")


def _move_to(shipment: Shipment, status: str, *, actor, verb: str, extra_fields=(), data=None) -> None:
    SHIPMENT_STATES.move(
        shipment, status, actor=actor, verb=verb, extra_fields=extra_fields, data=data, root=shipment.order
    )


def _require_shippable(order) -> None:
    if order.status not in SHIPPABLE_STATUSES:
        raise ApplicationError(
            _("Goods cannot leave for an order that is %(status)s.") % {"status": order.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": order.status},
        )


def set_delivery(shipment: Shipment, *, delivery_method=None, carrier=None, tracking_number=None) -> None:
    """Put the given delivery details on the shipment, cleaned; None leaves a value as it is.

    A carrier given without a method names a courier, or is 自提 / 送货上门 as API clients
    typed them before the method was a choice.
    """
    errors = {}
    if carrier is not None:
        shipment.carrier = carrier.strip()
    if tracking_number is not None:
        # Pasted numbers come grouped ("SF 1234 5678"): the spaces are not part of the number.
        shipment.tracking_number = "".join(tracking_number.split())
    if delivery_method:
        if delivery_method not in DeliveryMethod.values:
            errors["delivery_method"] = [_("Choose a carrier, customer pickup or own delivery.")]
        shipment.delivery_method = delivery_method
    elif carrier is not None:
        shipment.delivery_method = CARRIER_TEXT_METHODS.get(
            shipment.carrier, DeliveryMethod.COURIER if shipment.carrier else ""
        )
    if len(shipment.carrier) > Shipment._meta.get_field("carrier").max_length:
        errors["carrier"] = [_("A carrier's name has at most 64 characters.")]
    if len(shipment.tracking_number) > TRACKING_NUMBER_MAX_LENGTH:
        errors["tracking_number"] = [
            _("A tracking number has at most %(count)s characters.") % {"count": TRACKING_NUMBER_MAX_LENGTH}
        ]
    elif shipment.tracking_number and not TRACKING_NUMBER_CHARACTERS.fullmatch(shipment.tracking_number):
        errors["tracking_number"] = [_("A tracking number has only letters, digits and dashes.")]
    if errors:
        raise ValidationError(errors)


def _require_delivery(shipment: Shipment) -> None:
    """Goods leave with a carrier and its tracking number, or are picked up, or go in our own van."""
    if shipment.delivery_method in (DeliveryMethod.PICKUP, DeliveryMethod.OWN_DELIVERY):
        return
    if not shipment.carrier:
        raise ValidationError(
            {"carrier": [_("Enter the carrier, or choose customer pickup (自提) or own delivery (送货上门).")]}
        )
    if not shipment.tracking_number:
        raise ValidationError({"tracking_number": [_("Enter the tracking number the carrier gave.")]})


def pending_quantities(order) -> dict[int, Decimal]:
    """Quantities already on shipments not yet shipped, by order line."""
    pending = (
        ShipmentLine.objects.filter(shipment__order=order, shipment__status=ShipmentStatus.PENDING)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    return {row["order_line_id"]: row["total"] for row in pending}


@events.batched
def shipment_create(
    *,
    order,
    actor,
    lines=None,
    delivery_method: str = "",
    carrier: str = "",
    tracking_number: str = "",
    ship: bool = False,
) -> Shipment:
    """A shipment of some or all remaining quantities. lines: [{"order_line": OrderLine, "quantity": Decimal}].

    ship: the goods leave now ("create and ship"), in the same transaction: both or neither.
    """
    require_perm(actor, "fulfillment.add_shipment")
    if ship:
        require_perm(actor, "fulfillment.ship_shipment")
    delivery = Shipment()
    set_delivery(delivery, delivery_method=delivery_method, carrier=carrier, tracking_number=tracking_number)
    if ship:
        _require_delivery(delivery)
    # Chosen lines come with their products: the unit says whether a quantity may be fractional.
    order, lines_of_order = lock_order_with_lines(
        order, actor=actor, line_related=["product"] if lines is not None else ()
    )
    _require_shippable(order)
    order_lines = {line.pk: line for line in lines_of_order}
    pending = pending_quantities(order)

    def remaining(line):
        return line.quantity - line.shipped_quantity - pending.get(line.pk, Decimal("0"))

    if lines is None:
        items = [(line, remaining(line)) for line in order_lines.values() if remaining(line) > 0]
        if not items:
            raise ApplicationError(
                _("Everything on this order has been shipped or is already on a shipment."),
                ErrorCode.OVER_QUANTITY,
            )
    else:
        items = order_line_quantities(
            order_lines=order_lines,
            rows=lines,
            available=remaining,
            too_much=_("Only %(qty)s left to ship on this line."),
        )
    shipment = Shipment(
        number=next_number("shipment"),
        order=order,
        owner_id=order.owner_id,
        warehouse=order.warehouse,
        delivery_method=delivery.delivery_method,
        carrier=delivery.carrier,
        tracking_number=delivery.tracking_number,
        ship_to=order.shipping_address_text,
        created_by=actor,
    )
    shipment.save(force_insert=True)
    shipment_lines = ShipmentLine.objects.bulk_create(
        [ShipmentLine(shipment=shipment, order_line=line, quantity=quantity) for line, quantity in items]
    )
    events.record(
        actor,
        "shipment.created",
        shipment,
        data={"lines": {line.pk: quantity for line, quantity in items}},
        root=order,
    )
    if ship:
        _ship(shipment, shipment_lines, order, lines_of_order, actor)
    return shipment


def _lock_shipment(shipment, actor) -> tuple[Shipment, list[ShipmentLine], object, list]:
    """(shipment, its lines, order, the order's lines), locked order first, then shipment.

    The same lock order as every other order service.
    """
    given = shipment.order if Shipment.order.is_cached(shipment) else Order(pk=shipment.order_id)
    order, order_lines = lock_order_with_lines(given, actor=actor)
    locked, shipment_lines = lock_with_children(ShipmentLine.objects, "shipment", shipment.pk)
    if locked.order_id != order.pk:
        raise Shipment.DoesNotExist(f"Shipment {shipment.pk} does not exist")
    locked.order = order
    if shipment.warehouse_id == locked.warehouse_id and Shipment.warehouse.is_cached(shipment):
        locked.warehouse = shipment.warehouse
    return locked, shipment_lines, order, order_lines


@events.batched
def shipment_ship(
    *,
    shipment: Shipment,
    actor,
    delivery_method: str | None = None,
    carrier: str | None = None,
    tracking_number: str | None = None,
) -> Shipment:
    require_perm(actor, "fulfillment.ship_shipment")
    shipment, shipment_lines, order, lines_of_order = _lock_shipment(shipment, actor)
    # Before any stock moves: shipping a shipment twice must be refused as such, not as a
    # shortage of the reservation its first shipping consumed.
    SHIPMENT_STATES.check(shipment, ShipmentStatus.SHIPPED)
    _require_shippable(order)
    set_delivery(shipment, delivery_method=delivery_method, carrier=carrier, tracking_number=tracking_number)
    _require_delivery(shipment)
    _ship(shipment, shipment_lines, order, lines_of_order, actor)
    return shipment


def _ship(shipment: Shipment, shipment_lines, order, lines_of_order, actor) -> None:
    """Stock out, lines and statuses moved on; the caller holds the order's lock."""
    credit_check(order, actor=actor, stage=CreditStage.SHIPPING)
    order_lines = {line.pk: line for line in lines_of_order}
    items = [(order_lines[sl.order_line_id], sl.quantity) for sl in shipment_lines]
    stock_ship_lines(warehouse=shipment.warehouse, shipment=shipment, items=items, actor=actor)
    for line, quantity in items:
        line.shipped_quantity += quantity
    save_all([line for line, _q in items], ["reserved_quantity", "shipped_quantity"])
    shipment.shipped_at = timezone.now()
    _move_to(
        shipment,
        ShipmentStatus.SHIPPED,
        actor=actor,
        verb="shipment.shipped",
        extra_fields=["shipped_at", "delivery_method", "carrier", "tracking_number"],
        data={
            "delivery_method": shipment.delivery_method,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
        },
    )
    order_refresh_progress(order=order, actor=actor, lines=list(order_lines.values()))


@events.batched
def shipment_deliver(*, shipment: Shipment, actor, signed_by: str, delivered_at=None) -> Shipment:
    require_perm(actor, "fulfillment.deliver_shipment")
    signed_by = (signed_by or "").strip()
    if not signed_by:
        raise ValidationError({"signed_by": [_("Enter who signed for the goods.")]})
    # Signed for means it happened: not later than today, checked before anything is locked.
    ensure_dates({"delivered_at": delivered_at}, not_in_future=True)
    shipment, shipment_lines, order, lines_of_order = _lock_shipment(shipment, actor)
    delivered_at = delivered_at or timezone.now()
    if shipment.shipped_at and delivered_at < shipment.shipped_at:
        raise ValidationError({"delivered_at": [_("Delivery cannot be before shipping.")]})
    shipment.signed_by = signed_by
    shipment.delivered_at = delivered_at
    _move_to(
        shipment,
        ShipmentStatus.DELIVERED,
        actor=actor,
        verb="shipment.delivered",
        extra_fields=["signed_by", "delivered_at"],
        data={"signed_by": signed_by},
    )
    # Line quantities only change under the order's lock, which is held: adding in memory is safe.
    order_lines = {line.pk: line for line in lines_of_order}
    delivered = []
    for sl in shipment_lines:
        order_lines[sl.order_line_id].delivered_quantity += sl.quantity
        delivered.append(order_lines[sl.order_line_id])
    save_all(delivered, ["delivered_quantity"])
    order_refresh_progress(order=order, actor=actor, lines=list(order_lines.values()))
    return shipment


REASON_MAX_LENGTH = 200


@transaction.atomic
def shipment_cancel(*, shipment: Shipment, actor, reason: str) -> Shipment:
    """Drop a shipment not yet shipped; its quantities are free for another shipment."""
    require_perm(actor, "fulfillment.add_shipment")
    shipment, *_rest = _lock_shipment(shipment, actor)
    # Refused as a step the shipment cannot take (409) before any complaint about the reason.
    SHIPMENT_STATES.check(shipment, ShipmentStatus.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [_("A reason has at most 200 characters.")]})
    cancel_pending(shipment, actor=actor, reason=reason)
    return shipment


def cancel_pending(shipment: Shipment, *, actor, reason: str) -> None:
    """The one way a pending shipment is dropped: by hand, or with its order (reactions.order_cancelled).

    A pending shipment holds no stock of its own: the order's reservation covers everything not
    yet shipped, and "pending" quantities are counted from pending shipments only (see
    pending_quantities), so leaving that status frees them; there is nothing else to undo.
    """
    _move_to(shipment, ShipmentStatus.CANCELLED, actor=actor, verb="shipment.cancelled", data={"reason": reason})
