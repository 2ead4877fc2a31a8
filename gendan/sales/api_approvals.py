"""/api/v1/approval-rules/ and /api/v1/approvals/: the rules an administrator sets, and the requests they raise."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gendan.core.api import IdempotentCreateMixin, RetrieveMixin, ServiceViewSet, VersionedUpdateMixin, version_field
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.filters import FilterSet

from .api_permissions import MayApprove
from .approval_rules import reason_text
from .models import ApprovalMode, ApprovalRequest, ApprovalRule, ApprovalStep, ApprovalSubject
from .selectors_worklists import approval_requests_of, approvals_of
from .services import order_approve, order_reject
from .services_approvals import (
    MANAGE_RULES,
    RULE_FIELDS,
    approval_rule_create,
    approval_rule_delete,
    approval_rule_update,
    contract_approval_reject,
    contract_approve,
)
from .services_changes import change_request_approve, change_request_reject
from .services_credit import credit_override_approve, credit_override_reject
from .services_quotations import quotation_approval_reject, quotation_approve

# --- rules -------------------------------------------------------------------------------------


class ApprovalLevelSerializer(serializers.Serializer):
    approvers = serializers.ListField(
        child=serializers.CharField(),
        help_text='Who decides: "approvers" (whoever may approve), "leader" (the submitter\'s team leader), '
        '"role:<role>", "user:<id>".',
    )
    mode = serializers.ChoiceField(choices=ApprovalMode.choices, help_text="any: one of them decides; all: each must.")


class ApprovalRuleSerializer(serializers.ModelSerializer):
    conditions = serializers.ListField(
        child=serializers.DictField(),
        help_text='[{"type": "below_floor_price"}, {"type": "discount_above_limit"}, '
        '{"type": "total_above", "amount": "100000"}, {"type": "new_customer", "orders_below": 3}, '
        '{"type": "payment_terms_over", "days": 60}, {"type": "credit_exceeded"}]',
    )
    levels = ApprovalLevelSerializer(many=True)

    class Meta:
        model = ApprovalRule
        fields = ["id", *RULE_FIELDS, "system_key", "version", "created_at", "updated_at"]
        read_only_fields = fields


class ApprovalRuleInputSerializer(serializers.Serializer):
    """Shapes only: what a condition or an approver means, and a name used twice, are the service's to check
    (field-keyed 400s)."""

    name = serializers.CharField(max_length=100, allow_blank=True)
    applies_to = serializers.CharField(max_length=16, required=False)
    conditions = serializers.ListField(child=serializers.DictField())
    match = serializers.CharField(max_length=3, required=False)
    levels = serializers.ListField(child=serializers.DictField())
    active = serializers.BooleanField(required=False)
    refuses = serializers.BooleanField(
        required=False, help_text="Refuse what the conditions catch instead of asking for approval (no levels)."
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    version = version_field()


class ApprovalRuleViewSet(
    mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, VersionedUpdateMixin, ServiceViewSet
):
    """Approval rules, set by an administrator: the shipped one can be switched off, not deleted."""

    serializer_class = ApprovalRuleSerializer
    create_input_serializer_class = ApprovalRuleInputSerializer
    update_input_serializer_class = ApprovalRuleInputSerializer
    action_perms = {
        "create": MANAGE_RULES,
        "update": MANAGE_RULES,
        "partial_update": MANAGE_RULES,
        "destroy": MANAGE_RULES,
    }

    def get_queryset(self):
        return ApprovalRule.objects.all()

    def perform_create(self, data):
        return approval_rule_create(actor=self.request.user, **data)

    def perform_update(self, rule, data, version):
        return approval_rule_update(rule=rule, actor=self.request.user, version=version, **data)

    def destroy(self, request, *args, **kwargs):
        approval_rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- requests ----------------------------------------------------------------------------------


class ApprovalStepSerializer(serializers.ModelSerializer):
    approver_name = serializers.StringRelatedField(source="approver")
    decided_by_name = serializers.StringRelatedField(source="decided_by")

    class Meta:
        model = ApprovalStep
        fields = [
            "level",
            "approver",
            "approver_name",
            "decision",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "comment",
        ]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField(
        help_text="What is approved: order, order_change, quotation, contract or credit_override."
    )
    object_id = serializers.SerializerMethodField(
        help_text="The id of the order, change request, quotation, contract or credit override."
    )
    object_number = serializers.SerializerMethodField(help_text="Its number: SO…, SO…-C1 for a change, QT… (-V2), HT…")
    order = serializers.IntegerField(source="order_id", read_only=True, allow_null=True)
    reason_texts = serializers.SerializerMethodField(help_text="Each reason in the caller's language.")
    levels = serializers.SerializerMethodField(help_text="How many levels the request passes; `level` is the current.")
    level_modes = serializers.SerializerMethodField(help_text="Each level's mode (any / all), in order.")
    submitted_by = serializers.PrimaryKeyRelatedField(source="requested_by", read_only=True)
    submitted_by_name = serializers.StringRelatedField(source="requested_by")
    decided_by_name = serializers.StringRelatedField(source="decided_by")
    steps = ApprovalStepSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "object_type",
            "object_id",
            "object_number",
            "order",
            "reasons",
            "reason_texts",
            "level",
            "levels",
            "level_modes",
            "status",
            "submitted_by",
            "submitted_by_name",
            "decided_by",
            "decided_by_name",
            "decided_at",
            "comment",
            "steps",
            "created_at",
        ]
        read_only_fields = fields

    def get_object_type(self, approval) -> str:
        return approval.subject

    def get_object_id(self, approval) -> int:
        return approval.change_request_id or approval.credit_override_id or approval.record.pk

    def get_object_number(self, approval) -> str:
        return approval.number

    def get_reason_texts(self, approval) -> list[str]:
        return [reason_text(reason) for reason in approval.reasons]

    def get_levels(self, approval) -> int:
        return len(approval.levels)

    def get_level_modes(self, approval) -> list[str]:
        return [level["mode"] for level in approval.levels]


class ApprovalFilter(FilterSet):
    status = django_filters.ChoiceFilter(choices=ApprovalRequest.Status.choices)

    class Meta:
        model = ApprovalRequest
        fields = ["status"]


# For each subject: the request's field holding its record, the keyword the services take it by, and the
# services that approve and reject it.
DECIDE = {
    ApprovalSubject.ORDER: ("order", "order", order_approve, order_reject),
    ApprovalSubject.ORDER_CHANGE: ("change_request", "change", change_request_approve, change_request_reject),
    ApprovalSubject.QUOTATION: ("quotation", "quotation", quotation_approve, quotation_approval_reject),
    ApprovalSubject.CONTRACT: ("contract", "contract", contract_approve, contract_approval_reject),
    ApprovalSubject.CREDIT_OVERRIDE: ("credit_override", "override", credit_override_approve, credit_override_reject),
}


def decide(approval: ApprovalRequest, actor, *, approve: bool, comment: str) -> None:
    field, keyword, approve_service, reject_service = DECIDE[approval.subject]
    service = approve_service if approve else reject_service
    service(**{keyword: getattr(approval, field)}, actor=actor, comment=comment)


class DecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovalViewSet(mixins.ListModelMixin, RetrieveMixin, ServiceViewSet):
    """Approval requests the caller may decide, was asked to decide, or submitted; `approve/` and `reject/` decide
    the current level (a rejection needs a comment)."""

    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilter
    # Anyone may be named an approver by a rule: the queryset's scope and the services decide.
    permission_classes = [IsAuthenticated]

    def get_permissions(self):
        if self.action in ("approve", "reject"):
            return [IsAuthenticated(), MayApprove()]
        return super().get_permissions()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # The schema is built without a user; approvals_of reads the user's waiting steps at once.
            return ApprovalRequest.objects.none()
        if self.action == "list":
            return approvals_of(user=self.request.user)
        return approval_requests_of(user=self.request.user)

    def _pending(self) -> ApprovalRequest:
        approval = self.get_object()
        if approval.status != ApprovalRequest.Status.PENDING:
            raise ApplicationError(
                _("This approval request is already decided."),
                ErrorCode.TRANSITION_NOT_ALLOWED,
                {"status": approval.status},
            )
        return approval

    def _decided(self, approval):
        return Response(self.get_serializer(self.get_queryset().get(pk=approval.pk)).data)

    @extend_schema(request=DecisionInputSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        approval = self._pending()
        data = self.validated_input(DecisionInputSerializer)
        decide(approval, request.user, approve=True, comment=data["comment"])
        return self._decided(approval)

    @extend_schema(request=DecisionInputSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        approval = self._pending()
        data = self.validated_input(DecisionInputSerializer)
        decide(approval, request.user, approve=False, comment=data["comment"])
        return self._decided(approval)
