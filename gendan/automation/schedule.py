"""When a new task's deadlines fall: its first escalation and its "at risk" warning.

Shared by the services that create and reschedule tasks and by the deadline scans, so
neither has to import the other.
"""

import datetime

from . import calendar as business_calendar

# Working hours after the due time at which the assignee, the team leader and the department head are told.
DEFAULT_ESCALATION_HOURS = [0, 2, 4]
# Assignee, team leader, department head: a rule with more steps stops at the head.
MAX_LEVEL = 3


def escalation_hours(rule) -> list[float]:
    """The escalation steps of a rule's tasks, in working hours after the due time."""
    steps = rule.escalation_hours if rule is not None and rule.escalation_hours else DEFAULT_ESCALATION_HOURS
    return sorted(float(hours) for hours in steps)[:MAX_LEVEL]


def task_schedule(
    *, due_at: datetime.datetime, created_at: datetime.datetime, rule=None, calendar=None
) -> tuple[datetime.datetime, datetime.datetime | None]:
    """(first escalation, at-risk warning) of a task created at `created_at` and due at `due_at`."""
    first = business_calendar.add_business_hours(due_at, escalation_hours(rule)[0], calendar)
    return first, business_calendar.at_risk_time(created_at, due_at, calendar)
