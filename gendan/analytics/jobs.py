"""Huey jobs of analytics, each its own function (AnalyticsConfig.ready() imports this module for the worker)."""

import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from gendan.analytics.alerts import alerts_evaluate
from gendan.analytics.metrics import rollups
from gendan.analytics.metrics.periods import company_zone

from .sending import send_due_reports

ALERTS_HOUR = 7


@db_periodic_task(crontab())
@lock_task("analytics-keep-rollups")
def keep_rollups():
    """Every minute: build the parts not built yet (a new installation, a changed time zone), and recount the days
    touched since, so that a dashboard rarely has to before it reads."""
    rollups.build()
    return rollups.refresh()


@db_periodic_task(crontab(minute="*/15"))
def send_scheduled_reports():
    """Every quarter of an hour, so a report's time is met in every time zone (some are offset by 30 or 45 minutes).

    No lock needed: each notice's dedupe key lets only one run send it.
    """
    send_due_reports()


@db_periodic_task(crontab(minute="30"))
@lock_task("analytics-evaluate-alert-rules")
def evaluate_alert_rules(now: datetime.datetime | None = None):
    """At 07:30 on the company's clock, before the working day, when last week's and last month's figures are
    complete. Huey's crontab reads UTC, so the job wakes every hour at half past and works in the company's seventh
    hour only. Safe to run again: each alert is raised once (its unique constraint and its notice's dedupe key)."""
    now = now or timezone.now()
    if now.astimezone(company_zone()).hour != ALERTS_HOUR:
        return 0
    return alerts_evaluate(now=now)
