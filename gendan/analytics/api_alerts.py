"""/api/v1/alert-rules/ (set by those who manage them) and /api/v1/alerts/ (the caller's own alerts, read-only)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gendan.core.api import IdempotentCreateMixin, RetrieveMixin, ServiceViewSet, VersionedUpdateMixin, version_field

from .alerts import MANAGE_RULES, RULE_FIELDS, alert_rule_create, alert_rule_delete, alert_rule_update
from .models import Alert, AlertRule
from .selectors_alerts import alerts_of


class AlertRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = ["id", *RULE_FIELDS, "recipient_users", "system_key", "version", "created_at", "updated_at"]
        read_only_fields = fields


def _decimal(max_digits: int, decimal_places: int, help_text: str = ""):
    return serializers.DecimalField(
        max_digits=max_digits, decimal_places=decimal_places, required=False, allow_null=True, help_text=help_text
    )


def _count(help_text: str = ""):
    return serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=32767, help_text=help_text)


class AlertRuleInputSerializer(serializers.Serializer):
    """Shapes only: which settings each kind needs, and what they may be, are the service's to check (field-keyed
    400s). The settings of the other kinds are cleared."""

    name = serializers.CharField(allow_blank=True)
    kind = serializers.CharField(help_text="metric_drop, customer_stopped or unusual_quantity.")
    active = serializers.BooleanField(required=False)
    metric = serializers.CharField(
        required=False, allow_blank=True, help_text="metric_drop: a sum or count metric (see /api/v1/metrics/)."
    )
    period = serializers.CharField(required=False, allow_blank=True, help_text="metric_drop: week or month.")
    compare = serializers.CharField(required=False, allow_blank=True, help_text="metric_drop: previous or last_year.")
    threshold_percent = _decimal(5, 1, "metric_drop: alert on a fall of more than this percent.")
    minimum_base = _decimal(14, 2, "metric_drop: ignore falls from a compared figure below this.")
    minimum_orders = _count("customer_stopped: confirmed orders at least (2 or more); unusual_quantity: past orders.")
    stopped_days = _count("customer_stopped: no order for more than this many days.")
    interval_multiple = _decimal(4, 1, "customer_stopped: and more than this many times their usual gap.")
    quantity_multiple = _decimal(4, 1, "unusual_quantity: more than this many times the usual, or below its fraction.")
    history_orders = _count("unusual_quantity: the usual quantity is the median of this many last orders.")
    recipient_users = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=get_user_model().objects.all(), help_text="People told, by id."
    )
    recipient_role = serializers.CharField(required=False, allow_blank=True, help_text="Everyone with this role.")
    owners_and_leaders = serializers.BooleanField(
        required=False, help_text="Each owner of customers, about their own records, and their leader."
    )
    version = version_field()


class AlertRuleViewSet(
    mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, VersionedUpdateMixin, ServiceViewSet
):
    """Alert rules: a built-in rule, or one that raised alerts, can be switched off, not deleted (409)."""

    serializer_class = AlertRuleSerializer
    create_input_serializer_class = AlertRuleInputSerializer
    update_input_serializer_class = AlertRuleInputSerializer
    action_perms = {
        "create": MANAGE_RULES,
        "update": MANAGE_RULES,
        "partial_update": MANAGE_RULES,
        "destroy": MANAGE_RULES,
    }

    def get_queryset(self):
        return AlertRule.objects.prefetch_related("recipient_users")

    def perform_create(self, data):
        return alert_rule_create(actor=self.request.user, **data)

    def perform_update(self, rule, data, version):
        return alert_rule_update(rule=rule, actor=self.request.user, version=version, **data)

    def destroy(self, request, *args, **kwargs):
        alert_rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True},
                    "label": {"type": "string"},
                    "value": {"oneOf": [{"type": "string", "format": "decimal"}, {"type": "integer"}]},
                    "compare_value": {"oneOf": [{"type": "string", "format": "decimal"}, {"type": "integer"}]},
                    "change": {"oneOf": [{"type": "string", "format": "decimal"}, {"type": "integer"}]},
                    "share": {"type": "string", "format": "decimal", "nullable": True},
                },
            },
        },
    }
)
class BreakdownField(serializers.JSONField):
    """{grouping: rows}: for region, owner, product and customer, the rows that fell most, largest fall first, each
    with its share of the whole change in percent."""


class AlertSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    kind = serializers.CharField(source="rule.kind", read_only=True)
    metric = serializers.CharField(source="rule.metric", read_only=True)
    breakdown = BreakdownField(read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "rule_name",
            "kind",
            "metric",
            "fired_at",
            "period_start",
            "period_end",
            "compare_start",
            "compare_end",
            "customer",
            "order",
            "product",
            "value",
            "compare_value",
            "change_percent",
            "breakdown",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "value": {"help_text": "The metric's figure; days without an order for a customer; a line's quantity."},
            "compare_value": {
                "help_text": "The compared period's figure; the days the customer may go quiet; the usual quantity."
            },
        }


class AlertViewSet(mixins.ListModelMixin, RetrieveMixin, ServiceViewSet):
    """The caller's own alerts, newest first: each raised in the caller's scope."""

    serializer_class = AlertSerializer
    permission_classes = [IsAuthenticated]
    ordering_fields = ["fired_at", "id"]

    def get_queryset(self):
        return alerts_of(user=self.request.user)
