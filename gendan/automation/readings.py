"""What automation adds to /metrics (gendan.core.metrics): notices and event webhooks that could not be delivered, by
channel (event webhooks' dead letters as the channel "event_webhook")."""

from django.db.models import Count

from .models import DeliveryStatus, NotificationDelivery, WebhookDelivery

EVENT_WEBHOOK = "event_webhook"


def failed_deliveries():
    rows = (
        NotificationDelivery.objects.filter(status=DeliveryStatus.FAILED)
        .values_list("channel")
        .annotate(count=Count("id"))
        .order_by("channel")
    )
    dead = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
    return [((channel,), count) for channel, count in rows] + ([((EVENT_WEBHOOK,), dead)] if dead else [])
