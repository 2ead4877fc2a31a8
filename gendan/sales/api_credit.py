"""/api/v1/orders/{id}/credit-override/: leave for one order to go past its customer's credit limit.

`POST` asks for it (201); it is decided like every approval, at `/api/v1/approvals/{approval}/approve/` or
`reject/`. `GET` lists the order's overrides, newest first; `credit-override/withdraw/` takes back the one that
waits or is in force. An action the limit refuses answers 409 `credit_limit_exceeded` with the figures
(sales.credit.credit_check).
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from .credit import OVERRIDE_PERMISSION
from .models import ApprovalRequest, CreditOverride
from .services_credit import (
    REASON_MAX_LENGTH,
    credit_override_request,
    credit_override_withdraw_live,
)


class CreditOverrideSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id", read_only=True)
    over_by = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    in_force = serializers.BooleanField(source="is_in_force", read_only=True)
    requested_by_name = serializers.StringRelatedField(source="requested_by")
    decided_by_name = serializers.StringRelatedField(source="decided_by")
    approval = serializers.SerializerMethodField(
        help_text="The approval request that decides it: approve or reject it at /api/v1/approvals/{approval}/."
    )

    class Meta:
        model = CreditOverride
        fields = [
            "id",
            "order",
            "status",
            "in_force",
            "reason",
            "days",
            "credit_limit",
            "exposure",
            "order_amount",
            "over_by",
            "valid_until",
            "requested_by",
            "requested_by_name",
            "created_at",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "comment",
            "approval",
        ]
        read_only_fields = fields

    def get_approval(self, override) -> int | None:
        approvals = override.approvals.all()
        return approvals[0].pk if approvals else None


class CreditOverrideInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="Why the customer should have more credit.")
    days = serializers.IntegerField(
        required=False, allow_null=True, help_text="How long it holds once approved (default CREDIT_OVERRIDE_DAYS)."
    )


def overrides_of(order):
    return order.credit_overrides.select_related("requested_by", "decided_by").prefetch_related(
        Prefetch("approvals", queryset=ApprovalRequest.objects.order_by("-created_at", "-id"))
    )


class OrderCreditOverrideMixin:
    action_perms = {"request_credit_override": OVERRIDE_PERMISSION, "withdraw_credit_override": OVERRIDE_PERMISSION}

    def _override_response(self, order, override, code=status.HTTP_200_OK):
        return Response(CreditOverrideSerializer(overrides_of(order).get(pk=override.pk)).data, status=code)

    @extend_schema(request=None, responses=CreditOverrideSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], url_path="credit-override", filter_backends=[])
    def credit_overrides(self, request, pk=None):
        """The order's credit overrides, newest first."""
        return Response(CreditOverrideSerializer(overrides_of(self.get_object()), many=True).data)

    @extend_schema(request=CreditOverrideInputSerializer, responses={201: CreditOverrideSerializer}, filters=False)
    @credit_overrides.mapping.post
    def request_credit_override(self, request, pk=None):
        """Ask for leave to take the order past its customer's credit limit; decided through the approval rules."""
        order = self.get_object()
        data = self.validated_input(CreditOverrideInputSerializer)
        override = credit_override_request(
            order=order, actor=request.user, reason=data["reason"], days=data.get("days")
        )
        return self._override_response(order, override, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CreditOverrideSerializer, filters=False)
    @action(detail=True, methods=["post"], url_path="credit-override/withdraw", filter_backends=[])
    def withdraw_credit_override(self, request, pk=None):
        """Take back the order's override that waits for approval or is in force."""
        order = self.get_object()
        return self._override_response(order, credit_override_withdraw_live(order=order, actor=request.user))
