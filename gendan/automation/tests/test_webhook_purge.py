"""The delivery log lets go of old rows: sent ones after WEBHOOK_DELIVERY_KEEP_DAYS, dead letters after
WEBHOOK_DEAD_LETTER_KEEP_DAYS; rows still on their way are never deleted."""

import datetime

import pytest
from django.utils import timezone

from gendan.automation.jobs.webhooks import purge_webhook_deliveries
from gendan.automation.models import DeliveryStatus, EventWebhook, WebhookDelivery
from gendan.automation.webhooks import webhook_deliveries_purge_old
from gendan.core.models import Event
from gendan.crm.services import customer_create

pytestmark = pytest.mark.django_db


def test_old_rows_go_dead_letters_stay_longer_and_waiting_ones_stay(personas, settings):
    settings.WEBHOOK_DELIVERY_KEEP_DAYS = 30
    settings.WEBHOOK_DEAD_LETTER_KEEP_DAYS = 90
    webhook = EventWebhook.objects.create(url="https://erp.example.com/in", events=["*"], secret="s" * 20)
    for index in range(7):
        customer_create(actor=personas["rep1"], name=f"清理客户{index}")
    events = list(Event.objects.filter(verb="customer.created").order_by("pk"))
    now = timezone.now()
    days = datetime.timedelta(days=1)

    def row(event, status, **times):
        return WebhookDelivery.objects.create(webhook=webhook, event=event, status=status, **times).pk

    row(events[0], DeliveryStatus.SENT, sent_at=now - 31 * days)
    new_sent = row(events[1], DeliveryStatus.SENT, sent_at=now - 29 * days)
    old_dead = row(events[2], DeliveryStatus.FAILED)
    young_dead = row(events[3], DeliveryStatus.FAILED)
    old_pending = row(events[4], DeliveryStatus.PENDING, next_attempt_at=now - 100 * days)
    # updated_at is set on save (auto_now): age the dead letters with an update, as their death would have.
    WebhookDelivery.objects.filter(pk=old_dead).update(updated_at=now - 91 * days)
    WebhookDelivery.objects.filter(pk=young_dead).update(updated_at=now - 60 * days)
    WebhookDelivery.objects.filter(pk=old_pending).update(updated_at=now - 100 * days)

    assert webhook_deliveries_purge_old(now=now) == {"sent": 1, "failed": 1}
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {new_sent, young_dead, old_pending}
    # the events stay in the event log
    assert Event.objects.filter(pk__in=[events[0].pk, events[2].pk]).count() == 2
    # and a second run finds nothing more
    assert webhook_deliveries_purge_old(now=now) == {"sent": 0, "failed": 0}


def test_the_hourly_job_deletes_in_batches(personas, settings, monkeypatch):
    monkeypatch.setattr("gendan.automation.webhooks.BATCH_SIZE", 2)
    settings.WEBHOOK_DELIVERY_KEEP_DAYS = 1
    webhook = EventWebhook.objects.create(url="https://erp.example.com/in", events=["*"], secret="s" * 20)
    for index in range(5):
        customer_create(actor=personas["rep1"], name=f"批量客户{index}")
    long_ago = timezone.now() - datetime.timedelta(days=2)
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=webhook, event=event, status=DeliveryStatus.SENT, sent_at=long_ago)
        for event in Event.objects.filter(verb="customer.created")
    )
    purge_webhook_deliveries.call_local()
    assert not WebhookDelivery.objects.exists()
