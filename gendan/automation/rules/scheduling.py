"""The appointments time-based rules keep with records (ScheduledCheck): made, moved, backfilled."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from gendan.automation import conditions as cond
from gendan.automation.models import Rule, RuleFiring, RuleTrigger, ScheduledCheck

from .records import model_for
from .timing import date_due


def schedule_date_check(rule: Rule, record) -> ScheduledCheck | None:
    """Make the record's appointment for its current date; appointments for other dates lapse."""
    content_type = ContentType.objects.get_for_model(record)
    value = getattr(record, rule.date_field)
    pending = ScheduledCheck.objects.filter(
        rule=rule, content_type=content_type, object_id=record.pk, done_at__isnull=True
    )
    occasion = f"date:{value.isoformat()}" if value is not None else None
    pending.exclude(occasion=occasion).update(done_at=timezone.now())
    if value is None:
        return None
    due = date_due(rule, value)
    check, created = ScheduledCheck.objects.get_or_create(
        rule=rule, content_type=content_type, object_id=record.pk, occasion=occasion, defaults={"due_at": due}
    )
    if not created and check.done_at is not None:
        # The date went away and came back: the appointment stands again unless the rule already acted.
        fired = RuleFiring.objects.filter(
            rule=rule, content_type=content_type, object_id=record.pk, occasion=occasion
        ).exists()
        if not fired:
            check.done_at, check.due_at, check.attempts, check.last_error = None, due, 0, ""
            check.save(update_fields=["done_at", "due_at", "attempts", "last_error"])
    return check


def backfill_date_rule(rule: Rule, batch_size: int = 2000) -> int:
    """Appointments for every record the date rule applies to now; existing ones are left as they are.

    For a new or edited rule, and daily as a safety net for records changed without an event.
    Returns the number of records looked at.
    """
    if not rule.is_active or rule.trigger != RuleTrigger.DATE:
        return 0
    model = model_for(rule.target_model)
    content_type = ContentType.objects.get_for_model(model)
    records = (
        model._default_manager.filter(cond.to_q(model, rule.conditions))
        .filter(**{f"{rule.date_field}__isnull": False})
        .values_list("pk", rule.date_field)
        .order_by("pk")
    )
    seen = 0
    batch = []
    for pk, value in records.iterator(chunk_size=batch_size):
        seen += 1
        batch.append(
            ScheduledCheck(
                rule=rule,
                content_type=content_type,
                object_id=pk,
                occasion=f"date:{value.isoformat()}",
                due_at=date_due(rule, value),
            )
        )
        if len(batch) >= batch_size:
            ScheduledCheck.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    ScheduledCheck.objects.bulk_create(batch, ignore_conflicts=True)
    return seen
