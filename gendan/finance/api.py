"""/api/v1/invoices/ and /api/v1/payments/: billing shipped goods and the money that comes in."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from gendan.core.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    EventsMixin,
    IdempotentCreateMixin,
    PDFRenderer,
    RetrieveMixin,
    ScopedPrimaryKeyRelatedField,
    ServiceViewSet,
)
from gendan.crm.models import Customer, InvoiceKind
from gendan.sales.api import lines_of_visible_orders
from gendan.sales.models import Order, OrderLine

from .filters import InvoiceFilter, PaymentFilter
from .models import Invoice, InvoiceLine, Payment, PaymentAllocation, Refund
from .pdf_invoices import invoice_pdf_response
from .search import INVOICES, PAYMENTS
from .selectors import invoice_detail_queryset, invoice_lines, payment_queryset, payment_timeline
from .services import invoice_create, invoice_issue, invoice_set_fapiao_number, payment_allocate, payment_record
from .services_refunds import REASON_MAX_LENGTH as REFUND_REASON_MAX_LENGTH
from .services_refunds import REFUND_PERMISSION, payment_refund

# --- invoices ----------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="order_line.product_id", read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["id", "order_line", "product", "quantity", "unit_price", "discount_percent", "amount"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    open_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "order",
            "order_number",
            "customer",
            "customer_name",
            "status",
            "kind",
            "fapiao_number",
            "buyer_name",
            "buyer_tax_id",
            "buyer_address_phone",
            "buyer_bank_account",
            "currency",
            "tax_rate",
            "subtotal",
            "tax_amount",
            "total",
            "amount_paid",
            "amount_credited",
            "open_amount",
            "issued_at",
            "due_date",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InvoiceLineInputSerializer(serializers.Serializer):
    order_line = ScopedPrimaryKeyRelatedField(queryset=OrderLine.objects.all(), scope=lines_of_visible_orders)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class InvoiceInputSerializer(serializers.Serializer):
    order = ScopedPrimaryKeyRelatedField(queryset=Order.objects.all())
    lines = InvoiceLineInputSerializer(
        many=True, required=False, help_text="Leave out to invoice everything shipped and not yet invoiced."
    )
    issue = serializers.BooleanField(
        required=False, default=False, help_text="Issue it at once too, as `issue/` would: both or neither."
    )
    due_date = serializers.DateField(
        required=False, help_text="With issue: defaults to today plus the customer's payment terms."
    )
    kind = serializers.ChoiceField(
        choices=InvoiceKind.choices,
        required=False,
        help_text="Defaults to the customer's `invoice_kind`; each kind is numbered by its own series.",
    )


_FAPIAO_NUMBER_HELP = "The number the tax control system printed on the fapiao (发票号码): 8 to 20 digits."


class IssueInputSerializer(serializers.Serializer):
    due_date = serializers.DateField(required=False, help_text="Defaults to today plus the customer's payment terms.")
    fapiao_number = serializers.CharField(
        required=False, allow_blank=True, help_text=f"{_FAPIAO_NUMBER_HELP} Leave out if not known yet."
    )


class FapiaoNumberInputSerializer(serializers.Serializer):
    fapiao_number = serializers.CharField(allow_blank=True, help_text=_FAPIAO_NUMBER_HELP)


@extend_schema_view(
    create=extend_schema(
        request=InvoiceInputSerializer, responses={201: InvoiceSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class InvoiceViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = InvoiceSerializer
    create_input_serializer_class = InvoiceInputSerializer
    filterset_class = InvoiceFilter
    searchable = INVOICES
    ordering_fields = ["number", "created_at", "due_date", "total"]
    action_perms = {
        "create": "finance.add_invoice",
        "issue": "finance.issue_invoice",
        "fapiao_number": "finance.issue_invoice",
    }

    def get_queryset(self):
        return (
            Invoice.objects.visible_to(self.request.user)
            .select_related("order", "customer")
            .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.select_related("order_line")))
        )

    def perform_create(self, data):
        return invoice_create(actor=self.request.user, **data)

    @extend_schema(request=IssueInputSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        invoice = self.get_object()
        data = self.validated_input(IssueInputSerializer)
        return self.render(invoice_issue(invoice=invoice, actor=request.user, **data))

    @extend_schema(request=FapiaoNumberInputSerializer, responses=InvoiceSerializer)
    @action(detail=True, methods=["post"], url_path="fapiao-number")
    def fapiao_number(self, request, pk=None):
        """Enter or correct the fapiao number of an issued or paid invoice."""
        invoice = self.get_object()
        data = self.validated_input(FapiaoNumberInputSerializer)
        return self.render(invoice_set_fapiao_number(invoice=invoice, actor=request.user, **data))

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The invoice.")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        """The invoice as its page prints it, in the language asked for (Accept-Language)."""
        invoice = get_object_or_404(invoice_detail_queryset(user=request.user), pk=pk)
        return invoice_pdf_response(invoice, invoice_lines(invoice))


# --- payments ----------------------------------------------------------------------------------


class PaymentAllocationSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = ["id", "invoice", "invoice_number", "amount"]
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["id", "number", "payment", "amount", "currency", "method", "refunded_on", "reference", "reason"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    allocations = PaymentAllocationSerializer(
        many=True,
        read_only=True,
        help_text="The parts applied to invoices you may see; `allocated_amount` counts every invoice the payment paid.",
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    unallocated_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="What is left to allocate or refund."
    )
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "amount",
            "currency",
            "method",
            "received_on",
            "reference",
            "allocated_amount",
            "refunded_amount",
            "unallocated_amount",
            "allocations",
            "refunds",
            "order",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AllocationInputSerializer(serializers.Serializer):
    invoice = ScopedPrimaryKeyRelatedField(queryset=Invoice.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


_OLDEST_FIRST_HELP = (
    "Instead of `allocations`: put the money against the customer's open invoices, the earliest due first, until it "
    "runs out; what is left stays unallocated."
)


class PaymentInputSerializer(serializers.ModelSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
    allocations = AllocationInputSerializer(many=True, required=False, default=list)
    oldest_first = serializers.BooleanField(required=False, default=False, help_text=_OLDEST_FIRST_HELP)
    order = ScopedPrimaryKeyRelatedField(
        queryset=Order.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The order the money was paid for (a deposit): what is not allocated counts for its instalments, "
        "and its invoices use it when they are issued.",
    )

    class Meta:
        model = Payment
        fields = ["customer", "amount", "method", "received_on", "reference", "allocations", "oldest_first", "order"]


class AllocateInputSerializer(serializers.Serializer):
    allocations = AllocationInputSerializer(many=True, required=False, default=list)
    oldest_first = serializers.BooleanField(required=False, default=False, help_text=_OLDEST_FIRST_HELP)


class RefundInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded_on = serializers.DateField()
    reason = serializers.CharField(max_length=REFUND_REASON_MAX_LENGTH)
    method = serializers.ChoiceField(
        choices=Payment.Method.choices, required=False, help_text="The payment's if left out."
    )
    reference = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


@extend_schema_view(
    create=extend_schema(
        request=PaymentInputSerializer, responses={201: PaymentSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class PaymentViewSet(
    mixins.ListModelMixin,
    RetrieveMixin,
    IdempotentCreateMixin,
    EventsMixin,
    ServiceViewSet,
):
    serializer_class = PaymentSerializer
    create_input_serializer_class = PaymentInputSerializer
    filterset_class = PaymentFilter
    searchable = PAYMENTS
    ordering_fields = ["number", "received_on", "amount"]
    action_perms = {"create": "finance.add_payment", "allocate": "finance.add_payment", "refund": REFUND_PERMISSION}

    def get_queryset(self):
        return payment_queryset(user=self.request.user)

    def timeline(self, obj):
        return payment_timeline(payment=obj, user=self.request.user)

    def perform_create(self, data):
        return payment_record(actor=self.request.user, **data)

    @extend_schema(request=AllocateInputSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    def allocate(self, request, pk=None):
        """Allocate what is left of an earlier payment to invoices."""
        payment = self.get_object()
        data = self.validated_input(AllocateInputSerializer)
        return self.render(payment_allocate(payment=payment, actor=request.user, **data))

    @extend_schema(request=RefundInputSerializer, responses={201: RefundSerializer})
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """Pay back to the customer some of what the payment left unallocated."""
        payment = self.get_object()
        data = self.validated_input(RefundInputSerializer)
        refund = payment_refund(payment=payment, actor=request.user, **data)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)
