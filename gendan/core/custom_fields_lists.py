"""Custom fields in lists: a filter per field (`?cf_<key>=`, or `cf_<key>_from`/`_to` for numbers and dates) and a
column per field in the downloads. The fields are read once per list (one query), whatever the number of rows.

A filter on a JSON key reads every row the list's other filters leave: no index serves it. That is fine for a few
thousand customers; at a million orders, narrow by an indexed filter first (a period, an owner, a status).
"""

from decimal import Decimal, InvalidOperation

import django_filters
import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.db.models import DecimalField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from .bounds import BIGINT_MAX
from .custom_fields import FIELD, NUMBER_DECIMAL_PLACES, NUMBER_INTEGER_DIGITS, display
from .models import CustomField, CustomFieldKind

PREFIX = "cf_"


def _text(key):
    return KeyTextTransform(key, FIELD)


def _number(key):
    return Cast(_text(key), DecimalField(max_digits=NUMBER_INTEGER_DIGITS + NUMBER_DECIMAL_PLACES, decimal_places=4))


def custom_filters(fields: list[CustomField]) -> dict[str, django_filters.Filter]:
    filters: dict[str, django_filters.Filter] = {}
    for field in fields:
        key, name = field.key, PREFIX + field.key
        if field.kind == CustomFieldKind.CHOICE:
            filters[name] = django_filters.ChoiceFilter(
                label=field.label, choices=[(c, c) for c in field.choices], method=_equal(key)
            )
        elif field.kind == CustomFieldKind.PERSON:
            filters[name] = django_filters.NumberFilter(
                label=field.label, min_value=1, max_value=BIGINT_MAX, method=_person(key)
            )
        elif field.kind == CustomFieldKind.TEXT:
            filters[name] = django_filters.CharFilter(label=field.label, method=_equal(key))
        elif field.kind == CustomFieldKind.NUMBER:
            for end, lookup in (("from", "gte"), ("to", "lte")):
                filters[f"{name}_{end}"] = django_filters.NumberFilter(
                    label=f"{field.label} ({_('from') if end == 'from' else _('to')})",
                    max_digits=NUMBER_INTEGER_DIGITS + NUMBER_DECIMAL_PLACES,
                    decimal_places=NUMBER_DECIMAL_PLACES,
                    method=_number_bound(key, lookup),
                )
        elif field.kind == CustomFieldKind.DATE:
            for end, lookup in (("from", "gte"), ("to", "lte")):
                filters[f"{name}_{end}"] = django_filters.DateFilter(
                    label=f"{field.label} ({_('from') if end == 'from' else _('to')})",
                    method=_date_bound(key, lookup),
                )
    return filters


def _equal(key):
    def filter_(queryset, name, value):
        return queryset.filter(**{f"{FIELD}__{key}": value}) if value not in (None, "") else queryset

    return filter_


def _person(key):
    def filter_(queryset, name, value):
        return queryset if value is None else queryset.filter(**{f"{FIELD}__{key}": int(value)})

    return filter_


def _number_bound(key, lookup):
    def filter_(queryset, name, value):
        if value is None:
            return queryset
        alias = f"{PREFIX}{key}_number"
        return queryset.alias(**{alias: _number(key)}).filter(**{f"{alias}__{lookup}": value})

    return filter_


def _date_bound(key, lookup):
    def filter_(queryset, name, value):
        # ISO dates, stored as text, sort as the days they name.
        if value is None:
            return queryset
        alias = f"{PREFIX}{key}_day"
        return queryset.alias(**{alias: _text(key)}).filter(**{f"{alias}__{lookup}": value.isoformat()})

    return filter_


class _People(dict):
    """Every user's name, read in one query the first time a download asks for one: a person field's column then
    names each row's person without a query per row (users are a company's staff, not its customers)."""

    loaded = False

    def get(self, key, default=None):
        if not self.loaded:
            users = get_user_model().objects.only("pk", "username", "first_name", "last_name")
            self.update({user.pk: str(user) for user in users})
            self.loaded = True
        return super().get(key, default)


class CustomValueColumn(tables.Column):
    """One custom field's value, in downloads only: numbers stay numbers, people by name."""

    def __init__(self, field: CustomField, people: _People, **kwargs):
        self.field = field
        self.people = people
        super().__init__(field.label, accessor=f"{FIELD}__{field.key}", visible=False, default="", **kwargs)

    def value(self, record, value):
        stored = record.custom_fields.get(self.field.key)
        if stored is None:
            return ""
        if self.field.kind == CustomFieldKind.NUMBER:
            try:
                return Decimal(stored)
            except (InvalidOperation, TypeError):
                return stored
        return display(self.field, stored, self.people)


def custom_columns(fields: list[CustomField]) -> list[tuple[str, tables.Column]]:
    people = _People()
    return [(PREFIX + field.key, CustomValueColumn(field, people)) for field in fields]
