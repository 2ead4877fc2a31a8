"""Event webhooks: fan-out from the outbox, signed posts, back-off, dead letters, replay, and the lease."""

import datetime
import hashlib
import hmac
import json
import threading
import time
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from gendan.automation import webhooks
from gendan.automation.models import DeliveryStatus, EventWebhook, WebhookDelivery
from gendan.automation.outgoing import MAX_ATTEMPTS, RETRY_DELAYS
from gendan.automation.services_webhooks import webhook_delivery_replay
from gendan.automation.webhooks import claim, fan_out, send_due_webhook_deliveries
from gendan.core.models import Event
from gendan.crm.services import customer_create
from gendan.sales.services import order_submit
from tests.backbone import draft_order, stocked_products

from . import receivers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SECRET = "whsec-0123456789abcdef"
T0 = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


def verify(secret: str, headers, body: bytes) -> bool:
    """The receiver's check, word for word as docs/WEBHOOKS.md gives it."""
    timestamp = headers["X-Gendan-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(expected, headers["X-Gendan-Signature"])


@pytest.fixture
def erp():
    receiver = receivers.start("webhook", secret=SECRET)
    yield receiver
    receivers.stop(receiver)


def webhook_to(receiver, events=("*",), **fields) -> EventWebhook:
    return EventWebhook.objects.create(url=receiver.url, events=list(events), secret=receiver.secret, **fields)


def ids_received(receiver) -> list[str]:
    return [r.headers["X-Gendan-Delivery"] for r in receiver.requests]


def a_delivery(personas, webhook) -> WebhookDelivery:
    customer_create(actor=personas["rep1"], name="上海外滩客户")
    [delivery_id] = fan_out(Event.objects.get(verb="customer.created"))
    return WebhookDelivery.objects.get(pk=delivery_id)


def test_a_confirmed_order_reaches_the_webhooks_that_want_it_signed(personas, erp, django_capture_on_commit_callbacks):
    # given: webhooks for the confirmation, for everything, for something else, and one switched off
    confirmations = webhook_to(erp, ["order.confirmed"])
    everything = webhook_to(erp, ["*"])
    other = webhook_to(erp, ["customer.created"])
    off = webhook_to(erp, ["*"], active=False)
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    # when: the order is submitted and confirmed through its service, and its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        order_submit(order=order, actor=personas["rep1"])
    # then: one delivery per matching webhook and event of that transaction, nothing for the others
    committed = list(Event.objects.filter(verb__in=["order.submitted", "order.confirmed"]).order_by("pk"))
    confirmed = committed[-1]
    assert [(d.event.verb, d.status) for d in confirmations.deliveries.select_related("event")] == [
        ("order.confirmed", DeliveryStatus.SENT)
    ]
    assert set(everything.deliveries.values_list("event_id", flat=True)) >= {e.pk for e in committed}
    assert not other.deliveries.exists() and not off.deliveries.exists()
    # and: the receiver got it signed, under the delivery's id, with the event in the documented shape
    delivery = confirmations.deliveries.get()
    [request] = [r for r in erp.requests if r.headers["X-Gendan-Delivery"] == str(delivery.pk)]
    assert verify(SECRET, request.headers, request.body)
    assert request.json == {
        "id": str(delivery.pk),
        "event": {
            "id": confirmed.pk,
            "verb": "order.confirmed",
            "occurred_at": json.loads(json.dumps(confirmed.occurred_at, cls=DjangoJSONEncoder)),
            "object_type": "sales.order",
            "object_id": order.pk,
            "actor": {"id": personas["rep1"].pk, "username": "rep1", "name": str(personas["rep1"])},
            "changes": confirmed.changes,
            "data": confirmed.data,
        },
    }
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)
    # when: the event is handed over again (the sweep, a re-run job)
    assert fan_out(confirmed) == []
    assert WebhookDelivery.objects.filter(event=confirmed).count() == 2


def test_a_tampered_body_fails_the_documented_check(personas, erp):
    delivery = a_delivery(personas, webhook_to(erp))
    assert send_due_webhook_deliveries() == {"sent": 1}
    [request] = erp.requests
    assert verify(SECRET, request.headers, request.body)
    assert not verify(SECRET, request.headers, request.body.replace(b"customer", b"kustomer"))
    assert not verify("another-secret-of-16", request.headers, request.body)
    assert request.json["event"]["object_type"] == "crm.customer"
    assert request.json["id"] == str(delivery.pk)


