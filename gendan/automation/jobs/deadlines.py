"""Huey job of the deadlines: the minute scan of due warnings and escalation steps."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from gendan.automation import deadlines


@db_periodic_task(crontab(minute="*"))
def scan_deadlines():
    # Safe to run twice or on two workers at once: each step re-checks its due time under a row lock.
    now = timezone.now()
    deadlines.scan_at_risk(now)
    deadlines.scan_escalations(now)
