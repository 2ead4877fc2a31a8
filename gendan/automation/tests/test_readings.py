"""/metrics counts the notices that failed for good, by channel (registered by automation in core's readings)."""

from prometheus_client.parser import text_string_to_metric_families

from gendan.automation.models import Channel, DeliveryStatus, Notification, NotificationDelivery


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
