"""/api/v1/worklists/to-ship/, pending-shipments/ and in-transit/: the warehouse's worklists, as their pages show them."""

from django.db.models import Prefetch
from rest_framework import serializers

from gendan.core.api_worklists import WorklistViewSet
from gendan.core.worklist_lists import days_since

from .api import ShipmentSerializer
from .filters import OrderToShipFilter, ShipmentWorklistFilter
from .models import ShipmentLine
from .selectors_worklists import orders_to_ship, shipments_in_transit, shipments_pending
from .worklists import works_shipping


def _days_late(promised_date) -> int | None:
    late = days_since(promised_date)
    return late if late is not None and late > 0 else None


class OrderToShipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    owner = serializers.CharField(source="owner.username")
    status = serializers.CharField()
    promised_date = serializers.DateField(allow_null=True)
    days_late = serializers.SerializerMethodField(help_text="Days past the promised date; null when not late.")
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()

    def get_days_late(self, order) -> int | None:
        return _days_late(order.promised_date)


class ShipmentWorklistSerializer(ShipmentSerializer):
    customer = serializers.IntegerField(source="order.customer_id", read_only=True)
    customer_name = serializers.CharField(source="order.customer.name", read_only=True)
    order_owner = serializers.CharField(source="order.owner.username", read_only=True)
    promised_date = serializers.DateField(source="order.promised_date", read_only=True, allow_null=True)
    days_late = serializers.SerializerMethodField(help_text="Days past the order's promised date; null when not late.")
    days_since_shipped = serializers.SerializerMethodField(help_text="Days on the road; null before shipping.")

    class Meta(ShipmentSerializer.Meta):
        fields = [
            *ShipmentSerializer.Meta.fields,
            "customer",
            "customer_name",
            "order_owner",
            "promised_date",
            "days_late",
            "days_since_shipped",
        ]
        read_only_fields = fields

    def get_days_late(self, shipment) -> int | None:
        return _days_late(shipment.order.promised_date)

    def get_days_since_shipped(self, shipment) -> int | None:
        return days_since(shipment.shipped_at)


class OrderToShipViewSet(WorklistViewSet):
    """Confirmed or partly shipped orders with goods left to put on a shipment, the earliest promised first."""

    serializer_class = OrderToShipSerializer
    filterset_class = OrderToShipFilter
    works_list = staticmethod(works_shipping)
    selector = staticmethod(orders_to_ship)


class _ShipmentWorklistViewSet(WorklistViewSet):
    serializer_class = ShipmentWorklistSerializer
    filterset_class = ShipmentWorklistFilter
    works_list = staticmethod(works_shipping)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("created_by")
            .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line")))
        )


class PendingShipmentViewSet(_ShipmentWorklistViewSet):
    """Shipments made and not yet shipped, those of the earliest promised order first."""

    selector = staticmethod(shipments_pending)


class InTransitViewSet(_ShipmentWorklistViewSet):
    """Shipped and not yet delivered, the longest on the road first."""

    selector = staticmethod(shipments_in_transit)
