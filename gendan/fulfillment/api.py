"""/api/v1/shipments/: goods leaving the warehouse for an order, and their delivery."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action

from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    EventsMixin,
    IdempotentCreateMixin,
    RetrieveMixin,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
)
from gendan.core.filters import ChoicesFilter, FilterSet
from gendan.sales.api import lines_of_visible_orders
from gendan.sales.models import Order, OrderLine

from .models import TRACKING_NUMBER_MAX_LENGTH, DeliveryMethod, Shipment, ShipmentLine, ShipmentStatus
from .search import SHIPMENTS
from .services import shipment_cancel, shipment_create, shipment_deliver, shipment_ship

# --- output ------------------------------------------------------------------------------------


class ShipmentLineSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="order_line.product_id", read_only=True)

    class Meta:
        model = ShipmentLine
        fields = ["id", "order_line", "product", "quantity"]
        read_only_fields = fields


class ShipmentSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    lines = ShipmentLineSerializer(many=True, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "warehouse",
            "status",
            "delivery_method",
            "carrier",
            "tracking_number",
            "ship_to",
            "shipped_at",
            "delivered_at",
            "signed_by",
            "lines",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# --- input -------------------------------------------------------------------------------------


DELIVERY_HELP = (
    "courier (a named carrier, with a tracking number), pickup (自提) or own_delivery (送货上门). "
    "Left out, a carrier of 自提 or 送货上门 means those, any other carrier a courier."
)
CARRIER_HELP = "The carrier's name. Shipping needs one unless the goods are picked up or delivered by us."
TRACKING_HELP = (
    f"Letters, digits and dashes, at most {TRACKING_NUMBER_MAX_LENGTH} (spaces are dropped). "
    "Shipping with a carrier needs one."
)


class ShipmentLineInputSerializer(serializers.Serializer):
    order_line = ScopedPrimaryKeyRelatedField(queryset=OrderLine.objects.all(), scope=lines_of_visible_orders)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class ShipmentInputSerializer(serializers.Serializer):
    order = ScopedPrimaryKeyRelatedField(queryset=Order.objects.all())
    lines = ShipmentLineInputSerializer(
        many=True, required=False, help_text="Leave out to ship everything not yet shipped or on a shipment."
    )
    delivery_method = serializers.ChoiceField(
        choices=DeliveryMethod.choices, required=False, allow_blank=True, default="", help_text=DELIVERY_HELP
    )
    carrier = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", trim_whitespace=False, help_text=CARRIER_HELP
    )
    tracking_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="", trim_whitespace=False, help_text=TRACKING_HELP
    )
    ship = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The goods leave now: ship it at once too, as `ship/` would; both or neither.",
    )


class ShipInputSerializer(serializers.Serializer):
    delivery_method = serializers.ChoiceField(
        choices=DeliveryMethod.choices, required=False, allow_blank=True, help_text=DELIVERY_HELP
    )
    carrier = serializers.CharField(
        max_length=64, required=False, allow_blank=True, trim_whitespace=False, help_text=CARRIER_HELP
    )
    tracking_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, trim_whitespace=False, help_text=TRACKING_HELP
    )


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, allow_blank=True, help_text="Why the shipment is dropped. Only a pending shipment may be."
    )


class DeliverInputSerializer(serializers.Serializer):
    signed_by = serializers.CharField(max_length=64, allow_blank=True, help_text="Who signed for the goods.")
    delivered_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")


class ShipmentFilter(FilterSet):
    # A plain number, not a choice among all orders: an unknown and an out-of-scope order
    # must look the same (no rows), never "not a valid choice" for one of them.
    order = django_filters.NumberFilter(field_name="order_id")
    status = ChoicesFilter(choices=ShipmentStatus.choices)

    class Meta:
        model = Shipment
        fields = ["order", "status", "warehouse"]


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=ShipmentInputSerializer, responses={201: ShipmentSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class ShipmentViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = ShipmentSerializer
    create_input_serializer_class = ShipmentInputSerializer
    filterset_class = ShipmentFilter
    searchable = SHIPMENTS
    ordering_fields = ["number", "created_at", "shipped_at"]
    action_perms = {
        "create": "fulfillment.add_shipment",
        "ship": "fulfillment.ship_shipment",
        "deliver": "fulfillment.deliver_shipment",
        "cancel": "fulfillment.add_shipment",
    }

    def get_queryset(self):
        return (
            Shipment.objects.visible_to(self.request.user)
            .select_related("order", "created_by")
            .prefetch_related(Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line")))
        )

    def perform_create(self, data):
        return shipment_create(actor=self.request.user, **data)

    @extend_schema(request=ShipInputSerializer, responses=ShipmentSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        shipment = self.get_object()
        data = self.validated_input(ShipInputSerializer)
        return self.render(shipment_ship(shipment=shipment, actor=request.user, **data))

    @extend_schema(request=DeliverInputSerializer, responses=ShipmentSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        shipment = self.get_object()
        data = self.validated_input(DeliverInputSerializer)
        return self.render(shipment_deliver(shipment=shipment, actor=request.user, **data))

    @extend_schema(request=CancelInputSerializer, responses=ShipmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        shipment = self.get_object()
        data = self.validated_input(CancelInputSerializer)
        return self.render(shipment_cancel(shipment=shipment, actor=request.user, **data))
