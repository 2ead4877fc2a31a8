"""Reads of the event webhooks and their delivery log, for the pages and the API alike (administrators only)."""

from django.db.models import Count, Q

from .models import DeliveryStatus, EventWebhook, WebhookDelivery


def event_webhooks():
    """The webhooks with the number of their dead deliveries, in one query."""
    return EventWebhook.objects.annotate(
        failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED))
    ).order_by("pk")


def webhook_deliveries():
    """The delivery log, newest first, with the event and webhook each row shows."""
    return WebhookDelivery.objects.select_related("event", "webhook").order_by("-pk")
