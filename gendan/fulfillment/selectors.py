from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum

from .models import Shipment, ShipmentLine, ShipmentStatus


def order_shipments(*, order) -> QuerySet[Shipment]:
    """An order's shipments with their lines; the caller already checked the order is in scope."""
    return (
        Shipment.objects.filter(order=order)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line__product").order_by("id"))
        )
        .order_by("created_at", "id")
    )


def pending_shipment_quantities(line_ids) -> dict[int, Decimal]:
    """How much of each order line waits in shipments not yet sent: a change cannot take a line below it."""
    rows = (
        ShipmentLine.objects.filter(order_line__in=list(line_ids), shipment__status=ShipmentStatus.PENDING)
        .values("order_line")
        .annotate(quantity=Sum("quantity"))
    )
    return {row["order_line"]: row["quantity"] for row in rows}
