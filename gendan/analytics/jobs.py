"""Huey job of the scheduled reports."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .sending import send_due_reports


@db_periodic_task(crontab(minute="*/15"))
def send_scheduled_reports():
    """Every quarter of an hour, so a report's time is met in every time zone (some are offset by 30 or 45 minutes).

    No lock needed: each notice's dedupe key lets only one run send it.
    """
    send_due_reports()
