"""When a rule's moments fall: a delay in calendar or business hours, a date rule's appointment."""

import datetime

from django.utils import timezone

from gendan.automation.calendar import add_business_hours
from gendan.automation.models import Rule


def _date_base(value) -> datetime.datetime:
    """The moment a date field counts from: a date means "by the end of that day"."""
    if isinstance(value, datetime.datetime):
        return value
    midnight = datetime.datetime.combine(value + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight)


def shift(rule: Rule, start: datetime.datetime, minutes: float) -> datetime.datetime:
    """`start` moved by the delay after an event, a task's due offset or an escalation step."""
    if rule.business_hours:
        return add_business_hours(start, minutes / 60)
    return start + datetime.timedelta(minutes=minutes)


def date_due(rule: Rule, value) -> datetime.datetime:
    """When a date rule looks at a record: calendar time even with business hours on ("a day before")."""
    return _date_base(value) + datetime.timedelta(minutes=rule.offset_minutes)
