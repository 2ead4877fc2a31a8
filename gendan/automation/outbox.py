"""The outbox: hand every committed event to every subscriber exactly once.

Each (event, subscriber) pair is one EventDelivery row. A subscriber's work and the
row's "sent" mark commit in one transaction, so a retry after a crash finds the row
either still pending (and acts) or sent (and skips): never twice, never lost.
"""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from gendan.core.models import Event

from .models import DeliveryStatus, EventDelivery

logger = logging.getLogger(__name__)

# name -> handler(event). Registered by the modules that react to events (rules, ...).
SUBSCRIBERS: dict[str, Callable[[Event], None]] = {}

MAX_ATTEMPTS = 5


def subscribe(name: str):
    def register(handler):
        SUBSCRIBERS[name] = handler
        return handler

    return register


def deliver_event(event: Event) -> None:
    for name, handler in SUBSCRIBERS.items():
        _deliver_once(event, name, handler)


def _deliver_once(event: Event, subscriber: str, handler) -> None:
    try:
        with transaction.atomic():
            delivery, _created = EventDelivery.objects.get_or_create(event=event, subscriber=subscriber)
    except IntegrityError:
        delivery = EventDelivery.objects.get(event=event, subscriber=subscriber)
    if delivery.status != DeliveryStatus.PENDING:
        return
    try:
        with transaction.atomic():
            # The row lock makes two workers handling the same event take turns; the
            # second sees "sent" and does nothing.
            locked = EventDelivery.objects.select_for_update().get(pk=delivery.pk)
            if locked.status != DeliveryStatus.PENDING:
                return
            handler(event)
            locked.status = DeliveryStatus.SENT
            locked.attempts += 1
            locked.processed_at = timezone.now()
            locked.save(update_fields=["status", "attempts", "processed_at"])
    except Exception as exc:  # one subscriber's failure must not stop the others
        logger.exception("Subscriber %s failed on event %s", subscriber, event.pk)
        attempts = delivery.attempts + 1
        EventDelivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            status=DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS else DeliveryStatus.PENDING,
        )


def deliver_events(event_ids) -> None:
    for event in Event.objects.filter(pk__in=list(event_ids)).select_related("content_type").order_by("pk"):
        deliver_event(event)


def events_needing_delivery(since, until):
    """Events recorded in [since, until) that some subscriber has not handled yet."""
    events = Event.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    done = EventDelivery.objects.filter(event__in=events).exclude(status=DeliveryStatus.PENDING)
    done_pairs = {(row.event_id, row.subscriber) for row in done.only("event_id", "subscriber")}
    return [
        event
        for event in events.select_related("content_type").order_by("pk")
        if any((event.pk, name) not in done_pairs for name in SUBSCRIBERS)
    ]
