"""The outbox: hand every committed event to every subscriber exactly once.

Each (event, subscriber) pair is one EventDelivery row. A subscriber's work and the
row's "sent" mark commit in one transaction, so a retry after a crash finds the row
either still pending (and acts) or sent (and skips): never twice, never lost.

Each event is handed over right after its transaction commits; the sweep catches what that
missed, reading the log from a cursor (OutboxCursor) rather than re-reading the last day.
"""

import datetime
import functools
import itertools
import logging
import operator
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from gendan.core.models import Event

from .models import DeliveryStatus, EventDelivery, OutboxCursor

logger = logging.getLogger(__name__)

# name -> handler(event). Registered by the modules that react to events (rules, ...).
SUBSCRIBERS: dict[str, Callable[[Event], None]] = {}

MAX_ATTEMPTS = 5
# The sweep leaves the last minute to the regular after-commit dispatch, and waits a day for an
# id missing below the events it has passed (a transaction still open when they were swept).
SWEEP_DELAY = datetime.timedelta(minutes=1)
SWEEP_LOOK_BACK = datetime.timedelta(days=1)
SWEEP_BATCH = 500


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


def sweep(now: datetime.datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Hand over what the after-commit dispatch missed, reading the log from the cursor on.

    Reads the events after the cursor in id order, a batch at a time, up to the last minute
    (left to the regular dispatch), and the gaps below it (OutboxCursor says why); delivers
    what some subscriber still lacks; moves the cursor over the events now done. Returns the
    number of events read.
    """
    now = now or timezone.now()
    until = now - SWEEP_DELAY
    cursor = _cursor(now)
    gaps = [gap for gap in cursor.gaps if datetime.datetime.fromisoformat(gap[2]) > now - SWEEP_LOOK_BACK]
    read = 0
    if gaps:
        awaited = functools.reduce(operator.or_, (Q(pk__range=(first, last)) for first, last, _seen in gaps))
        appeared = list(_events().filter(awaited, occurred_at__lt=until))
        read += len(appeared)
        gaps = _without(gaps, _deliver_missing(appeared))
    position = reached = cursor.last_event_id
    held = False
    while True:
        batch = list(_events().filter(pk__gt=position)[:batch_size])
        ready = list(itertools.takewhile(lambda event: event.occurred_at < until, batch))
        if not ready:
            break
        read += len(ready)
        done = _deliver_missing(ready)
        for event in ready:
            held = held or event.pk not in done
            if not held:
                if event.pk > reached + 1:
                    gaps.append([reached + 1, event.pk - 1, now.isoformat()])
                reached = event.pk
        position = ready[-1].pk
        if len(ready) < batch_size:
            break
    if (reached, gaps) != (cursor.last_event_id, cursor.gaps):
        # Compare and set: should two sweeps overlap (the job's lock prevents it), the first to write wins.
        OutboxCursor.objects.filter(pk=cursor.pk, updated_at=cursor.updated_at).update(
            last_event_id=reached, gaps=gaps, updated_at=timezone.now()
        )
    return read


def _events():
    return Event.objects.select_related("content_type").order_by("pk")


def _cursor(now: datetime.datetime) -> OutboxCursor:
    """The cursor; the first sweep starts where the old day-long look-back began."""
    cursor = OutboxCursor.objects.filter(pk=1).first()
    if cursor is not None:
        return cursor
    first_recent = Event.objects.filter(occurred_at__gte=now - SWEEP_LOOK_BACK).aggregate(first=Min("pk"))["first"]
    last = Event.objects.aggregate(last=Max("pk"))["last"] or 0
    start = last if first_recent is None else first_recent - 1
    try:
        with transaction.atomic():
            return OutboxCursor.objects.create(pk=1, last_event_id=start)
    except IntegrityError:
        return OutboxCursor.objects.get(pk=1)


def _deliver_missing(events: list[Event]) -> set[int]:
    """Hand each event to the subscribers that have not handled it; the ids now done by every one."""
    done = _done_pairs([event.pk for event in events])
    tried = []
    for event in events:
        missing = [name for name in SUBSCRIBERS if (event.pk, name) not in done]
        for name in missing:
            _deliver_once(event, name, SUBSCRIBERS[name])
        if missing:
            tried.append(event.pk)
    if tried:
        done |= _done_pairs(tried)
    return {event.pk for event in events if all((event.pk, name) in done for name in SUBSCRIBERS)}


def _done_pairs(event_ids: list[int]) -> set[tuple[int, str]]:
    """(event, subscriber) pairs sent or failed for good: nothing more to do for them."""
    if not event_ids:
        return set()
    rows = EventDelivery.objects.filter(event_id__in=event_ids).exclude(status=DeliveryStatus.PENDING)
    return set(rows.values_list("event_id", "subscriber"))


def _without(gaps: list, done: set[int]) -> list:
    """The gaps with the ids now done taken out of them."""
    kept = []
    for first, last, seen in gaps:
        start = first
        for pk in sorted(pk for pk in done if first <= pk <= last):
            if pk > start:
                kept.append([start, pk - 1, seen])
            start = pk + 1
        if start <= last:
            kept.append([start, last, seen])
    return kept
