"""/api/v1/warehouses/, /api/v1/stock-levels/ and /api/v1/stock-moves/."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from gendan.catalog.models import Product
from gendan.core.api import IDEMPOTENCY_KEY_PARAMETER, EventsMixin, IdempotentCreateMixin, RetrieveMixin, ServiceViewSet

from .filters import StockLevelFilter, StockMoveFilter
from .models import StockLevel, StockMove, Warehouse
from .search import STOCK_LEVELS, STOCK_MOVES, WAREHOUSES
from .selectors import stock_level_list, stock_move_list
from .services import MANUAL_KINDS, stock_move_record, warehouse_create

# --- warehouses --------------------------------------------------------------------------------


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "code", "name", "address", "created_at", "updated_at"]
        read_only_fields = fields


class WarehouseInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "address"]


@extend_schema_view(
    create=extend_schema(
        request=WarehouseInputSerializer, responses={201: WarehouseSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class WarehouseViewSet(mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, EventsMixin, ServiceViewSet):
    serializer_class = WarehouseSerializer
    create_input_serializer_class = WarehouseInputSerializer
    searchable = WAREHOUSES
    ordering_fields = ["code", "name"]
    action_perms = {"create": "inventory.add_warehouse"}

    def get_queryset(self):
        return Warehouse.objects.all()

    def perform_create(self, data):
        return warehouse_create(actor=self.request.user, **data)


# --- stock levels ------------------------------------------------------------------------------


class StockLevelSerializer(serializers.ModelSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    available = serializers.DecimalField(
        source="available_quantity", max_digits=14, decimal_places=3, read_only=True, help_text="On hand − reserved."
    )

    class Meta:
        model = StockLevel
        fields = [
            "id",
            "product",
            "product_sku",
            "product_name",
            "warehouse",
            "warehouse_code",
            "on_hand",
            "reserved",
            "available",
            "updated_at",
        ]
        read_only_fields = fields


class StockLevelViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Read-only: stock changes only through stock moves, reservations and shipments."""

    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilter
    searchable = STOCK_LEVELS
    ordering_fields = ["product__sku", "warehouse__code", "on_hand", "reserved", "available_quantity"]

    def get_queryset(self):
        return stock_level_list()


# --- stock moves -------------------------------------------------------------------------------


class StockMoveSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = StockMove
        # Order and shipment links are left out: the ledger is open to every role, the orders are not.
        fields = ["id", "kind", "product", "warehouse", "quantity", "note", "actor", "created_at"]
        read_only_fields = fields


class StockMoveInputSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(
        choices=[(kind.value, kind.label) for kind in StockMove.Kind if kind in MANUAL_KINDS],
        help_text="Only receipts and adjustments are entered by hand; the rest follow orders and shipments.",
    )
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.filter(is_active=True))

    class Meta:
        model = StockMove
        fields = ["kind", "product", "warehouse", "quantity", "note"]


@extend_schema_view(
    create=extend_schema(
        request=StockMoveInputSerializer, responses={201: StockMoveSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class StockMoveViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = StockMoveSerializer
    create_input_serializer_class = StockMoveInputSerializer
    filterset_class = StockMoveFilter
    searchable = STOCK_MOVES
    ordering_fields = ["created_at"]
    action_perms = {"create": "inventory.add_stockmove"}

    def get_queryset(self):
        return stock_move_list()

    def perform_create(self, data):
        return stock_move_record(actor=self.request.user, **data)
