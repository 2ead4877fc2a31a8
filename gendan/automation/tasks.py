"""Huey tasks: load by id, call a service or the outbox, safe to run twice."""

import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import outbox


@db_task()
def dispatch_events(event_ids):
    outbox.deliver_events(event_ids)


@db_task(retries=3, retry_delay=30)
def send_deliveries(delivery_ids):
    from .channels import send_due_deliveries

    send_due_deliveries(delivery_ids)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox():
    """Hand over events whose after-commit dispatch was lost (a worker died, the queue was down)."""
    now = timezone.now()
    # Leave the last minute to the regular dispatch; look back a day for what it missed.
    for event in outbox.events_needing_delivery(now - datetime.timedelta(days=1), now - datetime.timedelta(minutes=1)):
        outbox.deliver_event(event)


# Each part of automation keeps its periodic work in its own module; Huey discovers this one.
from . import tasks_channels, tasks_deadlines, tasks_rules  # noqa: E402, F401
