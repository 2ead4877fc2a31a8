"""/api/v1/credit-notes/: amounts taken off issued invoices; `POST` drafts one (or issues it at once), `issue/`."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
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
from gendan.crm.models import Customer

from .models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from .services_credit_notes import (
    CREATE_PERMISSION,
    ISSUE_PERMISSION,
    REASON_MAX_LENGTH,
    credit_note_create,
    credit_note_issue,
)


class CreditNoteLineSerializer(serializers.ModelSerializer):
    order_line = serializers.IntegerField(source="invoice_line.order_line_id", read_only=True)

    class Meta:
        model = CreditNoteLine
        fields = ["id", "invoice_line", "order_line", "quantity", "amount"]
        read_only_fields = fields


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    lines = CreditNoteLineSerializer(many=True, read_only=True)

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "order",
            "customer",
            "customer_name",
            "status",
            "reason",
            "currency",
            "tax_rate",
            "subtotal",
            "tax_amount",
            "total",
            "issued_at",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _lines_of_visible_invoices(queryset, user):
    return queryset.filter(invoice__in=Invoice.objects.visible_to(user))


class CreditNoteLineInputSerializer(serializers.Serializer):
    invoice_line = ScopedPrimaryKeyRelatedField(queryset=InvoiceLine.objects.all(), scope=_lines_of_visible_invoices)
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)


class CreditNoteInputSerializer(serializers.Serializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all(), help_text="The invoice's customer.")
    invoice = ScopedPrimaryKeyRelatedField(queryset=Invoice.objects.all())
    lines = CreditNoteLineInputSerializer(
        many=True, required=False, help_text="What is credited, line by line (their net amounts plus the tax)."
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="Or one sum, tax included."
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    issue = serializers.BooleanField(
        required=False, default=False, help_text="Issue it at once too, as `issue/` would: both or neither."
    )

    def validate(self, data):
        if data["invoice"].customer_id != data["customer"].pk:
            raise serializers.ValidationError({"invoice": [_("Choose an invoice of this customer.")]})
        return data


@extend_schema_view(
    create=extend_schema(
        request=CreditNoteInputSerializer, responses={201: CreditNoteSerializer}, parameters=[IDEMPOTENCY_KEY_PARAMETER]
    ),
)
class CreditNoteViewSet(mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, EventsMixin, ServiceViewSet):
    """Credit notes of the invoices the caller sees, newest first."""

    serializer_class = CreditNoteSerializer
    create_input_serializer_class = CreditNoteInputSerializer
    ordering_fields = ["number", "created_at", "total"]
    action_perms = {"create": CREATE_PERMISSION, "issue": ISSUE_PERMISSION}

    def get_queryset(self):
        return (
            CreditNote.objects.visible_to(self.request.user)
            .select_related("invoice", "customer")
            .prefetch_related(
                Prefetch("lines", queryset=CreditNoteLine.objects.select_related("invoice_line").order_by("id"))
            )
        )

    def perform_create(self, data):
        data.pop("customer")
        return credit_note_create(actor=self.request.user, **data)

    @extend_schema(request=None, responses=CreditNoteSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self.render(credit_note_issue(credit_note=self.get_object(), actor=request.user))
