"""The outbox: each committed event reaches each subscriber once, failures are retried, misses are swept up."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from gendan.automation import outbox
from gendan.automation.models import DeliveryStatus, EventDelivery
from gendan.automation.tasks import sweep_outbox
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
        ("count", DeliveryStatus.SENT),
        ("flaky", DeliveryStatus.SENT),
    }
