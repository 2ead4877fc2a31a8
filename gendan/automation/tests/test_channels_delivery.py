"""Deliveries go out at most once: retries with back-off, crashes, concurrent senders, quiet hours."""

import datetime
import threading
import zoneinfo
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from gendan.automation import channels
from gendan.automation.channels import quiet_until, send_due_deliveries
from gendan.automation.models import DeliveryStatus, NotificationDelivery, NotificationPreference, WebhookEndpoint
from gendan.automation.services import notification_delivery_requeue
from gendan.core.models import Event

from . import receivers
from .receivers import delivery_to

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
LONDON = zoneinfo.ZoneInfo("Europe/London")
T0 = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def hook():
    receiver = receivers.start("webhook", secret="whsec-1")
    yield receiver
    receivers.stop(receiver)


@pytest.fixture
def endpoint(personas, hook):
    return WebhookEndpoint.objects.create(
        name="Ops system", kind="webhook", url=hook.url, secret=hook.secret, user=personas["rep1"]
    )


def delivered_ids(receiver) -> list[str]:
    return [r.headers["X-Gendan-Delivery"] for r in receiver.requests]


@pytest.mark.django_db
def test_a_500_is_retried_after_the_back_off(personas, endpoint, hook, english):
    with time_machine.travel(T0, tick=False) as traveller:
        # given: the receiver fails once
        delivery = delivery_to(personas["rep1"], endpoint)
        hook.fail_next(1, status=500)
        # when
        assert send_due_deliveries() == {"retry": 1}
        # then: back to pending for one minute, the error kept
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
        assert delivery.next_attempt_at == T0 + datetime.timedelta(minutes=1)
        assert delivery.last_error.startswith("HTTP 500")
        # when: run again before the back-off is over
        traveller.shift(datetime.timedelta(seconds=59))
        assert send_due_deliveries() == {}
        assert len(hook.requests) == 1
        # when: after it
        traveller.shift(datetime.timedelta(seconds=1))
        assert send_due_deliveries() == {"sent": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 2, "")
    assert delivered_ids(hook) == [str(delivery.pk)] * 2


@pytest.mark.django_db
def test_back_off_grows_and_gives_up_after_the_last_attempt(personas, endpoint, hook, english):
    with time_machine.travel(T0, tick=False) as traveller:
        delivery = delivery_to(personas["rep1"], endpoint)
        hook.fail_next(channels.MAX_ATTEMPTS, status=503)
        waits = []
        for _attempt in range(channels.MAX_ATTEMPTS - 1):
            assert send_due_deliveries() == {"retry": 1}
            delivery.refresh_from_db()
            waits.append(delivery.next_attempt_at - timezone.now())
            traveller.move_to(delivery.next_attempt_at)
        assert send_due_deliveries() == {"failed": 1}
    assert waits == [
        datetime.timedelta(minutes=1),
        datetime.timedelta(minutes=5),
        datetime.timedelta(minutes=30),
        datetime.timedelta(hours=2),
        datetime.timedelta(hours=6),
    ]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.FAILED, 6, None)
    assert delivery.last_error.startswith("HTTP 503")
    assert len(hook.requests) == channels.MAX_ATTEMPTS


@pytest.mark.django_db
def test_a_crash_between_sending_and_recording_never_sends_twice(personas, endpoint, hook, english):
    with time_machine.travel(T0, tick=False) as traveller:
        # given: the worker dies right after the receiver got the message
        delivery = delivery_to(personas["rep1"], endpoint)
        crash = mock.patch.object(channels, "_mark_sent", side_effect=RuntimeError("worker killed"))
        with crash, pytest.raises(RuntimeError):
            send_due_deliveries()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENDING, 1)
        # when: another run, and the task run again for this very row
        assert send_due_deliveries() == {}
        assert send_due_deliveries([delivery.pk]) == {}
        # then: the receiver saw it once
        assert delivered_ids(hook) == [str(delivery.pk)]
        # when: the claim times out
        traveller.shift(channels.SENDING_TIMEOUT + datetime.timedelta(seconds=1))
        assert send_due_deliveries() == {}
    # then: failed, with the reason for operators, and still sent only once
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("The worker stopped while sending this message")
    assert len(hook.requests) == 1


@pytest.mark.django_db
def test_a_claim_within_the_timeout_is_left_alone(personas, endpoint, hook):
    with time_machine.travel(T0, tick=False) as traveller:
        delivery = delivery_to(personas["rep1"], endpoint)
        NotificationDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENDING, attempts=1, claimed_at=T0
        )
        traveller.shift(channels.SENDING_TIMEOUT)
        assert send_due_deliveries() == {}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING
    assert hook.requests == []


@pytest.mark.django_db
def test_an_operator_requeues_a_failed_delivery_with_the_same_id(personas, endpoint, hook):
    # given: a failed delivery
    delivery = delivery_to(personas["rep1"], endpoint)
    hook.fail_next(channels.MAX_ATTEMPTS)
    NotificationDelivery.objects.filter(pk=delivery.pk).update(attempts=channels.MAX_ATTEMPTS - 1)
    delivery.refresh_from_db()
    assert send_due_deliveries() == {"failed": 1}
    hook.forced.clear()
    # when
    count = notification_delivery_requeue(actor=personas["admin"], deliveries=[delivery])
    # then: a fresh round, recorded, and sent with the same id so the receiver can tell it is a repeat
    assert count == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    event = Event.objects.get(verb="notification_delivery.requeued")
    assert (event.actor_id, event.object_id, event.data["attempts"]) == (personas["admin"].pk, delivery.pk, 6)
    assert send_due_deliveries() == {"sent": 1}
    assert delivered_ids(hook) == [str(delivery.pk)] * 2


