"""What automation adds to /metrics (gendan.core.metrics): notices that could not be delivered, by channel."""

from django.db.models import Count

from .models import DeliveryStatus, NotificationDelivery


def failed_deliveries():
    rows = (
        NotificationDelivery.objects.filter(status=DeliveryStatus.FAILED)
        .values_list("channel")
        .annotate(count=Count("id"))
        .order_by("channel")
    )
    return [((channel,), count) for channel, count in rows]
