"""Tasks and notifications. Each function is one transaction and records its event."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.bounds import ensure_dates
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.timezones import all_time_zones

from .jobs.channels import send_deliveries
from .models import (
    BELL,
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
    NotificationKind,
    NotificationPreference,
    Task,
    TaskPriority,
    TaskSource,
    TaskStatus,
    WebhookEndpoint,
)
from .schedule import task_schedule

# Channels a person gets when they have set no preference: the bell, and e-mail when they have an address.
DEFAULT_CHANNELS = [BELL, Channel.EMAIL]


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
    # Before the deadline's steps are counted from it: a moment at the ends of the calendar overflows.
    ensure_dates({"due_at": due_at})
    at_risk_at = None
    if due_at is not None:
        first_escalation, at_risk_at = task_schedule(due_at=due_at, created_at=timezone.now(), rule=rule)
        next_escalation_at = next_escalation_at or first_escalation
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
        at_risk_at=at_risk_at,
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
    # Not core's require_visible: its shortcut lets anyone whose data scope is "all" through,
    # while a task is only its assignee's and their leaders' (Task.objects.visible_to).
    if actor is None or (
        task.assignee_id != actor.pk and not Task.objects.visible_to(actor).filter(pk=task.pk).exists()
    ):
        raise ApplicationError(
            _("You cannot change a task outside the tasks you can see."), ErrorCode.PERMISSION_DENIED
        )
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
    return _complete(_lock_open_task(task, actor), actor, note)


@transaction.atomic
def tasks_settle(*, record, rule_keys, actor, note: str) -> int:
    """Complete the open tasks that these shipped rules made about `record`, because `actor` just did
    what they asked (a follow-up settles "contact this customer"), whoever they were assigned to.

    Each is completed by `actor`, with `note`, on the record's timeline. Returns how many.
    """
    settled = Task.objects.select_for_update().filter(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        status=TaskStatus.OPEN,
        rule__system_key__in=rule_keys,
    )
    count = 0
    for task in settled:
        _complete(task, actor, note)
        count += 1
    return count


def _complete(task: Task, actor, note: str) -> Task:
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
    ensure_dates({"until": until})
    if until <= timezone.now():
        raise ValidationError({"until": [_("Choose a time in the future.")]})
    old = task.due_at
    task.due_at = until
    # A new due time restarts the deadline: the warning and the escalation steps count from it.
    task.next_escalation_at, task.at_risk_at = task_schedule(due_at=until, created_at=timezone.now(), rule=task.rule)
    task.escalation_level = 0
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


def _endpoints_of(user):
    """The active robots and webhooks that carry `user`'s notices: their own and their department's."""
    whose = Q(user=user)
    # Not `department_id=None` for someone without a department: that would match every personal webhook.
    if user.department_id is not None:
        whose |= Q(department_id=user.department_id)
    return WebhookEndpoint.objects.filter(whose, is_active=True)


def _endpoints_for(recipient, kind: str, channels: list[str]):
    robot_channels = [c for c in channels if c not in (BELL, Channel.EMAIL)]
    if not robot_channels:
        return []
    endpoints = _endpoints_of(recipient).filter(kind__in=robot_channels).order_by("pk")
    return [e for e in endpoints if not e.kinds or kind in e.kinds]


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
    nothing is created and None is returned. A kind the recipient keeps out of the bell is
    written already read.
    """
    channels = channels_for(recipient, kind)
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
        in_bell=BELL in channels,
        read_at=None if BELL in channels else timezone.now(),
    )
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        if dedupe_key:
            return None
        raise
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


# --- notification preferences and deliveries ---------------------------------------------------

# "*" is a person's default: the channels for any kind without its own row, and their quiet hours.
PREFERENCE_KINDS = [*NotificationKind.values, "*"]


def available_channels(user) -> list[str]:
    """The bell, e-mail, and each kind of robot that has an active webhook for the user or their department."""
    robots = set(_endpoints_of(user).values_list("kind", flat=True))
    return [BELL, Channel.EMAIL, *(c for c in Channel.values if c in robots)]


