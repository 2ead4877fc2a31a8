"""The outbox: each committed event reaches each subscriber once, failures are retried, misses are swept up."""

import datetime
import threading

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from gendan.automation import outbox
from gendan.automation.jobs.outbox import sweep_outbox
from gendan.automation.models import DeliveryStatus, EventDelivery, OutboxCursor
from gendan.core.models import Event
from gendan.crm.services import customer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch):
    """Two test subscribers beside the real ones: "count" records each call, "flaky" fails while told to."""
    seen = {"count": [], "flaky": [], "fail": True}

    def count(event):
        seen["count"].append(event.pk)

    def flaky(event):
        seen["flaky"].append(event.pk)
        if seen["fail"]:
            raise RuntimeError("webhook down")

    monkeypatch.setitem(outbox.SUBSCRIBERS, "count", count)
    monkeypatch.setitem(outbox.SUBSCRIBERS, "flaky", flaky)
    return seen


def _created_event():
    return Event.objects.get(verb="customer.created")


def test_an_event_dispatched_twice_is_handled_once(personas, calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer_create(actor=personas["rep1"], name="上海外滩客户")
    event = _created_event()

    outbox.deliver_events([event.pk])

    assert calls["count"] == [event.pk]
    delivery = EventDelivery.objects.get(event=event, subscriber="count")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert EventDelivery.objects.get(event=event, subscriber="rules").status == DeliveryStatus.SENT


def test_a_failing_subscriber_is_retried_and_the_others_still_run(personas, calls):
    customer_create(actor=personas["rep1"], name="上海外滩客户")
    event = _created_event()

    # when: the first delivery, with "flaky" failing
    outbox.deliver_events([event.pk])

    # then: "count" got it, "flaky" is pending with its error kept
    assert calls["count"] == [event.pk]
    flaky = EventDelivery.objects.get(event=event, subscriber="flaky")
    assert (flaky.status, flaky.attempts, flaky.last_error) == (DeliveryStatus.PENDING, 1, "RuntimeError: webhook down")

    # when: delivered again once "flaky" works
    calls["fail"] = False
    outbox.deliver_events([event.pk])

    # then: "flaky" got it a second time and is done; "count" was not called again
    flaky.refresh_from_db()
    assert (flaky.status, flaky.attempts, flaky.last_error) == (DeliveryStatus.SENT, 2, "RuntimeError: webhook down")
    assert calls["flaky"] == [event.pk, event.pk]
    assert calls["count"] == [event.pk]


def test_a_subscriber_failing_every_time_is_given_up_after_the_last_attempt(personas, calls):
    customer_create(actor=personas["rep1"], name="上海外滩客户")
    event = _created_event()

    for _attempt in range(outbox.MAX_ATTEMPTS + 2):
        outbox.deliver_events([event.pk])

    flaky = EventDelivery.objects.get(event=event, subscriber="flaky")
    assert (flaky.status, flaky.attempts) == (DeliveryStatus.FAILED, outbox.MAX_ATTEMPTS)
    assert len(calls["flaky"]) == outbox.MAX_ATTEMPTS


def test_the_sweep_delivers_an_event_whose_dispatch_was_lost(personas, calls):
    # given: an event whose after-commit hand-over never ran (callbacks are not executed here)
    customer_create(actor=personas["rep1"], name="上海外滩客户")
    event = _created_event()
    assert not EventDelivery.objects.filter(event=event).exists()

    # when: the sweep runs within the first minute, then after it, twice
    sweep_outbox.call_local()
    assert calls["count"] == []
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2), tick=False):
        calls["fail"] = False
        sweep_outbox.call_local()
        sweep_outbox.call_local()

    # then: every subscriber got it exactly once
    assert calls["count"] == [event.pk]
    assert calls["flaky"] == [event.pk]
    assert set(EventDelivery.objects.filter(event=event).values_list("subscriber", "status")) == {
        ("rules", DeliveryStatus.SENT),
        ("webhooks", DeliveryStatus.SENT),
        ("count", DeliveryStatus.SENT),
        ("flaky", DeliveryStatus.SENT),
    }


# --- the sweep's cursor ----------------------------------------------------------------------------


@pytest.fixture
def only(monkeypatch):
    """Replace the subscribers with the test's own, so no rule acts (and writes events) meanwhile."""

    def subscribe(**handlers):
        monkeypatch.setattr(outbox, "SUBSCRIBERS", handlers)

    return subscribe


def _later(minutes=2):
    return timezone.now() + datetime.timedelta(minutes=minutes)


def _cursor():
    return OutboxCursor.objects.values_list("last_event_id", "gaps").get()


def test_the_sweep_moves_its_cursor_past_what_it_handed_over_and_reads_nothing_twice(
    personas, only, django_assert_num_queries
):
    # given: two events whose dispatch was lost
    seen = []
    only(count=lambda event: seen.append(event.pk))
    customer_create(actor=personas["rep1"], name="上海外滩客户")
    customer_create(actor=personas["rep1"], name="杭州西湖客户")
    events = list(Event.objects.order_by("pk").values_list("pk", flat=True))

    # when
    read = outbox.sweep(now=_later())

    # then: every event went out once and the cursor stands after the last one
    assert (read, seen) == (len(events), events)
    assert _cursor() == (events[-1], [])

    # when: the next minute's sweep
    with django_assert_num_queries(2):  # the cursor, and the events after it: none
        read = outbox.sweep(now=_later(3))

    # then
    assert (read, seen) == (0, events)


