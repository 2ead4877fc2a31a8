"""/api/v1/orders/: sales orders, their lines, and the lifecycle actions of the transition table."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated

from gendan.accounts.models import User
from gendan.catalog.models import Product
from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IF_MATCH_PARAMETER,
    DocumentLinesSerializer,
    EventsMixin,
    IdempotentCreateMixin,
    RetrieveMixin,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    VersionedUpdateMixin,
    custom_fields_field,
    version_field,
)
from gendan.crm.models import Address, Contact, Customer

from .api_bulk import OrderBulkMixin
from .api_changes import OrderChangesMixin
from .api_credit import OrderCreditOverrideMixin
from .api_permissions import MayApprove
from .api_status_links import OrderStatusLinkMixin
from .filters import OrderFilter
from .models import ACTIONS, DECISIONS, Order, OrderLine
from .search import ORDERS
from .selectors import order_allowed_actions, order_api_queryset
from .services import (
    ORDER_FIELDS,
    order_approve,
    order_cancel,
    order_create,
    order_hold,
    order_reject,
    order_resume,
    order_submit,
    order_update,
)

# --- output ------------------------------------------------------------------------------------


class OrderLineSerializer(serializers.ModelSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "position",
            "product",
            "product_sku",
            "product_name",
            "quantity",
            "unit_price",
            "discount_percent",
            "amount",
            "reserved_quantity",
            "shipped_quantity",
            "delivered_quantity",
            "invoiced_quantity",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.StringRelatedField(source="owner")
    lines = OrderLineSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the transition table allows on this order for you, e.g. submit."
    )
    custom_fields = custom_fields_field(read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "contact",
            "shipping_address",
            "shipping_address_text",
            "warehouse",
            "owner",
            "owner_name",
            "status",
            "delivery_status",
            "billing_status",
            "payment_status",
            "priority",
            "requested_date",
            "promised_date",
            "customer_reference",
            "payment_terms_days",
            "currency",
            "tax_rate",
            "subtotal",
            "tax_amount",
            "total",
            "amount_invoiced",
            "amount_paid",
            "notes",
            "hold_reason",
            "cancel_reason",
            "submitted_at",
            "confirmed_at",
            "closed_at",
            "lines",
            "allowed_actions",
            "custom_fields",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, order) -> list[str]:
        return order_allowed_actions(order=order, user=self.context["request"].user)


# --- input -------------------------------------------------------------------------------------


def _contacts_of_visible_customers(queryset, user):
    return queryset.filter(customer__in=Customer.objects.visible_to(user))


def lines_of_visible_orders(queryset, user):
    """Order lines resolvable by id in shipment and invoice input: those of orders the user may see."""
    return queryset.filter(order__in=Order.objects.visible_to(user))


class OrderLineInputSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Defaults to the product's list price."
    )

    class Meta:
        model = OrderLine
        fields = ["product", "quantity", "unit_price", "discount_percent"]
        list_serializer_class = DocumentLinesSerializer


class OrderInputSerializer(serializers.ModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    contact = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), scope=_contacts_of_visible_customers, required=False, allow_null=True
    )
    shipping_address = ScopedPrimaryKeyRelatedField(
        queryset=Address.objects.all(), scope=_contacts_of_visible_customers, required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Defaults to the customer's rep."
    )
    lines = OrderLineInputSerializer(many=True)
    submit = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Submit it at once too, as `submit/` would: both or neither (the answer says where it went).",
    )
    duplicate_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Why this is not a duplicate, when the customer placed an order with the same products and "
        "quantities in the last 24 hours (refused with 409 `duplicate_order` and `duplicate_of` otherwise).",
    )
    custom_fields = custom_fields_field()

    class Meta:
        model = Order
        fields = [*ORDER_FIELDS, "lines", "submit", "duplicate_reason", "custom_fields"]
        extra_kwargs = {"warehouse": {"required": False, "help_text": "Defaults to the first warehouse."}}


class OrderUpdateInputSerializer(OrderInputSerializer):
    lines = OrderLineInputSerializer(many=True, required=False, help_text="When sent: replaces every line.")
    submit = None
    duplicate_reason = None
    version = version_field()

    class Meta(OrderInputSerializer.Meta):
        fields = [*ORDER_FIELDS, "lines", "custom_fields", "version"]


class CommentInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RejectInputSerializer(serializers.Serializer):
    comment = serializers.CharField(help_text="Why the order is rejected.", allow_blank=True)


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=OrderInputSerializer, responses={201: OrderSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
    update=extend_schema(
        request=OrderUpdateInputSerializer, responses=OrderSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
    partial_update=extend_schema(
        request=OrderUpdateInputSerializer, responses=OrderSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
)
class OrderViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    OrderChangesMixin,
    OrderBulkMixin,
    OrderStatusLinkMixin,
    OrderCreditOverrideMixin,
    ServiceViewSet,
):
    serializer_class = OrderSerializer
    create_input_serializer_class = OrderInputSerializer
    update_input_serializer_class = OrderUpdateInputSerializer
    filterset_class = OrderFilter
    searchable = ORDERS
    ordering_fields = ["number", "created_at", "promised_date", "requested_date", "total"]
    action_perms = {
        "create": "sales.add_order",
        "update": "sales.change_order",
        "partial_update": "sales.change_order",
        # The lifecycle actions need what the transition table says; a decision, a place among the approvers.
        **{name: perm for name, (_from, perm) in ACTIONS.items() if name not in DECISIONS},
        **OrderChangesMixin.action_perms,
        **OrderBulkMixin.action_perms,
        **OrderStatusLinkMixin.action_perms,
        **OrderCreditOverrideMixin.action_perms,
    }

    def get_permissions(self):
        if self.action in DECISIONS:
            return [IsAuthenticated(), MayApprove()]
        return super().get_permissions()

    def get_queryset(self):
        return order_api_queryset(user=self.request.user)

    def perform_create(self, data):
        return order_create(actor=self.request.user, **data)

    def perform_update(self, order, data, version):
        return order_update(order=order, actor=self.request.user, version=version, **data)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.render(order_submit(order=self.get_object(), actor=request.user))

    @extend_schema(request=CommentInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        order = self.get_object()
        data = self.validated_input(CommentInputSerializer)
        return self.render(order_approve(order=order, actor=request.user, comment=data["comment"]))

    @extend_schema(request=RejectInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        order = self.get_object()
        data = self.validated_input(RejectInputSerializer)
        return self.render(order_reject(order=order, actor=request.user, comment=data["comment"]))

    @extend_schema(request=ReasonInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        data = self.validated_input(ReasonInputSerializer)
        return self.render(order_cancel(order=order, actor=request.user, reason=data["reason"]))

    @extend_schema(request=ReasonInputSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        order = self.get_object()
        data = self.validated_input(ReasonInputSerializer)
        return self.render(order_hold(order=order, actor=request.user, reason=data["reason"]))

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self.render(order_resume(order=self.get_object(), actor=request.user))
