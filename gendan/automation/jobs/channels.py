"""Huey jobs of the channels: send notices by e-mail and webhook, load by id, safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from gendan.automation.channels import send_due_customer_messages, send_due_deliveries


@db_task(retries=3, retry_delay=30)
def send_deliveries(delivery_ids):
    send_due_deliveries(delivery_ids)


@db_periodic_task(crontab(minute="*"))
def send_pending_deliveries():
    """Retries whose back-off has passed, notices held back by quiet hours, and any after-commit send that was lost."""
    send_due_deliveries()


@db_task(retries=3, retry_delay=30)
def send_customer_messages(message_ids):
    send_due_customer_messages(message_ids)


@db_periodic_task(crontab(minute="*"))
def send_pending_customer_messages():
    """Customers' e-mails whose retry is due, and any after-commit send that was lost."""
    send_due_customer_messages()
