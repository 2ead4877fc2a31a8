"""/api/v1/change-requests/ and the change requests and revisions of an order (/api/v1/orders/{id}/...)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from gendan.catalog.models import Product
from gendan.core.api import RetrieveMixin, ServiceViewSet, VersionedUpdateMixin, version_field
from gendan.core.bounds import id_from

from .api_permissions import MayApprove
from .changes import compare_revisions, revisions_of, with_details
from .models import ChangeRequest, OrderRevision
from .selectors_changes import change_allowed_actions, change_request_queryset
from .services_changes import (
    UNCHANGED,
    change_request_approve,
    change_request_cancel,
    change_request_create,
    change_request_rebase,
    change_request_reject,
    change_request_submit,
    change_request_update,
)

# --- output ------------------------------------------------------------------------------------


class ChangeLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line", allow_null=True, help_text="The order line, or null for a new one.")
    product = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class ChangeApprovalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    level = serializers.IntegerField()
    levels = serializers.SerializerMethodField()

    def get_levels(self, approval) -> int:
        return len(approval.levels)


class ChangeRequestSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    label = serializers.CharField(read_only=True)
    revision = serializers.SerializerMethodField(
        help_text="The revision it makes: the one it made once applied, else the one after its base."
    )
    promised_date = serializers.SerializerMethodField(help_text="The promised date it sets, if it sets one.")
    requested_date = serializers.SerializerMethodField(help_text="The requested date it sets, if it sets one.")
    lines = ChangeLineSerializer(many=True, read_only=True)
    impact = serializers.SerializerMethodField(
        help_text="total_before, total_after, difference, stock [product, warehouse, reserve, release, available], "
        "dates [field, before, after], lines, problems [code, detail].",
    )
    created_by_name = serializers.StringRelatedField(source="created_by")
    approval = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text="submit, rebase, cancel, approve, reject: yours now.")

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "order",
            "order_number",
            "number",
            "label",
            "status",
            "reason",
            "base_revision",
            "revision",
            "promised_date",
            "requested_date",
            "lines",
            "impact",
            "approval",
            "allowed_actions",
            "comment",
            "created_by",
            "created_by_name",
            "created_at",
            "submitted_at",
            "decided_at",
            "version",
        ]
        read_only_fields = fields

    def get_impact(self, change) -> dict:
        return with_details(change.impact)

    def get_revision(self, change) -> int:
        return change.revision or change.base_revision + 1

    def get_promised_date(self, change) -> str | None:
        return change.header.get("promised_date")

    def get_requested_date(self, change) -> str | None:
        return change.header.get("requested_date")

    def get_approval(self, change) -> dict | None:
        approvals = change.approvals.all()
        latest = max(approvals, key=lambda approval: approval.pk, default=None)
        return ChangeApprovalSerializer(latest).data if latest is not None else None

    def get_allowed_actions(self, change) -> list[str]:
        return change_allowed_actions(change=change, user=self.context["request"].user)


class RevisionSerializer(serializers.ModelSerializer):
    created_by_name = serializers.StringRelatedField(source="created_by")
    header = serializers.JSONField(
        read_only=True, help_text="promised_date, requested_date, subtotal, tax_amount, total."
    )
    lines = serializers.JSONField(
        read_only=True,
        help_text="[line, position, product, sku, name, quantity, unit_price, discount_percent, amount]",
    )

    class Meta:
        model = OrderRevision
        fields = [
            "number",
            "created_at",
            "created_by",
            "created_by_name",
            "reason",
            "change_request",
            "header",
            "lines",
        ]
        read_only_fields = fields


def comparison_data(comparison) -> dict:
    """A comparison as the API answers it: the changed header fields, and every line that changed."""
    return {
        "a": comparison.a.number,
        "b": comparison.b.number,
        "header": {row["field"]: {"before": row["before"], "after": row["after"]} for row in comparison.changed_header},
        "lines": [
            {
                "line": row["line"],
                "sku": row["sku"],
                "name": row["name"],
                "kind": row["kind"],
                "fields": {
                    name: {"before": cell["before"], "after": cell["after"]}
                    for name, cell in row["fields"].items()
                    if cell["changed"]
                },
            }
            for row in comparison.lines
            if row["kind"] != "same"
        ],
    }


# --- input -------------------------------------------------------------------------------------


class ChangeLineInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False, allow_null=True, help_text="An existing line of the order, or none for a new line."
    )
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True, help_text="Required for a new line."
    )
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3)
    unit_price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text="Defaults to the line's (a new line: the list price).",
    )
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)


class ChangeRequestInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=400, allow_blank=True)
    lines = ChangeLineInputSerializer(
        many=True,
        required=False,
        help_text="The whole new set of lines: an existing line left out is removed. Leave out to keep the lines.",
    )
    promised_date = serializers.DateField(required=False, allow_null=True)
    requested_date = serializers.DateField(required=False, allow_null=True)


class ChangeRequestUpdateSerializer(ChangeRequestInputSerializer):
    reason = serializers.CharField(max_length=400, allow_blank=True, required=False)
    version = version_field()


def change_arguments(data: dict) -> dict:
    """The service's keyword arguments from validated input."""
    arguments = {
        "promised_date": data.get("promised_date", UNCHANGED),
        "requested_date": data.get("requested_date", UNCHANGED),
    }
    if "reason" in data:
        arguments["reason"] = data["reason"]
    if "lines" in data:
        arguments["lines"] = [
            {
                "line": row.get("id"),
                "product": row.get("product"),
                "quantity": row["quantity"],
                "unit_price": row.get("unit_price"),
                "discount_percent": row.get("discount_percent"),
            }
            for row in data["lines"]
        ]
    return arguments


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=400)


