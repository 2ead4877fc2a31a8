"""An event meets the rules it concerns: act now, keep an appointment, or look at a date again."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from gendan.automation import conditions as cond
from gendan.automation.models import Rule, RuleTrigger, ScheduledCheck
from gendan.core.models import Event
from gendan.core.verbs import records_the_past

from .actions import fire
from .records import label_of, load_record
from .scheduling import schedule_date_check
from .timing import shift


def handle_event(event: Event) -> None:
    """Run the rules an event concerns. Called once per event by the outbox, in its transaction."""
    object_type = ContentType.objects.get_for_id(event.content_type_id)
    targets = {label_of(object_type): (event.content_type_id, event.object_id)}
    if event.root_type_id is not None:
        targets.setdefault(
            label_of(ContentType.objects.get_for_id(event.root_type_id)), (event.root_type_id, event.root_id)
        )
    by_verb = models.Q(
        trigger__in=[RuleTrigger.EVENT, RuleTrigger.AFTER_EVENT], event_verb=event.verb, target_model__in=list(targets)
    )
    # A date rule looks again whenever something happens to its record or to a record belonging
    # to it: a follow-up (its root the customer) moves the customer's "no follow-up since".
    by_date = models.Q(trigger=RuleTrigger.DATE, target_model__in=list(targets))
    # History brought in (an import of past orders) looks at no date: its due dates and promises passed long ago,
    # and nobody is to be reminded of them.
    wanted = by_verb if records_the_past(event.verb) else by_verb | by_date
    rules = list(Rule.objects.filter(is_active=True).filter(wanted).order_by("pk"))
    records = {}
    for rule in rules:
        ct_id, object_id = targets[rule.target_model]
        if (ct_id, object_id) not in records:
            records[ct_id, object_id] = load_record(ct_id, object_id)
        record = records[ct_id, object_id]
        if record is None:
            continue
        if rule.trigger == RuleTrigger.DATE:
            schedule_date_check(rule, record)
        elif not cond.evaluate(record, rule.conditions, event=event):
            continue
        elif rule.trigger == RuleTrigger.EVENT:
            # Deadlines count from when it happened, so a worker catching up sets the same ones.
            fire(rule, record, f"event:{event.pk}", now=event.occurred_at, event=event)
        else:
            ScheduledCheck.objects.get_or_create(
                rule=rule,
                content_type_id=ct_id,
                object_id=object_id,
                occasion=f"event:{event.pk}",
                defaults={"due_at": shift(rule, event.occurred_at, rule.offset_minutes)},
            )
