"""What a firing rule does: create a task, send a notice, e-mail the customer, make someone responsible — once
per occasion."""

import datetime
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from gendan.automation.customer_messages import customer_message_queue
from gendan.automation.models import NotificationKind, Rule, RuleFiring, TaskPriority, TaskSource
from gendan.automation.responsibility import responsibilities_of, responsibility_set
from gendan.automation.services import notification_create, task_create

from .placeholders import render
from .recipients import resolve_recipient, resolve_recipients
from .records import record_url
from .timing import shift

logger = logging.getLogger(__name__)


def fire(rule: Rule, record, occasion: str, *, now: datetime.datetime, date_value=None, event=None) -> bool:
    """Run the rule's actions on `record` for `occasion`, once: False when it already did.

    `event`: the event that fired the rule, if one did; its data fills the event placeholders,
    and the person who caused it is not told of what they just did.
    """
    content_type = ContentType.objects.get_for_model(record)
    try:
        with transaction.atomic():
            RuleFiring.objects.create(rule=rule, content_type=content_type, object_id=record.pk, occasion=occasion)
    except IntegrityError:
        return False
    # An event may name the page its notice opens (an order's change: the comparison of its revisions).
    url = (event.data.get("url") if event is not None else None) or record_url(record)
    for index, action in enumerate(rule.actions):
        key = f"rule:{rule.pk}:{content_type.pk}:{record.pk}:{occasion}:{index}"
        if action["type"] == "create_task":
            _create_task(rule, record, action, key=key, now=now, date_value=date_value)
        elif action["type"] == "set_responsible":
            _set_responsible(rule, record, action)
        elif action["type"] == "notify":
            _notify(rule, record, action, key=key, url=url, date_value=date_value, event=event)
        elif action["type"] == "email_customer":
            _email_customer(rule, record, action, key=key, date_value=date_value, event=event)
    return True


def _notify(rule: Rule, record, action: dict, *, key: str, url: str, date_value, event) -> None:
    recipients = resolve_recipients(action["recipient"], record)
    if not recipients:
        logger.warning("Rule %s: nobody is %s for %s", rule.pk, action["recipient"], record)
        return
    # A shipped rule whose key is a kind of notice sends that kind: people choose its channels apart.
    # A shipped rule's key is the kind of notice it sends; "<kind>#<variant>" sends the same kind another way.
    kind = rule.system_key.partition("#")[0]
    if kind not in NotificationKind.values:
        kind = NotificationKind.RULE
    title = render(action["title"], record, date_value, event)
    body = render(action.get("body") or "", record, date_value, event)
    for recipient in recipients:
        if event is not None and recipient.pk == event.actor_id:
            continue
        notification_create(
            recipient=recipient,
            kind=kind,
            title=title,
            body=body,
            url=url,
            related=record,
            dedupe_key=f"{key}:{recipient.pk}",
        )


def _email_customer(rule: Rule, record, action: dict, *, key: str, date_value, event) -> None:
    if rule.offset_minutes < 0 and date_value is not None and date_value < timezone.localdate():
        # A reminder before a date, caught up after it (the worker was down, the rule is new): it would mislead.
        logger.info("Rule %s: %s is past for %s; its reminder is not sent", rule.pk, date_value, record)
        return
    message = customer_message_queue(
        about=record,
        subject=render(action["title"], record, date_value, event),
        body=render(action.get("body") or "", record, date_value, event),
        rule=rule,
        dedupe_key=key,
    )
    if message is None:
        logger.info("Rule %s: the customer of %s has no e-mail address", rule.pk, record)


def _set_responsible(rule: Rule, record, action: dict) -> None:
    user = resolve_recipient(action["recipient"], record)
    if user is None:
        logger.warning("Rule %s: nobody is %s for %s", rule.pk, action["recipient"], record)
        return
    current = responsibilities_of(record).filter(stage=action["stage"], ended_at__isnull=True).first()
    if current is not None and current.user_id == user.pk:
        return
    # actor None: the system acts, under the rule's name, with no person's permissions.
    responsibility_set(record=record, stage=action["stage"], user=user, actor=None, reason=rule.name)


def _create_task(rule: Rule, record, action: dict, *, key: str, now, date_value) -> None:
    assignee = resolve_recipient(action["assignee"], record)
    if assignee is None:
        logger.warning("Rule %s: nobody is %s for %s", rule.pk, action["assignee"], record)
        return
    hours = action.get("due_in_hours")
    due_at = shift(rule, now, hours * 60) if hours is not None else None
    next_escalation_at = None
    if rule.escalation_hours:
        next_escalation_at = shift(rule, due_at or now, rule.escalation_hours[0] * 60)
    task_create(
        actor=None,
        title=render(action["title"], record, date_value),
        assignee=assignee,
        related=record,
        due_at=due_at,
        priority=action.get("priority") or TaskPriority.NORMAL,
        source=TaskSource.RULE,
        rule=rule,
        dedupe_key=key,
        next_escalation_at=next_escalation_at,
    )
