"""Tasks and notifications. Each function is one transaction and records its event."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import require_visible

from .models import (
    Channel,
    Notification,
    NotificationDelivery,
    NotificationPreference,
    Task,
    TaskPriority,
    TaskSource,
    TaskStatus,
    WebhookEndpoint,
)

# Channels a person gets when they have set no preference: the app (always) and e-mail when they have an address.
DEFAULT_CHANNELS = [Channel.EMAIL]


def _related_fields(related) -> dict:
    if related is None:
        return {"content_type": None, "object_id": None, "object_repr": ""}
    return {
        "content_type": ContentType.objects.get_for_model(related),
        "object_id": related.pk,
        "object_repr": str(related)[:200],
    }


def related_object(task_or_notification):
    """The record a task or notification is about, or None."""
    if task_or_notification.content_type_id is None:
        return None
    model = task_or_notification.content_type.model_class()
    return model.objects.filter(pk=task_or_notification.object_id).first()


# --- tasks -------------------------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    actor,
    title: str,
    assignee,
    related=None,
    due_at: datetime.datetime | None = None,
    priority: str = TaskPriority.NORMAL,
    notes: str = "",
    source: str = TaskSource.PERSON,
    rule=None,
    dedupe_key: str = "",
    next_escalation_at: datetime.datetime | None = None,
) -> Task | None:
    """A task for `assignee`. With a dedupe_key already used, nothing is created and None is returned."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": [_("Give the task a title.")]})
    if assignee is None or not assignee.is_active:
        raise ValidationError({"assignee": [_("Choose an active user.")]})
    task = Task(
        title=title[:200],
        assignee=assignee,
        due_at=due_at,
        priority=priority,
        notes=notes,
        source=source,
        rule=rule,
        dedupe_key=dedupe_key,
        next_escalation_at=next_escalation_at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        **_related_fields(related),
    )
    if dedupe_key:
        try:
            with transaction.atomic():
                task.save()
        except IntegrityError:
            return None
    else:
        task.save()
    events.record(
        actor,
        "task.created",
        task,
        data={"assignee": assignee.pk, "due_at": due_at, "source": source, "rule": rule.pk if rule else None},
        root=related,
    )
    if actor is None or actor.pk != assignee.pk:
        notification_create(
            recipient=assignee,
            kind="task.assigned",
            title=_("New task: %(title)s") % {"title": task.title},
            body=task.notes,
            url=f"/tasks/{task.pk}/",
            task=task,
            related=related,
        )
    return task


