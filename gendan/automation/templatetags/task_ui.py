"""Template helpers of the task pages and of the open-tasks card on record pages."""

from django import template
from django.utils import timezone

from ..models import Task
from ..selectors_tasks import record_open_tasks

register = template.Library()

PRIORITY_CLASSES = {
    "low": "text-bg-light border",
    "normal": "text-bg-secondary",
    "high": "text-bg-warning",
    "urgent": "text-bg-danger",
}


@register.filter
def priority_class(value) -> str:
    return PRIORITY_CLASSES.get(str(value), "text-bg-secondary")


@register.simple_tag(takes_context=True)
def record_tasks(context, record) -> list[Task]:
    """The open tasks about `record`, each with `linkable` (whether the viewer may open it) and `is_overdue`.

    One query for a record whose tasks are all the viewer's (or that has none); a colleague's
    task costs the few queries of Task.objects.visible_to to learn whether the viewer oversees it.
    """
    user = context["request"].user
    tasks = record_open_tasks(record)
    others = [task.pk for task in tasks if task.assignee_id != user.pk]
    overseen = (
        set(Task.objects.visible_to(user).filter(pk__in=others).values_list("pk", flat=True)) if others else set()
    )
    now = timezone.now()
    for task in tasks:
        task.is_overdue = task.due_at is not None and task.due_at < now
        task.linkable = task.assignee_id == user.pk or task.pk in overseen
    return tasks
