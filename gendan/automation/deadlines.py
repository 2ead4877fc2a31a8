"""Deadlines: the "at risk" warning before a task is due, and escalation after.

When a task's due time passes with the task still open, Gendan tells the assignee, then their
team leader (the leader of the assignee's department), then the department head (the leader
of the department above), at the rule's escalation steps — business hours after the due time,
[0, 2, 4] for tasks without a rule. Each step is a "task.escalated" event on the record's
timeline.

Both scans read only the rows now due, through partial indexes on next_escalation_at and
at_risk_at, and handle each task in its own transaction under a row lock that re-checks the
due time: a scan that runs twice (two workers, a retried task) acts once.
"""

import datetime

from django.db import models, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gendan.core import events

from . import calendar as business_calendar
from . import services
from .models import NotificationKind, Task, TaskStatus
from .schedule import MAX_LEVEL, escalation_hours

# Tasks handled per scan; the scan runs every minute, so a backlog drains over a few runs.
BATCH_SIZE = 500


def _when(moment: datetime.datetime | None) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "—"


def _recipients(assignee, level: int) -> list:
    """Who hears of an escalation at `level`: nobody missing, inactive or already told before."""
    department = assignee.department
    team_leader = department.leader if department is not None else None
    head = department.parent.leader if department is not None and department.parent is not None else None
    chain = [assignee, team_leader, head]
    person = chain[level - 1]
    if person is None or not person.is_active or any(p is not None and p.pk == person.pk for p in chain[: level - 1]):
        return []
    return [person]


def _lock_due(task_id: int, field: str, now: datetime.datetime) -> Task | None:
    # The filter is re-checked after the lock is granted, so a task another scan has just
    # handled (its time moved on or cleared) is skipped, not handled twice.
    return (
        Task.objects.select_for_update(of=("self",))
        .select_related("rule", "assignee__department__leader", "assignee__department__parent__leader")
        .filter(pk=task_id, status=TaskStatus.OPEN, **{f"{field}__lte": now})
        .first()
    )


def _next_escalation(task: Task, steps: list[float], level: int, calendar) -> datetime.datetime | None:
    if level >= len(steps):
        return None
    if task.due_at is not None:
        return business_calendar.add_business_hours(task.due_at, steps[level], calendar)
    # A task scheduled by hand without a due time: count from the step just taken.
    return business_calendar.add_business_hours(task.next_escalation_at, steps[level] - steps[level - 1], calendar)


@transaction.atomic
def task_escalate(*, task_id: int, now: datetime.datetime, calendar=None) -> bool:
    """Take the next escalation step of one task whose step is due; False when there is none (any more)."""
    task = _lock_due(task_id, "next_escalation_at", now)
    if task is None:
        return False
    steps = escalation_hours(task.rule)
    level = task.escalation_level + 1
    if level > min(len(steps), MAX_LEVEL):
        # Nothing left to take (the rule lost steps since): stop scheduling.
        task.next_escalation_at = None
        task.save(update_fields=["next_escalation_at", "updated_at"])
        return False
    record = services.related_object(task)
    recipients = _recipients(task.assignee, level)
    old_level, old_next = task.escalation_level, task.next_escalation_at
    task.escalation_level = level
    task.next_escalation_at = _next_escalation(task, steps, level, calendar)
    task.version += 1
    task.save(update_fields=["escalation_level", "next_escalation_at", "version", "updated_at"])
    events.record(
        None,
        "task.escalated",
        task,
        changes={"escalation_level": [old_level, level]},
        data={
            "notified": [person.pk for person in recipients],
            "due_at": task.due_at,
            "step_at": old_next,
            "next_escalation_at": task.next_escalation_at,
        },
        root=record,
    )
    for person in recipients:
        if person.pk == task.assignee_id:
            kind = NotificationKind.TASK_OVERDUE
            title = _("Overdue: %(title)s") % {"title": task.title}
        else:
            kind = NotificationKind.TASK_ESCALATED
            title = _("Escalated to you: %(person)s's task “%(title)s” is overdue") % {
                "person": task.assignee,
                "title": task.title,
            }
        services.notification_create(
            recipient=person,
            kind=kind,
            title=title,
            body=_("Due %(due)s. %(record)s") % {"due": _when(task.due_at), "record": task.object_repr},
            url=f"/tasks/{task.pk}/",
            task=task,
            related=record,
            # The step's time too: a snoozed task runs through its steps again from its new due time.
            dedupe_key=f"task.escalated:{task.pk}:{level}:{person.pk}:{old_next.isoformat()}",
        )
    return True


@transaction.atomic
def task_warn_at_risk(*, task_id: int, now: datetime.datetime) -> bool:
    """Tell the assignee once that a task is close to its due time; False when not due or already past."""
    task = _lock_due(task_id, "at_risk_at", now)
    if task is None:
        return False
    task.at_risk_at = None
    task.version += 1
    task.save(update_fields=["at_risk_at", "version", "updated_at"])
    if task.due_at is None or task.due_at <= now:
        # Already overdue (the scan was down): the escalation speaks for it.
        return False
    record = services.related_object(task)
    events.record(None, "task.at_risk", task, data={"due_at": task.due_at}, root=record)
    services.notification_create(
        recipient=task.assignee,
        kind=NotificationKind.TASK_AT_RISK,
        title=_("Due soon: %(title)s") % {"title": task.title},
        body=_("Due %(due)s. %(record)s") % {"due": _when(task.due_at), "record": task.object_repr},
        url=f"/tasks/{task.pk}/",
        task=task,
        related=record,
        dedupe_key=f"task.at_risk:{task.pk}:{task.due_at.isoformat()}",
    )
    return True


def _due_ids(field: str, now: datetime.datetime) -> list[int]:
    # status and IS NOT NULL spelled out so the planner matches the partial index's condition.
    return list(
        Task.objects.filter(models.Q(**{f"{field}__isnull": False, f"{field}__lte": now}), status=TaskStatus.OPEN)
        .order_by(field)
        .values_list("pk", flat=True)[:BATCH_SIZE]
    )


def scan_escalations(now: datetime.datetime | None = None) -> int:
    """Take every escalation step now due, one task per transaction; returns how many were taken."""
    now = now or timezone.now()
    ids = _due_ids("next_escalation_at", now)
    if not ids:
        return 0
    calendar = business_calendar.default_calendar()
    return sum(task_escalate(task_id=pk, now=now, calendar=calendar) for pk in ids)


def scan_at_risk(now: datetime.datetime | None = None) -> int:
    """Send every at-risk warning now due; returns how many were sent."""
    now = now or timezone.now()
    return sum(task_warn_at_risk(task_id=pk, now=now) for pk in _due_ids("at_risk_at", now))
