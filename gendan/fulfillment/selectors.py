from django.db.models import Prefetch, QuerySet

from .models import Shipment, ShipmentLine


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
