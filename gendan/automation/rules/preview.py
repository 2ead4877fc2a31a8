"""What a rule would act on if it ran now: the rule's "test" page."""

import datetime

from django.db import models
from django.utils import timezone

from gendan.automation import conditions as cond
from gendan.automation.models import Rule, RuleTrigger

from .records import model_for


def rule_matches(rule: Rule, now: datetime.datetime | None = None):
    """The records the rule would act on if it ran now (for the "test" page).

    Conditions always; for a date rule also "its moment has come" (date + offset ≤ now).
    Event rules act only when their event happens, so this is who they would act on if it did.
    """
    model = model_for(rule.target_model)
    records = model._default_manager.filter(cond.to_q(model, rule.conditions))
    if rule.trigger == RuleTrigger.DATE:
        moment = (now or timezone.now()) - datetime.timedelta(minutes=rule.offset_minutes)
        field = model._meta.get_field(rule.date_field)
        if isinstance(field, models.DateTimeField):
            records = records.filter(**{f"{rule.date_field}__lte": moment})
        else:
            # due = start of (date + 1 day) ≤ moment  ⇔  date < local date of moment
            records = records.filter(**{f"{rule.date_field}__lt": timezone.localdate(moment)})
    return records
