"""/api/v1/worklists/to-invoice/, unpaid-invoices/ and unallocated-payments/: finance's worklists, as their pages show them."""

from django.db.models import Prefetch
from rest_framework import serializers

from gendan.core.api_worklists import WorklistViewSet
from gendan.core.worklist_lists import days_since

from .api import InvoiceSerializer, PaymentSerializer
from .filters import OrderToInvoiceFilter, UnallocatedPaymentFilter, UnpaidInvoiceFilter
from .models import InvoiceLine
from .selectors_worklists import invoices_unpaid, orders_to_invoice, payments_unallocated
from .worklists import works_finance


class OrderToInvoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.name")
    owner = serializers.CharField(source="owner.username")
    status = serializers.CharField()
    billing_status = serializers.CharField()
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount_invoiced = serializers.DecimalField(max_digits=14, decimal_places=2)


class UnpaidInvoiceSerializer(InvoiceSerializer):
    order_owner = serializers.CharField(source="order.owner.username", read_only=True)
    days_overdue = serializers.SerializerMethodField(help_text="Days past the due date; null when not overdue.")

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "order_owner", "days_overdue"]
        read_only_fields = fields

    def get_days_overdue(self, invoice) -> int | None:
        late = days_since(invoice.due_date)
        return late if late is not None and late > 0 else None


class UnallocatedPaymentSerializer(PaymentSerializer):
    unallocated_amount = serializers.SerializerMethodField(help_text="What is left to put against invoices.")

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "unallocated_amount"]
        read_only_fields = fields

    def get_unallocated_amount(self, payment) -> str:
        return str(payment.unallocated_amount)


class OrderToInvoiceViewSet(WorklistViewSet):
    """Orders with quantities shipped and not yet invoiced, the oldest first."""

    serializer_class = OrderToInvoiceSerializer
    filterset_class = OrderToInvoiceFilter
    works_list = staticmethod(works_finance)
    selector = staticmethod(orders_to_invoice)


class UnpaidInvoiceViewSet(WorklistViewSet):
    """Issued invoices not yet paid in full, the longest overdue first."""

    serializer_class = UnpaidInvoiceSerializer
    filterset_class = UnpaidInvoiceFilter
    works_list = staticmethod(works_finance)
    selector = staticmethod(invoices_unpaid)

    def get_queryset(self):
        lines = InvoiceLine.objects.select_related("order_line")
        return super().get_queryset().select_related("order").prefetch_related(Prefetch("lines", queryset=lines))


class UnallocatedPaymentViewSet(WorklistViewSet):
    """Payments with money not yet put against invoices, the oldest first."""

    serializer_class = UnallocatedPaymentSerializer
    filterset_class = UnallocatedPaymentFilter
    works_list = staticmethod(works_finance)
    selector = staticmethod(payments_unallocated)
