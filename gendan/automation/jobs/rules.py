"""Huey jobs of the rules: the minute scan of due appointments and the date rules' backfill, safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from gendan.automation.models import Rule, RuleTrigger
from gendan.automation.rules import scanning, scheduling


@db_periodic_task(crontab(minute="*"))
@lock_task("automation-scan-due-checks")
def scan_due_checks():
    """Every minute: act on the rules' appointments now due (a slow run is not overlapped by the next)."""
    scanning.scan_due_checks()


@db_task()
def backfill_date_rule(rule_id):
    rule = Rule.objects.filter(pk=rule_id).first()
    if rule is not None:
        scheduling.backfill_date_rule(rule)


@db_periodic_task(crontab(hour="3", minute="30"))
def backfill_date_rules():
    """Nightly: appointments for records a date rule missed (installed on existing data, edited without an event)."""
    for rule in Rule.objects.filter(is_active=True, trigger=RuleTrigger.DATE):
        scheduling.backfill_date_rule(rule)
