"""/api/v1/quotations/: quotations with their lines, the actions of their transition table, and the PDF."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from gendan.accounts.models import User
from gendan.catalog.models import Product
from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IF_MATCH_PARAMETER,
    DocumentLinesSerializer,
    EventsMixin,
    IdempotentCreateMixin,
    PDFRenderer,
    RetrieveMixin,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
    VersionedUpdateMixin,
    version_field,
)
from gendan.crm.models import Contact, Customer, Opportunity
from gendan.inventory.models import Warehouse

from .api import OrderSerializer
from .filters_quotations import QuotationFilter
from .models import Quotation, QuotationLine
from .pdf_quotations import pdf_response
from .search import QUOTATIONS
from .selectors import order_api_queryset
from .selectors_quotations import quotation_allowed_actions, quotation_detail_queryset
from .services_quotations import (
    QUOTATION_FIELDS,
    quotation_accept,
    quotation_create,
    quotation_reject,
    quotation_revise,
    quotation_send,
    quotation_update,
)

# --- output ------------------------------------------------------------------------------------


class QuotationLineSerializer(serializers.ModelSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = QuotationLine
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
            "below_floor",
        ]
        read_only_fields = fields


class QuotationSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="The number as printed: QT2025060001, QT2025060001-V2.")
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True, allow_null=True, default=None)
    owner_name = serializers.StringRelatedField(source="owner")
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True, default=None)
    lines = QuotationLineSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(
        help_text="The actions the transition table allows on this quotation for you, e.g. send."
    )

    class Meta:
        model = Quotation
        fields = [
            "id",
            "number",
            "revision",
            "label",
            "previous",
            "customer",
            "customer_name",
            "contact",
            "opportunity",
            "opportunity_name",
            "owner",
            "owner_name",
            "status",
            "valid_until",
            "currency",
            "tax_rate",
            "subtotal",
            "tax_amount",
            "total",
            "below_floor",
            "terms",
            "notes",
            "reject_reason",
            "sent_at",
            "decided_at",
            "order",
            "order_number",
            "lines",
            "allowed_actions",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, quotation) -> list[str]:
        return quotation_allowed_actions(quotation=quotation, user=self.context["request"].user)


# --- input -------------------------------------------------------------------------------------


def _contacts_of_visible_customers(queryset, user):
    return queryset.filter(customer__in=Customer.objects.visible_to(user))


class QuotationLineInputSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Defaults to the product's list price."
    )

    class Meta:
        model = QuotationLine
        fields = ["product", "quantity", "unit_price", "discount_percent"]
        list_serializer_class = DocumentLinesSerializer


class QuotationInputSerializer(serializers.ModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    contact = ScopedPrimaryKeyRelatedField(
        queryset=Contact.objects.all(), scope=_contacts_of_visible_customers, required=False, allow_null=True
    )
    opportunity = ScopedPrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(),
        required=False,
        allow_null=True,
        help_text="The deal this quotation prices (one of the customer's).",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Defaults to the customer's rep."
    )
    valid_until = serializers.DateField(required=False, help_text="Defaults to 30 days from today.")
    tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, help_text="Defaults to the company's tax rate."
    )
    lines = QuotationLineInputSerializer(many=True)

    class Meta:
        model = Quotation
        fields = ["customer", *QUOTATION_FIELDS, "lines"]


class QuotationUpdateInputSerializer(QuotationInputSerializer):
    lines = QuotationLineInputSerializer(many=True, required=False, help_text="When sent: replaces every line.")
    version = version_field()

    class Meta(QuotationInputSerializer.Meta):
        fields = [*QuotationInputSerializer.Meta.fields, "version"]


class QuotationAcceptInputSerializer(serializers.Serializer):
    warehouse = serializers.PrimaryKeyRelatedField(
        queryset=Warehouse.objects.all(), required=False, help_text="The order's warehouse; defaults to the first."
    )


class QuotationRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True, help_text="Why the customer declined.")


# --- endpoints ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=QuotationInputSerializer,
        responses={201: QuotationSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    ),
    update=extend_schema(
        request=QuotationUpdateInputSerializer, responses=QuotationSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
    partial_update=extend_schema(
        request=QuotationUpdateInputSerializer, responses=QuotationSerializer, parameters=[IF_MATCH_PARAMETER]
    ),
)
class QuotationViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    VersionedUpdateMixin,
    EventsMixin,
    ServiceViewSet,
):
    """Quotations the user may see, every version (filter `status` to leave out superseded ones)."""

    serializer_class = QuotationSerializer
    create_input_serializer_class = QuotationInputSerializer
    update_input_serializer_class = QuotationUpdateInputSerializer
    filterset_class = QuotationFilter
    searchable = QUOTATIONS
    ordering_fields = ["number", "created_at", "valid_until", "total"]
    action_perms = {
        "create": "sales.add_quotation",
        "update": "sales.change_quotation",
        "partial_update": "sales.change_quotation",
        "send": "sales.send_quotation",
        "revise": "sales.change_quotation",
        "accept": "sales.send_quotation",
        "reject": "sales.send_quotation",
    }

    def get_queryset(self):
        return quotation_detail_queryset(user=self.request.user)

    def perform_create(self, data):
        return quotation_create(actor=self.request.user, **data)

    def perform_update(self, quotation, data, version):
        return quotation_update(quotation=quotation, actor=self.request.user, version=version, **data)

    @extend_schema(request=None, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self.render(quotation_send(quotation=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses={201: QuotationSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """A new version (a draft with the same number); the one revised stays as it was, superseded."""
        return self.render(quotation_revise(quotation=self.get_object(), actor=request.user), status.HTTP_201_CREATED)

    @extend_schema(request=QuotationAcceptInputSerializer, responses={201: OrderSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The customer accepted: answers the draft order made from the quotation."""
        quotation = self.get_object()
        data = self.validated_input(QuotationAcceptInputSerializer)
        order = quotation_accept(quotation=quotation, actor=request.user, **data)
        order = order_api_queryset(user=request.user).get(pk=order.pk)
        return Response(OrderSerializer(order, context=self.get_serializer_context()).data, status.HTTP_201_CREATED)

    @extend_schema(request=QuotationRejectInputSerializer, responses=QuotationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        quotation = self.get_object()
        data = self.validated_input(QuotationRejectInputSerializer)
        return self.render(quotation_reject(quotation=quotation, actor=request.user, reason=data["reason"]))

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The quotation.")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        quotation = self.get_object()
        return pdf_response(quotation, list(quotation.lines.all()))
