"""Huey jobs of the outbox: hand committed events to their subscribers, sweep up what was missed."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from gendan.automation import outbox


@db_task()
def dispatch_events(event_ids):
    outbox.deliver_events(event_ids)


@db_periodic_task(crontab(minute="*"))
@lock_task("automation-sweep-outbox")
def sweep_outbox():
    """Hand over events whose after-commit dispatch was lost (a worker died, the queue was down)."""
    outbox.sweep()