# --- viewset -----------------------------------------------------------------------------------


class ChangeRequestViewSet(mixins.ListModelMixin, RetrieveMixin, VersionedUpdateMixin, ServiceViewSet):
    """Changes to confirmed orders in the caller's scope, newest first. A draft is edited with PATCH; `submit/`
    sends it through the approval rules (applied at once when none applies); `rebase/` carries a stale one onto
    the order's current revision; `approve/` and `reject/` decide the current level of its approval."""

    serializer_class = ChangeRequestSerializer
    update_input_serializer_class = ChangeRequestUpdateSerializer
    action_perms = {
        "update": "sales.change_order",
        "partial_update": "sales.change_order",
        "submit": "sales.change_order",
        "rebase": "sales.change_order",
        "cancel": "sales.change_order",
    }

    def required_permission(self):
        # A change is read by whoever reads its order.
        if self.action not in self.action_perms and self.request.method in SAFE_METHODS:
            return "sales.view_order"
        return super().required_permission()

    def get_permissions(self):
        if self.action in ("approve", "reject"):
            return [IsAuthenticated(), MayApprove()]
        return super().get_permissions()

    def get_queryset(self):
        return change_request_queryset(user=self.request.user)

    def perform_update(self, change, data, version):
        return change_request_update(change=change, actor=self.request.user, version=version, **change_arguments(data))

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self.render(change_request_submit(change=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def rebase(self, request, pk=None):
        return self.render(change_request_rebase(change=self.get_object(), actor=request.user))

    @extend_schema(request=CancelSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        change = self.get_object()
        data = self.validated_input(CancelSerializer)
        return self.render(change_request_cancel(change=change, actor=request.user, reason=data["reason"]))

    @extend_schema(request=CommentSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        change = self.get_object()
        data = self.validated_input(CommentSerializer)
        return self.render(change_request_approve(change=change, actor=request.user, comment=data["comment"]))

    @extend_schema(request=CommentSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        change = self.get_object()
        data = self.validated_input(CommentSerializer)
        return self.render(change_request_reject(change=change, actor=request.user, comment=data["comment"]))


class OrderChangesMixin:
    """An order's change requests (list, and POST a new one) and its revisions (list, and compare two)."""

    action_perms = {"create_change_request": "sales.change_order"}

    @extend_schema(request=None, responses=ChangeRequestSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="change-requests")
    def change_requests(self, request, pk=None):
        order = self.get_object()
        changes = change_request_queryset(user=request.user).filter(order=order)
        return Response(ChangeRequestSerializer(changes, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=ChangeRequestInputSerializer, responses={201: ChangeRequestSerializer})
    @change_requests.mapping.post
    def create_change_request(self, request, pk=None):
        order = self.get_object()
        data = self.validated_input(ChangeRequestInputSerializer)
        change = change_request_create(order=order, actor=request.user, **change_arguments(data))
        change = change_request_queryset(user=request.user).get(pk=change.pk)
        serializer = ChangeRequestSerializer(change, context=self.get_serializer_context())
        return Response(serializer.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        return Response(RevisionSerializer(revisions_of(self.get_object()), many=True).data)

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter("a", int, description="One revision's number (default: the one before the latest)."),
            OpenApiParameter("b", int, description="The other's (default: the latest)."),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["get"], url_path="revisions/compare")
    def compare_revisions(self, request, pk=None):
        revisions = {revision.number: revision for revision in revisions_of(self.get_object())}
        last = max(revisions)
        defaults = {"a": max(last - 1, 1), "b": last}
        errors, chosen = {}, []
        for name in ("a", "b"):
            given = request.query_params.get(name, "")
            number = id_from(given) if given else defaults[name]
            if number is None or number not in revisions:
                errors[name] = [_("Choose a revision of this order (1 to %(last)s).") % {"last": last}]
            else:
                chosen.append(revisions[number])
        if errors:
            raise ValidationError(errors)
        return Response(comparison_data(compare_revisions(*chosen)))
