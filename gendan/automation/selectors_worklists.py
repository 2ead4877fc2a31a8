"""Worklists made of tasks: the customers a seller should contact today, and what a leader's team let slip."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from gendan.crm.models import Customer

from .models import Task, TaskStatus
from .selectors_tasks import day_start, task_queryset, user_zone


def may_follow_up(user) -> bool:
    return user.has_perm("crm.add_followup")


def may_oversee_team(user) -> bool:
    return user.has_perm("automation.view_team_tasks")


def followups_due(*, user, now: datetime.datetime | None = None) -> QuerySet[Task]:
    """The user's open tasks about customers due by the end of their today, the most overdue first.

    They come from the next follow-up date of a follow-up and from the rules that ask to get in
    touch (a new customer not contacted, a customer not followed up for 30 days).
    """
    zone = user_zone(user)
    local_today = timezone.localtime(now or timezone.now(), zone).date()
    end_of_today = day_start(local_today + datetime.timedelta(days=1), zone)
    return (
        Task.objects.filter(
            assignee=user,
            status=TaskStatus.OPEN,
            content_type=ContentType.objects.get_for_model(Customer),
            due_at__lt=end_of_today,
        )
        .select_related("rule")
        .order_by("due_at", "id")
    )


def team_overdue(*, user, now: datetime.datetime | None = None) -> QuerySet[Task]:
    """Open tasks past due of the people the user oversees (not the user's own), the oldest first."""
    if not may_oversee_team(user):
        return Task.objects.none()
    return (
        task_queryset(user=user)
        .filter(status=TaskStatus.OPEN, due_at__lt=now or timezone.now())
        .exclude(assignee=user)
        .select_related("assignee__department")
        .order_by("due_at", "id")
    )