def test_a_500_is_retried_along_the_ladder_then_the_delivery_is_dead_and_replayed(
    personas, erp, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False) as traveller:
        # given: the receiver answers 500 to every attempt of the ladder
        delivery = a_delivery(personas, webhook_to(erp))
        erp.fail_next(MAX_ATTEMPTS, status=500)
        waits = []
        for _attempt in range(MAX_ATTEMPTS - 1):
            assert send_due_webhook_deliveries() == {"retry": 1}
            delivery.refresh_from_db()
            waits.append(delivery.next_attempt_at - T0.astimezone(datetime.UTC))
            # not before its time
            assert send_due_webhook_deliveries() == {}
            traveller.move_to(delivery.next_attempt_at)
        assert send_due_webhook_deliveries() == {"failed": 1}
        # then: dead after the last attempt, with the receiver's answer kept
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
            DeliveryStatus.FAILED,
            MAX_ATTEMPTS,
            None,
        )
        assert delivery.last_status_code == 500
        assert delivery.last_error.startswith("HTTP 500")
        assert len(erp.requests) == MAX_ATTEMPTS
        assert send_due_webhook_deliveries() == {}
        # when: an administrator replays it, the receiver now well (the send goes out after the commit)
        with django_capture_on_commit_callbacks(execute=True):
            webhook_delivery_replay(delivery=delivery, actor=personas["admin"])
    # then: sent under the same id, a fresh ladder
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SENT, 1, 200)
    assert set(ids_received(erp)) == {str(delivery.pk)}
    assert len(erp.requests) == MAX_ATTEMPTS + 1
    cumulative = [sum(RETRY_DELAYS[:i], datetime.timedelta()) for i in range(1, MAX_ATTEMPTS)]
    assert waits == cumulative


def test_a_worker_killed_after_posting_leaves_the_lease_to_run_out_and_the_same_id_goes_again(personas, erp):
    with time_machine.travel(T0, tick=False) as traveller:
        # given: a worker posts the delivery and dies before recording it
        delivery = a_delivery(personas, webhook_to(erp))
        with (
            mock.patch.object(webhooks, "_mark_sent", side_effect=SystemExit("worker killed")),
            pytest.raises(SystemExit),
        ):
            send_due_webhook_deliveries()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)
        # when: other runs while the lease holds
        traveller.shift(webhooks.LEASE)
        assert send_due_webhook_deliveries() == {}
        assert send_due_webhook_deliveries([delivery.pk]) == {}
        # when: the lease has run out
        traveller.shift(datetime.timedelta(seconds=1))
        assert send_due_webhook_deliveries() == {"sent": 1}
        # then: sent once more, under the same id, and recorded; nothing after that
        assert send_due_webhook_deliveries() == {}
    assert ids_received(erp) == [str(delivery.pk)] * 2
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.claimed_until) == (DeliveryStatus.SENT, 2, None)


def test_a_claim_never_recorded_is_sent_once_after_the_lease_and_the_dead_worker_cannot_record(personas, erp):
    with time_machine.travel(T0, tick=False) as traveller:
        # given: a worker claims and dies without posting or recording
        delivery = a_delivery(personas, webhook_to(erp))
        stale_lease = claim(WebhookDelivery.objects.get(pk=delivery.pk))
        assert stale_lease is not None
        assert send_due_webhook_deliveries() == {}
        assert erp.requests == []
        # when: the lease runs out and another worker runs
        traveller.shift(webhooks.LEASE + datetime.timedelta(seconds=1))
        assert send_due_webhook_deliveries() == {"sent": 1}
        # then: the late first worker's outcome is not taken
        webhooks._record_failure(delivery, stale_lease, "late news from a dead worker")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.SENT, "")
    assert ids_received(erp) == [str(delivery.pk)]


def test_two_workers_cannot_both_claim_a_delivery(personas, erp):
    delivery = a_delivery(personas, webhook_to(erp))
    first, second = WebhookDelivery.objects.get(pk=delivery.pk), WebhookDelivery.objects.get(pk=delivery.pk)
    assert claim(first) is not None
    assert claim(second) is None
    # and through the whole loop: the row taken by one is skipped by the other
    assert webhooks.deliver(second) == "skipped"
    assert erp.requests == []


def test_a_switched_off_webhook_kills_its_waiting_deliveries(personas, erp):
    webhook = webhook_to(erp)
    delivery = a_delivery(personas, webhook)
    EventWebhook.objects.filter(pk=webhook.pk).update(active=False)
    assert send_due_webhook_deliveries() == {"failed": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.FAILED, "The webhook is switched off.")
    assert erp.requests == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_each_delivery_once(personas):
    # given: ten deliveries and a slow receiver, so the workers overlap
    erp = receivers.start("webhook", secret=SECRET, delay=0.05)
    try:
        # (the webhook comes after the events: here each commit would otherwise send at once, Huey being immediate)
        for index in range(10):
            customer_create(actor=personas["rep1"], name=f"并发客户{index}")
        webhook = webhook_to(erp)
        for event in Event.objects.filter(verb="customer.created"):
            fan_out(event)
        start = threading.Barrier(4)
        outcomes = []

        def worker():
            try:
                start.wait()
                outcomes.append(send_due_webhook_deliveries())
            finally:
                connection.close()

        # when: four workers run at once
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        receivers.stop(erp)
    # then: each delivery reached the receiver once, recorded by the worker that claimed it
    deliveries = list(webhook.deliveries.order_by("pk"))
    assert sorted(ids_received(erp), key=int) == [str(d.pk) for d in deliveries]
    assert sum(o.get("sent", 0) for o in outcomes) == 10
    assert {(d.status, d.attempts) for d in deliveries} == {(DeliveryStatus.SENT, 1)}