def test_the_first_sweep_starts_where_the_old_day_long_look_back_began(personas, only):
    seen = []
    only(count=lambda event: seen.append(event.pk))
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2), tick=False):
        customer_create(actor=personas["rep1"], name="两天前的客户")
    old = Event.objects.order_by("pk").last().pk
    customer_create(actor=personas["rep1"], name="今天的客户")
    recent = list(Event.objects.filter(pk__gt=old).order_by("pk").values_list("pk", flat=True))

    outbox.sweep(now=_later())

    assert seen == recent
    assert _cursor() == (recent[-1], [])


def test_an_event_still_pending_holds_the_cursor_and_the_events_after_it_still_go_out(personas, only):
    # given: a subscriber failing on the first of two events
    customer_create(actor=personas["rep1"], name="上海外滩客户")
    first = Event.objects.order_by("pk").last().pk
    customer_create(actor=personas["rep1"], name="杭州西湖客户")
    last = Event.objects.order_by("pk").last().pk
    broken = {first}
    seen = []

    def picky(event):
        seen.append(event.pk)
        if event.pk in broken:
            raise RuntimeError("webhook down")

    only(picky=picky)
    start = OutboxCursor.objects.filter(pk=1).first()

    # when
    outbox.sweep(now=_later())

    # then: the later event went out, the cursor waits before the pending one
    cursor, gaps = _cursor()
    assert cursor < first and gaps == []
    assert EventDelivery.objects.get(event_id=first).status == DeliveryStatus.PENDING
    assert EventDelivery.objects.get(event_id=last).status == DeliveryStatus.SENT
    assert start is None

    # when: the next sweep, once the subscriber works
    broken.clear()
    outbox.sweep(now=_later(3))

    # then: the pending event went out, the later one was not handed over again
    assert seen.count(first) == 2 and seen.count(last) == 1
    assert _cursor() == (last, [])


def test_an_event_committed_after_the_cursor_passed_its_id_is_still_swept(personas, only):
    # given: ids are taken at insert and committed in any order; the event after a missing id
    # (a transaction still open) is committed and swept first
    seen = []
    only(count=lambda event: seen.append(event.pk))
    outbox.sweep(now=_later())
    before, _gaps = _cursor()
    user_type = ContentType.objects.get_for_model(personas["rep1"])

    def event(pk):
        return Event.objects.create(
            pk=pk, verb="user.noted", content_type=user_type, object_id=personas["rep1"].pk, object_repr="rep1"
        )

    event(before + 2)
    swept_at = _later()
    outbox.sweep(now=swept_at)
    assert _cursor() == (before + 2, [[before + 1, before + 1, swept_at.isoformat()]])

    # when: the long transaction commits its event, and the next sweep runs
    event(before + 1)
    outbox.sweep(now=_later(3))

    # then: it went out, and the gap is closed
    assert seen == [before + 2, before + 1]
    assert _cursor() == (before + 2, [])


def test_a_missing_id_is_waited_for_a_day_then_dropped(personas, only):
    only(count=lambda event: None)
    outbox.sweep(now=_later())
    before, _gaps = _cursor()
    user_type = ContentType.objects.get_for_model(personas["rep1"])
    Event.objects.create(
        pk=before + 2, verb="user.noted", content_type=user_type, object_id=personas["rep1"].pk, object_repr="rep1"
    )
    swept_at = _later()
    outbox.sweep(now=swept_at)

    # a rolled-back id never comes: looked up for a day, then given up
    outbox.sweep(now=swept_at + datetime.timedelta(hours=23))
    assert _cursor() == (before + 2, [[before + 1, before + 1, swept_at.isoformat()]])
    outbox.sweep(now=swept_at + datetime.timedelta(days=1, minutes=1))
    assert _cursor() == (before + 2, [])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_long_transaction_committed_after_a_later_one_is_still_swept(personas, only):
    # Real transactions: only PostgreSQL lets a second writer commit while the first is open.
    if connection.vendor != "postgresql":
        pytest.skip("runs when the suite runs on postgresql")
    seen = []
    only(count=lambda event: seen.append(event.pk))
    user_type = ContentType.objects.get_for_model(personas["rep1"])
    fields = {"verb": "user.noted", "content_type": user_type, "object_id": personas["rep1"].pk, "object_repr": "rep1"}
    recorded, release = threading.Event(), threading.Event()

    def long_transaction():
        try:
            with transaction.atomic():
                Event.objects.create(**fields)
                recorded.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    # given: an open transaction holds an event id; a later event is committed and swept meanwhile
    outbox.sweep(now=_later())  # the cursor exists before either
    thread = threading.Thread(target=long_transaction)
    thread.start()
    try:
        assert recorded.wait(timeout=10)
        later = Event.objects.create(**fields)
        outbox.sweep(now=_later())
        cursor, gaps = _cursor()
        assert cursor == later.pk and _awaited(gaps, later.pk - 1)
    finally:
        # when: the long transaction commits
        release.set()
        thread.join(timeout=10)
    outbox.sweep(now=_later(3))

    # then: its event went out, and its id is no longer awaited
    assert seen[-2:] == [later.pk, later.pk - 1]
    cursor, gaps = _cursor()
    assert cursor == later.pk and not _awaited(gaps, later.pk - 1)


def _awaited(gaps, pk) -> bool:
    # Ids below the first one this test's database hands out may be awaited too: the table is
    # emptied between such tests, its id sequence is not.
    return any(first <= pk <= last for first, last, _seen in gaps)
