"""What the worklists of every app share: their filters (customer, owner, overdue) and days counted from a date.

A worklist's page and its API list filter through the same FilterSet, so both answer alike. The
filters take plain ids: an unknown and an out-of-scope customer both simply match nothing.
"""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .filters import FilterSet


def yes_or_no():
    """A yes/no filter's choice: blank (either), yes, no — not the "unknown" Django offers first."""
    return forms.Select(choices=[("", "---------"), ("true", _("Yes")), ("false", _("No"))])


def days_since(day: datetime.date | datetime.datetime | None, today: datetime.date | None = None) -> int | None:
    """Whole days from `day` to today (negative before it); None without a day."""
    if day is None:
        return None
    if isinstance(day, datetime.datetime):
        day = timezone.localdate(day)
    return ((today or timezone.localdate()) - day).days


class WorklistFilter(FilterSet):
    """Subclasses name the lookups of the record's customer and owner."""

    customer_field = "customer_id"
    owner_field = "owner_id"

    customer = django_filters.NumberFilter(method="by_customer", label=_("Customer"))
    owner = django_filters.NumberFilter(method="by_owner", label=_("Owner"))

    def by_customer(self, queryset, name, value):
        return queryset.filter(**{self.customer_field: value})

    def by_owner(self, queryset, name, value):
        return queryset.filter(**{self.owner_field: value})


class OverdueWorklistFilter(WorklistFilter):
    """With `overdue`: the record's `due_field` (a date) is before today; overdue=false, it is not."""

    due_field = "due_date"

    overdue = django_filters.BooleanFilter(method="by_overdue", label=_("Overdue"), widget=yes_or_no())

    def by_overdue(self, queryset, name, value):
        late = Q(**{f"{self.due_field}__lt": timezone.localdate()})
        return queryset.filter(late if value else ~late | Q(**{f"{self.due_field}__isnull": True}))