@pytest.mark.django_db
def test_requeue_ignores_deliveries_that_have_not_failed(personas, endpoint):
    delivery = delivery_to(personas["rep1"], endpoint)

    assert notification_delivery_requeue(actor=personas["admin"], deliveries=[delivery]) == 0

    assert not Event.objects.filter(verb="notification_delivery.requeued").exists()


@pytest.mark.django_db
def test_the_send_task_run_twice_sends_once(personas, endpoint, hook):
    delivery = delivery_to(personas["rep1"], endpoint)

    assert send_due_deliveries([delivery.pk]) == {"sent": 1}
    assert send_due_deliveries([delivery.pk]) == {}

    assert delivered_ids(hook) == [str(delivery.pk)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_never_send_twice(personas):
    # given: ten deliveries and a slow receiver, so the senders overlap
    hook = receivers.start("webhook", secret="whsec-1", delay=0.05)
    try:
        endpoint = WebhookEndpoint.objects.create(
            name="Ops", kind="webhook", url=hook.url, secret=hook.secret, user=personas["rep1"]
        )
        deliveries = [delivery_to(personas["rep1"], endpoint) for _ in range(10)]
        start = threading.Barrier(4)
        outcomes = []

        def sender():
            try:
                start.wait()
                outcomes.append(send_due_deliveries())
            finally:
                connection.close()

        # when: four workers run at once
        threads = [threading.Thread(target=sender) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        receivers.stop(hook)
    # then: every delivery arrived exactly once
    assert sorted(delivered_ids(hook), key=int) == [str(d.pk) for d in deliveries]
    assert sum(o.get("sent", 0) for o in outcomes) == 10
    assert list(NotificationDelivery.objects.values_list("status", "attempts").distinct()) == [("sent", 1)]


@pytest.mark.django_db
def test_quiet_hours_hold_a_delivery_until_they_end(personas, endpoint, hook):
    # given: Alice (Shanghai) is quiet from 22:00 to 07:30
    NotificationPreference.objects.create(
        user=personas["rep1"], kind="*", channels=["webhook"], quiet_start="22:00", quiet_end="07:30"
    )
    night = datetime.datetime(2026, 3, 10, 23, 15, tzinfo=SHANGHAI)
    with time_machine.travel(night, tick=False) as traveller:
        delivery = delivery_to(personas["rep1"], endpoint)
        # when
        assert send_due_deliveries() == {"deferred": 1}
        # then: not sent, due when the quiet hours end, no attempt used up
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == datetime.datetime(2026, 3, 11, 7, 30, tzinfo=SHANGHAI)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
        traveller.move_to(datetime.datetime(2026, 3, 11, 7, 29, tzinfo=SHANGHAI))
        assert send_due_deliveries() == {}
        assert hook.requests == []
        # when: the quiet hours end
        traveller.move_to(datetime.datetime(2026, 3, 11, 7, 30, tzinfo=SHANGHAI))
        assert send_due_deliveries() == {"sent": 1}
    assert len(hook.requests) == 1


@pytest.mark.django_db
def test_quiet_hours_follow_the_recipients_time_zone(personas, endpoint, hook):
    # given: the same quiet hours, but Alice lives in London, where it is 15:15
    rep1 = personas["rep1"]
    rep1.time_zone = "Europe/London"
    rep1.save()
    NotificationPreference.objects.create(user=rep1, kind="*", quiet_start="22:00", quiet_end="07:30")
    with time_machine.travel(datetime.datetime(2026, 3, 10, 23, 15, tzinfo=SHANGHAI), tick=False):
        delivery_to(rep1, endpoint)
        # when / then
        assert send_due_deliveries() == {"sent": 1}


def test_quiet_until():
    quiet = (datetime.time(22, 0), datetime.time(7, 30))
    lunch = (datetime.time(12, 0), datetime.time(13, 0))

    def at(hour, minute=0):
        return datetime.datetime(2026, 3, 10, hour, minute, tzinfo=SHANGHAI)

    assert quiet_until(at(21, 59), SHANGHAI, *quiet) is None
    assert quiet_until(at(22, 0), SHANGHAI, *quiet) == datetime.datetime(2026, 3, 11, 7, 30, tzinfo=SHANGHAI)
    assert quiet_until(at(3, 0), SHANGHAI, *quiet) == datetime.datetime(2026, 3, 10, 7, 30, tzinfo=SHANGHAI)
    assert quiet_until(at(7, 30), SHANGHAI, *quiet) is None
    assert quiet_until(at(12, 30), SHANGHAI, *lunch) == at(13, 0)
    assert quiet_until(at(13, 0), SHANGHAI, *lunch) is None
    # The same instant is 04:30 in London, inside the quiet hours there.
    assert quiet_until(at(12, 30), LONDON, *quiet) == datetime.datetime(2026, 3, 10, 7, 30, tzinfo=LONDON)
    assert quiet_until(at(12, 30), SHANGHAI, None, None) is None


def test_the_database_refuses_a_second_email_delivery_of_one_notice(personas):
    from django.db import IntegrityError, transaction

    from gendan.automation.models import Channel, Notification

    notice = Notification.objects.create(recipient=personas["rep1"], kind="rule", title="Call back")
    NotificationDelivery.objects.create(notification=notice, channel=Channel.EMAIL)

    with pytest.raises(IntegrityError), transaction.atomic():
        NotificationDelivery.objects.create(notification=notice, channel=Channel.EMAIL)

    assert NotificationDelivery.objects.filter(notification=notice).count() == 1
