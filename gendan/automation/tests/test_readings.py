"""/metrics counts the notices and event webhook deliveries that failed for good, by channel (registered by automation
in core's readings)."""

from prometheus_client.parser import text_string_to_metric_families

from gendan.automation.models import (
    Channel,
    DeliveryStatus,
    EventWebhook,
    Notification,
    NotificationDelivery,
    WebhookDelivery,
)
from gendan.core.models import Event


def failed_by_channel(client) -> dict[str, float]:
    text = client.get("/metrics").content.decode()
    return {
        sample.labels["channel"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "gendan_failed_deliveries"
    }


def test_failed_deliveries_are_counted_by_channel(client, personas):
    assert failed_by_channel(client) == {}
    for index, (channel, status) in enumerate(
        [
            (Channel.EMAIL, DeliveryStatus.FAILED),
            (Channel.EMAIL, DeliveryStatus.FAILED),
            (Channel.WEBHOOK, DeliveryStatus.FAILED),
            (Channel.WEBHOOK, DeliveryStatus.SENT),
            (Channel.EMAIL, DeliveryStatus.PENDING),
        ]
    ):
        notice = Notification.objects.create(recipient=personas["rep1"], kind="rule", title=f"Notice {index}")
        NotificationDelivery.objects.create(notification=notice, channel=channel, status=status)

    assert failed_by_channel(client) == {"email": 2.0, "webhook": 1.0}


def test_dead_event_webhook_deliveries_are_counted_as_their_own_channel(client, personas):
    webhook = EventWebhook.objects.create(url="https://erp.example.com/hook", events=["*"], secret="s" * 20)
    event = Event.objects.create(verb="customer.created", content_type_id=1, object_id=1, object_repr="x")
    WebhookDelivery.objects.create(webhook=webhook, event=event, status=DeliveryStatus.FAILED, attempts=6)

    assert failed_by_channel(client) == {"event_webhook": 1.0}
