"""Huey job of the daily digest."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gendan.automation.digest import send_daily_digests


@db_periodic_task(crontab(minute="*/15"))
def send_daily_digest():
    """Every quarter of an hour, so 09:00 is met in every time zone (some are offset by 30 or 45 minutes).

    No lock needed: each digest's dedupe key lets only one run send it.
    """
    send_daily_digests()
