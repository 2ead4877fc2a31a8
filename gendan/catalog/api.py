"""/api/v1/products/: the catalogue. `cost` is shown only to those allowed to see it."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IF_MATCH_PARAMETER,
    EventsMixin,
    IdempotentCreateMixin,
    RetrieveMixin,
    ServiceViewSet,
    VersionedUpdateMixin,
    custom_fields_field,
    version_field,
)
from gendan.core.filters import FilterSet

from .models import Product
from .search import PRODUCTS
from .services import product_create, product_update


class ProductSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(read_only=True, help_text="The code of the product's unit of measure (台, 个, 米).")
    unit_decimals = serializers.IntegerField(
        read_only=True, help_text="Decimal places its quantities may have: 0 for units counted in whole numbers."
    )
    cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="Only for users allowed to see cost."
    )
    custom_fields = custom_fields_field(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "unit",
            "unit_decimals",
            "list_price",
            "floor_price",
            "cost",
            "is_active",
            "custom_fields",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for field in self.context.get("hidden_fields", ()):
            data.pop(field, None)
        return data


class ProductInputSerializer(serializers.ModelSerializer):
    custom_fields = custom_fields_field()

    class Meta:
        model = Product
        fields = ["sku", "name", "unit", "list_price", "floor_price", "cost", "is_active", "custom_fields"]
        # Uniqueness is the service's check (it knows which product is being edited).
        extra_kwargs = {"sku": {"validators": []}}


class ProductUpdateInputSerializer(ProductInputSerializer):
    version = version_field()

    class Meta(ProductInputSerializer.Meta):
        fields = [*ProductInputSerializer.Meta.fields, "version"]


class ProductFilter(FilterSet):
    class Meta:
        model = Product
        fields = ["sku", "is_active"]


@extend_schema_view(
    create=extend_schema(
        request=ProductInputSerializer, responses={201: ProductSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
    update=extend_schema(
        request=ProductUpdateInputSerializer, responses=ProductSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
    partial_update=extend_schema(
        request=ProductUpdateInputSerializer, responses=ProductSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
)
class ProductViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = ProductSerializer
    create_input_serializer_class = ProductInputSerializer
    update_input_serializer_class = ProductUpdateInputSerializer
    filterset_class = ProductFilter
    searchable = PRODUCTS
    ordering_fields = ["sku", "name", "list_price"]
    action_perms = {
        "create": "catalog.add_product",
        "update": "catalog.change_product",
        "partial_update": "catalog.change_product",
    }
    sensitive_fields = {"cost": "catalog.view_cost"}

    def get_queryset(self):
        # The catalogue is not customer data: everyone who may view products sees them all.
        return Product.objects.all()

    def perform_create(self, data):
        return product_create(actor=self.request.user, **data)

    def perform_update(self, product, data, version):
        return product_update(product=product, actor=self.request.user, version=version, **data)
