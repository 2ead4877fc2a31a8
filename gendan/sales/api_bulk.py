"""/api/v1/orders/: assigning a selection of orders to another owner, and an order's confirmation as a PDF."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from gendan.accounts.models import User
from gendan.core.api import PDFRenderer
from gendan.core.bounds import MAX_SELECTION

from .pdf_orders import orders_pdf_response
from .selectors import order_documents, order_list
from .services import ASSIGN_REASON_MAX_LENGTH
from .services_bulk import orders_assign


class BulkAssignInputSerializer(serializers.Serializer):
    orders = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=f"The ids of the orders, at most {MAX_SELECTION}. Each is handed over on its own.",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text="The new owner: an active user who sells (a 400 on `owner` otherwise)."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ASSIGN_REASON_MAX_LENGTH, help_text="On each timeline."
    )


class RefusalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(
        help_text="not_found (not among the orders you can see), not_editable (closed or cancelled), "
        "no_change (already theirs), permission_denied (it would leave your sight)."
    )
    detail = serializers.CharField()


class BulkOutcomeSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField(), help_text="The orders handed over.")
    refused = RefusalSerializer(many=True, help_text="The orders not handed over, and why.")


class OrderBulkMixin:
    """POST bulk/assign/ (a selection of orders to another owner) and GET {id}/pdf/ (the order's confirmation)."""

    action_perms = {"bulk_assign": "sales.assign_order"}

    @extend_schema(request=BulkAssignInputSerializer, responses=BulkOutcomeSerializer, filters=False)
    @action(detail=False, methods=["post"], url_path="bulk/assign", filter_backends=[])
    def bulk_assign(self, request):
        """Hands each order to the owner in its own transaction: 200 with those done and those refused (and why).

        A problem with the selection, the owner or the reason refuses the whole with 400 and changes nothing.
        """
        data = self.validated_input(BulkAssignInputSerializer)
        outcome = orders_assign(
            order_ids=data["orders"], actor=request.user, owner=data["owner"], reason=data["reason"]
        )
        return Response(BulkOutcomeSerializer(outcome).data)

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The confirmation.")},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        """The order confirmation (销售订单确认书) in the language asked for (Accept-Language)."""
        order = get_object_or_404(order_documents(order_list(user=request.user)), pk=pk)
        return orders_pdf_response([order])
