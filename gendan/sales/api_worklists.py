"""The sellers' and approvers' worklists in the API: read-only lists, scoped and filterable like the pages."""

from rest_framework import mixins, serializers
from rest_framework.permissions import IsAuthenticated

from gendan.core.api import ServiceViewSet

from .api import OrderSerializer
from .api_permissions import MayApprove
from .api_quotations import QuotationSerializer
from .approval_rules import reason_text
from .filters import OrderFilter
from .filters_quotations import QuotationFilter
from .models import ApprovalRequest
from .search import ORDERS, QUOTATIONS
from .selectors import order_api_queryset
from .selectors_quotations import quotation_detail_queryset
from .selectors_worklists import (
    Attention,
    approval_inbox,
    awaiting_answer,
    needing_attention,
)


class ApprovalInboxSerializer(serializers.ModelSerializer):
    object_type = serializers.CharField(
        source="subject", read_only=True, help_text="order, order_change, quotation or contract."
    )
    object_number = serializers.CharField(source="number", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True, allow_null=True, default=None)
    customer = serializers.IntegerField(source="record.customer_id", read_only=True)
    customer_name = serializers.CharField(source="record.customer.name", read_only=True)
    owner_name = serializers.StringRelatedField(source="record.owner")
    total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    currency = serializers.CharField(source="record.currency", read_only=True)
    requested_by_name = serializers.StringRelatedField(source="requested_by")
    requested_at = serializers.DateTimeField(source="created_at", read_only=True)
    reason_texts = serializers.SerializerMethodField(help_text="Each reason in the caller's language.")

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "object_type",
            "object_number",
            "order",
            "order_number",
            "change_request",
            "quotation",
            "contract",
            "customer",
            "customer_name",
            "owner_name",
            "total",
            "currency",
            "requested_by",
            "requested_by_name",
            "requested_at",
            "reasons",
            "reason_texts",
        ]
        read_only_fields = fields

    def get_reason_texts(self, approval) -> list[str]:
        return [reason_text(reason) for reason in approval.reasons]


class ApprovalInboxViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Pending approvals the caller may decide (orders, changes, quotations and contracts in scope that others
    submitted), oldest first."""

    serializer_class = ApprovalInboxSerializer
    # A rule may name anyone an approver, so the inbox is for whoever may approve or is named (may_approve).
    permission_classes = [IsAuthenticated, MayApprove]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # The schema is built without a user; approval_inbox reads the user's waiting steps at once.
            return ApprovalRequest.objects.none()
        return approval_inbox(user=self.request.user)


class OrderAttentionSerializer(OrderSerializer):
    attention = serializers.ChoiceField(
        choices=Attention.choices, read_only=True, help_text="Why the order needs attention (the most urgent reason)."
    )

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "attention"]


class OrdersAttentionViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Orders in scope that are on hold, refused at approval, or past their promised date and not shipped."""

    serializer_class = OrderAttentionSerializer
    filterset_class = OrderFilter
    searchable = ORDERS

    def get_queryset(self):
        return needing_attention(order_api_queryset(user=self.request.user))


class QuotationsAwaitingViewSet(mixins.ListModelMixin, ServiceViewSet):
    """Sent quotations in scope still waiting for the customer's answer, the longest-waiting first."""

    serializer_class = QuotationSerializer
    filterset_class = QuotationFilter
    searchable = QUOTATIONS

    def get_queryset(self):
        return awaiting_answer(quotation_detail_queryset(user=self.request.user))
