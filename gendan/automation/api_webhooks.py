"""/api/v1/webhooks/: event webhooks, their delivery log and replay (administrators only).

The secret is write-only: a read shows its last four characters behind a mask.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from gendan.core.api import IdempotentCreateMixin, RetrieveMixin, ServiceViewSet

from .filters import WebhookDeliveryFilter
from .models import EventWebhook
from .outgoing import DeliveryError
from .selectors_webhooks import event_webhooks, webhook_deliveries
from .services_webhooks import (
    event_webhook_create,
    event_webhook_delete,
    event_webhook_update,
    webhook_delivery_replay,
)
from .webhooks import event_webhook_send_test

CHANGE = "automation.change_eventwebhook"


def masked(secret: str) -> str:
    return "••••" + secret[-4:] if secret else ""


class EventWebhookSerializer(serializers.ModelSerializer):
    secret = serializers.SerializerMethodField(help_text="Masked: only its last four characters.")
    failed_count = serializers.IntegerField(read_only=True, help_text="Dead deliveries (status failed).")

    class Meta:
        model = EventWebhook
        fields = ["id", "url", "events", "secret", "active", "failed_count", "created_by", "created_at", "updated_at"]
        read_only_fields = fields

    def get_secret(self, webhook) -> str:
        return masked(webhook.secret)


class EventWebhookInputSerializer(serializers.Serializer):
    """Shapes only: the URL, the verbs and the secret are the service's to check (field-keyed 400s)."""

    url = serializers.CharField(allow_blank=True, trim_whitespace=False)
    events = serializers.ListField(
        child=serializers.CharField(max_length=64),
        help_text='Event verbs, e.g. ["order.confirmed", "payment.recorded"], or ["*"] for every event.',
    )
    secret = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="At least 16 characters; on update, blank keeps it.",
    )
    active = serializers.BooleanField(required=False, default=True)


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.IntegerField(source="event_id")
    verb = serializers.CharField(source="event.verb")
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EventWebhookViewSet(mixins.ListModelMixin, RetrieveMixin, IdempotentCreateMixin, ServiceViewSet):
    serializer_class = EventWebhookSerializer
    create_input_serializer_class = EventWebhookInputSerializer
    action_perms = {
        "create": "automation.add_eventwebhook",
        "update": CHANGE,
        "partial_update": CHANGE,
        "destroy": "automation.delete_eventwebhook",
        "replay": CHANGE,
        "send_test": CHANGE,
    }

    def get_queryset(self):
        return event_webhooks()

    def perform_create(self, data):
        return event_webhook_create(actor=self.request.user, **data)

    def update(self, request, *args, partial=False, **kwargs):
        webhook = self.get_object()
        data = self.validated_input(EventWebhookInputSerializer, partial=partial)
        fields = {"url": webhook.url, "events": webhook.events, "active": webhook.active, **data}
        return self.render(event_webhook_update(webhook=webhook, actor=request.user, **fields))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        event_webhook_delete(webhook=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """The delivery log, newest first; ?status=failed lists the dead letters, ?verb= one event verb."""
        webhook = self.get_object()
        rows = WebhookDeliveryFilter(request.query_params, queryset=webhook_deliveries().filter(webhook=webhook))
        if not rows.is_valid():
            raise serializers.ValidationError(rows.errors)
        page = self.paginate_queryset(rows.qs)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses=WebhookDeliverySerializer)
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/replay")
    def replay(self, request, pk=None, delivery_id=None):
        """Send a failed (or delivered) event again under its delivery id; 409 while it is being sent."""
        delivery = get_object_or_404(webhook_deliveries(), webhook=self.get_object(), pk=delivery_id)
        delivery = webhook_delivery_replay(delivery=delivery, actor=request.user)
        return Response(WebhookDeliverySerializer(webhook_deliveries().get(pk=delivery.pk)).data)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "WebhookTestResult",
            {
                "delivered": serializers.BooleanField(),
                "status_code": serializers.IntegerField(allow_null=True),
                "error": serializers.CharField(),
            },
        ),
    )
    @action(detail=True, methods=["post"], url_path="test")
    def send_test(self, request, pk=None):
        """Post a signed test event now and say what the receiver answered."""
        webhook = self.get_object()
        try:
            code = event_webhook_send_test(webhook)
        except DeliveryError as exc:
            return Response({"delivered": False, "status_code": exc.status, "error": str(exc)})
        return Response({"delivered": True, "status_code": code, "error": ""})
