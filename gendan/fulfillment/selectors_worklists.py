"""The warehouse's and logistics' worklists: orders waiting to ship, shipments to send off, goods on the road.

One queryset per list, scoped to the user, shared by the page, the API and the navigation's count.
"""

from decimal import Decimal

from django.db.models import DecimalField, Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from gendan.sales.models import SHIPPABLE_STATUSES, Order, OrderLine

from .models import Shipment, ShipmentLine, ShipmentStatus

_QUANTITY = DecimalField(max_digits=14, decimal_places=3)
# Half the smallest quantity: SQLite adds decimals as binary floating point, and 0.7 + 0.1 must not
# leave 0.0000000000000001 to ship.
_HALF_A_UNIT = Value(Decimal("0.0005"), output_field=_QUANTITY)


def _left_to_ship_lines():
    """Order lines with a quantity neither shipped nor on a shipment waiting to leave."""
    pending = (
        ShipmentLine.objects.filter(order_line=OuterRef("pk"), shipment__status=ShipmentStatus.PENDING)
        .values("order_line")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return OrderLine.objects.annotate(
        pending=Coalesce(Subquery(pending, output_field=_QUANTITY), Value(Decimal("0")), output_field=_QUANTITY)
    ).filter(quantity__gt=F("shipped_quantity") + F("pending") + _HALF_A_UNIT)


def orders_to_ship(*, user) -> QuerySet[Order]:
    """Confirmed or partly shipped orders with something left to put on a shipment, earliest promise first.

    A missing promised date comes last: nobody is waiting on a day for it.
    """
    return (
        Order.objects.visible_to(user)
        .filter(status__in=SHIPPABLE_STATUSES)
        .filter(Exists(_left_to_ship_lines().filter(order=OuterRef("pk"))))
        .select_related("customer", "owner")
        .order_by(F("promised_date").asc(nulls_last=True), "created_at", "pk")
    )


def _shipments(user, status) -> QuerySet[Shipment]:
    return Shipment.objects.visible_to(user).filter(status=status).select_related("order__customer", "order__owner")


def shipments_pending(*, user) -> QuerySet[Shipment]:
    """Shipments made and not yet shipped, those of the earliest promised order first."""
    return _shipments(user, ShipmentStatus.PENDING).order_by(
        F("order__promised_date").asc(nulls_last=True), "created_at", "pk"
    )


def shipments_in_transit(*, user) -> QuerySet[Shipment]:
    """Shipped and not yet signed for, longest on the road first."""
    return _shipments(user, ShipmentStatus.SHIPPED).order_by("shipped_at", "pk")