def _lock_open_task(task: Task, actor) -> Task:
    task = Task.objects.select_for_update().get(pk=task.pk)
    require_visible(Task.objects, task, actor)
    if task.status != TaskStatus.OPEN:
        raise ApplicationError(
            _("This task is already %(status)s.") % {"status": task.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": task.status},
        )
    return task


def _root(task: Task):
    return related_object(task)


@transaction.atomic
def task_complete(*, task: Task, actor, note: str = "") -> Task:
    task = _lock_open_task(task, actor)
    task.status = TaskStatus.DONE
    task.completed_at = timezone.now()
    task.completed_by = actor
    task.next_escalation_at = None
    task.version += 1
    task.save()
    events.record(
        actor,
        "task.completed",
        task,
        changes={"status": [TaskStatus.OPEN, TaskStatus.DONE]},
        data={"note": note},
        root=_root(task),
    )
    return task


@transaction.atomic
def task_snooze(*, task: Task, actor, until: datetime.datetime) -> Task:
    task = _lock_open_task(task, actor)
    if until <= timezone.now():
        raise ValidationError({"until": [_("Choose a time in the future.")]})
    old = task.due_at
    task.due_at = until
    task.version += 1
    task.save()
    events.record(actor, "task.snoozed", task, changes={"due_at": [old, until]}, root=_root(task))
    return task


@transaction.atomic
def task_reassign(*, task: Task, actor, assignee, reason: str) -> Task:
    task = _lock_open_task(task, actor)
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = [_("Give a reason.")]
    if assignee is None or not assignee.is_active:
        errors["assignee"] = [_("Choose an active user.")]
    elif assignee.pk == task.assignee_id:
        errors["assignee"] = [_("The task is already theirs.")]
    if errors:
        raise ValidationError(errors)
    old = task.assignee_id
    task.assignee = assignee
    task.version += 1
    task.save()
    events.record(
        actor,
        "task.reassigned",
        task,
        changes={"assignee": [old, assignee.pk]},
        data={"reason": reason},
        root=_root(task),
    )
    notification_create(
        recipient=assignee,
        kind="task.assigned",
        title=_("Task handed to you: %(title)s") % {"title": task.title},
        body=reason,
        url=f"/tasks/{task.pk}/",
        task=task,
        related=_root(task),
    )
    return task


@transaction.atomic
def task_cancel(*, task: Task, actor, reason: str = "") -> Task:
    task = _lock_open_task(task, actor)
    task.status = TaskStatus.CANCELLED
    task.next_escalation_at = None
    task.version += 1
    task.save()
    events.record(
        actor,
        "task.cancelled",
        task,
        changes={"status": [TaskStatus.OPEN, TaskStatus.CANCELLED]},
        data={"reason": reason},
        root=_root(task),
    )
    return task


# --- notifications -----------------------------------------------------------------------------


def channels_for(recipient, kind: str) -> list[str]:
    """The channels `recipient` wants for `kind`: their preference for it, else their default, else ours."""
    prefs = {p.kind: p for p in NotificationPreference.objects.filter(user=recipient, kind__in=[kind, "*"])}
    pref = prefs.get(kind) or prefs.get("*")
    channels = list(pref.channels) if pref is not None else list(DEFAULT_CHANNELS)
    if Channel.EMAIL in channels and not recipient.email:
        channels.remove(Channel.EMAIL)
    return channels


def _endpoints_for(recipient, kind: str, channels: list[str]):
    robot_channels = [c for c in channels if c != Channel.EMAIL]
    if not robot_channels:
        return []
    endpoints = WebhookEndpoint.objects.filter(is_active=True, kind__in=robot_channels).filter(
        user=recipient
    ) | WebhookEndpoint.objects.filter(is_active=True, kind__in=robot_channels, department_id=recipient.department_id)
    return [e for e in endpoints.distinct() if not e.kinds or kind in e.kinds]


@transaction.atomic
def notification_create(
    *,
    recipient,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    task: Task | None = None,
    related=None,
    dedupe_key: str = "",
) -> Notification | None:
    """A notice in the app, and one delivery row per outside channel the recipient wants.

    The rows are sent after commit by the delivery worker; with a dedupe_key already used,
    nothing is created and None is returned.
    """
    notification = Notification(
        recipient=recipient,
        kind=kind,
        title=title[:200],
        body=body,
        url=url,
        task=task,
        dedupe_key=dedupe_key,
        content_type=ContentType.objects.get_for_model(related) if related is not None else None,
        object_id=related.pk if related is not None else None,
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if dedupe_key:
            return None
        raise
    channels = channels_for(recipient, kind)
    now = timezone.now()
    deliveries = []
    if Channel.EMAIL in channels:
        deliveries.append(NotificationDelivery(notification=notification, channel=Channel.EMAIL, next_attempt_at=now))
    for endpoint in _endpoints_for(recipient, kind, channels):
        deliveries.append(
            NotificationDelivery(
                notification=notification, channel=endpoint.kind, endpoint=endpoint, next_attempt_at=now
            )
        )
    NotificationDelivery.objects.bulk_create(deliveries)
    if deliveries:
        from .tasks import send_deliveries

        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: send_deliveries(ids), robust=True)
    return notification


@transaction.atomic
def notification_mark_read(*, recipient, notification_ids=None) -> int:
    """Mark some (or, with None, all) of the recipient's notices read; returns how many changed."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
