"""Rules created, edited and switched on or off: each one transaction, each recording its event."""

from django.db import transaction
from django.utils import timezone

from gendan.automation.jobs.rules import backfill_date_rule
from gendan.automation.models import Rule, RuleTrigger, ScheduledCheck
from gendan.core import events
from gendan.core.services import require_perm

from .validation import RULE_FIELDS, clean_rule

# Fields that decide which checks exist and when they fall due.
SCHEDULE_FIELDS = {"trigger", "target_model", "event_verb", "date_field", "offset_minutes", "business_hours"}


def _after_commit_backfill(rule: Rule) -> None:
    if rule.is_active and rule.trigger == RuleTrigger.DATE:
        transaction.on_commit(lambda: backfill_date_rule(rule.pk), robust=True)


@transaction.atomic
def rule_create(*, actor, **fields) -> Rule:
    require_perm(actor, "automation.add_rule")
    data = clean_rule(fields)
    rule = Rule.objects.create(**data, created_by=actor)
    events.record(actor, "rule.created", rule, data={"trigger": rule.trigger, "target_model": rule.target_model})
    _after_commit_backfill(rule)
    return rule


@transaction.atomic
def rule_update(*, rule: Rule, actor, **fields) -> Rule:
    require_perm(actor, "automation.change_rule")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    data = clean_rule({**{name: getattr(rule, name) for name in RULE_FIELDS}, **fields})
    before = events.snapshot(rule, RULE_FIELDS)
    for name, value in data.items():
        setattr(rule, name, value)
    rule.save()
    changes = events.diff(before, events.snapshot(rule, RULE_FIELDS))
    if SCHEDULE_FIELDS & set(changes):
        # Appointments made under the old trigger would fire at the wrong time or on the wrong
        # records: close them; a date rule schedules its records again from scratch.
        _close_pending(rule)
        _after_commit_backfill(rule)
    events.record(actor, "rule.updated", rule, changes=changes)
    return rule


@transaction.atomic
def rule_toggle(*, rule: Rule, actor, is_active: bool) -> Rule:
    require_perm(actor, "automation.change_rule")
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if rule.is_active == is_active:
        return rule
    rule.is_active = is_active
    rule.save(update_fields=["is_active", "updated_at"])
    if not is_active:
        _close_pending(rule)
    _after_commit_backfill(rule)
    events.record(
        actor,
        "rule.switched_on" if is_active else "rule.switched_off",
        rule,
        changes={"is_active": [not is_active, is_active]},
    )
    return rule


def _close_pending(rule: Rule) -> int:
    return ScheduledCheck.objects.filter(rule=rule, done_at__isnull=True).update(done_at=timezone.now())
