"""The every-minute scan: decide each appointment now due, each in its own transaction."""

import datetime
import logging

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone

from gendan.automation import conditions as cond
from gendan.automation.models import Rule, RuleTrigger, ScheduledCheck
from gendan.core.models import Event

from .actions import fire
from .records import load_record

logger = logging.getLogger(__name__)

MAX_CHECK_ATTEMPTS = 5


def _mooted(check: ScheduledCheck, rule: Rule, record) -> bool:
    """Whether one of the rule's unless-events happened to the record since the triggering event.

    "To the record" includes the records that belong to it (root) and records pointing at it
    by a foreign key whose verbs name them: an order.created for one of a customer's orders
    counts as something happening to the customer. When the record belongs to a customer, a
    record of that customer which could point at it but names none of its kind counts too: a
    quotation sent to a deal's customer without naming a deal counts for the deal (one naming
    another deal does not).
    """
    if not rule.unless_verbs or not check.occasion.startswith("event:"):
        return False
    since = int(check.occasion.removeprefix("event:"))
    ct_id, pk = check.content_type_id, check.object_id
    about = models.Q(content_type_id=ct_id, object_id=pk) | models.Q(root_type_id=ct_id, root_id=pk)
    target = type(record)
    customer = _customer_link(target)
    for prefix in {verb.split(".")[0] for verb in rule.unless_verbs}:
        subject = _model_named(prefix)
        if subject is None or subject is target:
            continue
        records = subject._default_manager
        links = [f for f in subject._meta.concrete_fields if f.many_to_one and f.related_model is target]
        for link in links:
            pointing = records.filter(**{link.name: pk})
            own_customer = _customer_link(subject)
            if (
                link.null
                and customer is not None
                and own_customer is not None
                and own_customer.related_model is customer.related_model
            ):
                pointing = records.filter(
                    models.Q(**{link.name: pk})
                    | models.Q(**{f"{link.name}__isnull": True, "customer": getattr(record, customer.attname)})
                )
            about |= models.Q(
                content_type=ContentType.objects.get_for_model(subject), object_id__in=pointing.values("pk")
            )
    return Event.objects.filter(about, verb__in=rule.unless_verbs, pk__gt=since).exists()


def _customer_link(model):
    """The foreign key named "customer" by which records of `model` belong to a customer, if there is one."""
    try:
        field = model._meta.get_field("customer")
    except FieldDoesNotExist:
        return None
    return field if field.many_to_one else None


def _model_named(name: str):
    """The Gendan model a verb's first word names ("order" → sales.Order), if exactly one does."""
    found = [m for m in apps.get_models() if m._meta.model_name == name and m.__module__.startswith("gendan.")]
    return found[0] if len(found) == 1 else None


def run_check(check: ScheduledCheck, now: datetime.datetime) -> str:
    """Decide one due appointment: "fired", or why not. The caller marks it done."""
    rule = check.rule
    if not rule.is_active:
        return "inactive"
    record = load_record(check.content_type_id, check.object_id)
    if record is None:
        return "gone"
    date_value = None
    if rule.trigger == RuleTrigger.DATE:
        date_value = getattr(record, rule.date_field)
        if date_value is None or f"date:{date_value.isoformat()}" != check.occasion:
            return "date_changed"
    elif _mooted(check, rule, record):
        return "mooted"
    if not cond.evaluate(record, rule.conditions):
        return "conditions"
    # A task's due time counts from when the rule was due, not from when a scan noticed:
    # after a worker outage the deadlines are the ones the rule promised.
    fired_at = min(check.due_at, now)
    return "fired" if fire(rule, record, check.occasion, now=fired_at, date_value=date_value) else "already"


def scan_due_checks(now: datetime.datetime | None = None, batch_size: int = 200) -> dict[str, int]:
    """Act on every appointment now due, each in its own transaction; returns counts by outcome.

    Reads due rows through the partial index (due_at where not done) a batch at a time. A
    check whose actions raise stays due and is retried by the next scans, then given up.
    """
    now = now or timezone.now()
    outcomes: dict[str, int] = {}
    # Failed, or held by another scan: not to be read again in this run.
    passed: list[int] = []
    while True:
        due = ScheduledCheck.objects.filter(done_at__isnull=True, due_at__lte=now)
        if passed:
            due = due.exclude(pk__in=passed)
        ids = list(due.order_by("due_at").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return outcomes
        for pk in ids:
            try:
                with transaction.atomic():
                    # skip_locked: two scans running at once share the work instead of queueing.
                    check = (
                        ScheduledCheck.objects.select_for_update(skip_locked=True)
                        .select_related("rule")
                        .filter(pk=pk, done_at__isnull=True)
                        .first()
                    )
                    if check is None:
                        passed.append(pk)
                        continue
                    outcome = run_check(check, now)
                    check.done_at = now
                    check.attempts += 1
                    check.save(update_fields=["done_at", "attempts"])
            except Exception as exc:
                logger.exception("Scheduled check %s failed", pk)
                passed.append(pk)
                outcome = "failed"
                _record_failure(pk, exc, now)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1


def _record_failure(pk: int, exc: Exception, now) -> None:
    check = ScheduledCheck.objects.get(pk=pk)
    check.attempts += 1
    check.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if check.attempts >= MAX_CHECK_ATTEMPTS:
        check.done_at = now
    check.save(update_fields=["attempts", "last_error", "done_at"])