def notification_preferences(user) -> dict:
    """The user's effective settings: channels per kind (as channels_for resolves them), quiet hours, time zone."""
    rows = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    default = rows.get("*")
    fallback = list(default.channels) if default is not None else list(DEFAULT_CHANNELS)
    return {
        "channels": {kind: list(rows[kind].channels) if kind in rows else fallback for kind in PREFERENCE_KINDS},
        "quiet_start": default.quiet_start if default is not None else None,
        "quiet_end": default.quiet_end if default is not None else None,
        "time_zone": user.time_zone,
    }


def _preferences_snapshot(preferences: dict) -> dict:
    snapshot = {f"channels.{kind}": sorted(channels) for kind, channels in preferences["channels"].items()}
    for name in ("quiet_start", "quiet_end"):
        value = preferences[name]
        snapshot[name] = value.strftime("%H:%M") if value is not None else None
    snapshot["time_zone"] = preferences["time_zone"]
    return snapshot


@transaction.atomic
def notification_preferences_set(
    *,
    actor,
    channels: dict[str, list[str]],
    quiet_start: datetime.time | None = None,
    quiet_end: datetime.time | None = None,
    time_zone: str = "",
) -> dict:
    """Set which channels the actor wants per kind of notice, their quiet hours and time zone.

    Kinds left out of `channels` keep their setting. Returns the effective settings.
    """
    user = get_user_model().objects.select_for_update().get(pk=actor.pk)
    errors = {}
    unknown = sorted(set(channels) - set(PREFERENCE_KINDS))
    if unknown:
        errors["channels"] = [_("Unknown kinds of notice: %(kinds)s.") % {"kinds": ", ".join(unknown)}]
    allowed = available_channels(user)
    refused = sorted({c for chosen in channels.values() for c in chosen} - set(allowed))
    if refused:
        errors.setdefault("channels", []).append(
            _("Not available to you: %(channels)s.") % {"channels": ", ".join(refused)}
        )
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = [
            _("Give both the start and the end of the quiet hours, or neither.")
        ]
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = [_("The quiet hours must end at another time than they start.")]
    time_zone = (time_zone or "").strip()
    if time_zone and time_zone not in all_time_zones():
        errors["time_zone"] = [_("Choose a time zone from the list.")]
    if errors:
        raise ValidationError(errors)

    before = _preferences_snapshot(notification_preferences(user))
    for kind, chosen in channels.items():
        # Stored in the channels' own order, so equal choices compare equal.
        ordered = [c for c in allowed if c in chosen]
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"channels": ordered})
    default, _created = NotificationPreference.objects.get_or_create(
        user=user, kind="*", defaults={"channels": list(DEFAULT_CHANNELS)}
    )
    default.quiet_start, default.quiet_end = quiet_start, quiet_end
    default.save(update_fields=["quiet_start", "quiet_end"])
    if user.time_zone != time_zone:
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])
        actor.time_zone = time_zone
    after = notification_preferences(user)
    changes = events.diff(before, _preferences_snapshot(after))
    if changes:
        events.record(actor, "notification_preferences.updated", user, changes=changes)
    return after


@transaction.atomic
def notification_delivery_requeue(*, actor, deliveries) -> int:
    """Send failed deliveries again, from a fresh round of attempts; returns how many were re-queued.

    Only an operator does this, after checking the message did not arrive: a delivery that
    failed because its worker died may well have reached its receiver.
    """
    ids = [d.pk for d in deliveries]
    failed = list(NotificationDelivery.objects.select_for_update().filter(pk__in=ids, status=DeliveryStatus.FAILED))
    for delivery in failed:
        events.record(
            actor,
            "notification_delivery.requeued",
            delivery,
            data={"attempts": delivery.attempts, "last_error": delivery.last_error},
        )
    requeued = NotificationDelivery.objects.filter(pk__in=[d.pk for d in failed]).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )
    if requeued:
        transaction.on_commit(lambda: send_deliveries([d.pk for d in failed]), robust=True)
    return requeued
