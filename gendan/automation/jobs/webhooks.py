"""Huey jobs of the event webhooks: send the deliveries handed over after a commit, and whatever is due."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from gendan.automation.webhooks import send_due_webhook_deliveries, webhook_deliveries_purge_old


@db_task(retries=3, retry_delay=30)
def send_webhook_deliveries(delivery_ids):
    send_due_webhook_deliveries(delivery_ids)


@db_periodic_task(crontab(minute="*"))
def send_pending_webhook_deliveries():
    """Retries whose back-off has passed, leases that ran out with their worker, and any lost after-commit send."""
    send_due_webhook_deliveries()


@db_periodic_task(crontab(minute="47"))
@lock_task("automation-purge-webhook-deliveries")
def purge_webhook_deliveries():
    """Hourly: the delivery log keeps sent rows and dead letters for their days (docs/WEBHOOKS.md), then lets go."""
    webhook_deliveries_purge_old()
