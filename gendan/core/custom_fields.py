"""Custom fields' values: the one check of what a record's `custom_fields` may hold, and how values read.

Every way a value comes in — a page's form, the API, an import — goes through the record's service, and the
service through `clean_custom_values`: the same messages everywhere, keyed `custom_fields.<key>` (nested by the
API as {"custom_fields": {"<key>": [...]}}). Values are stored as JSON: text and choices as strings, numbers as
decimal strings (exact, as money is), dates as ISO strings, people as user ids. An empty value is no value: the
key is left out.
"""

import datetime
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from .bounds import BIGINT_MAX, EARLIEST_DATE, LATEST_DATE, date_problems, id_from
from .context import custom_fields_memo_var
from .models import CustomField, CustomFieldKind

# The record's JSON field, and the key under which its errors and event changes are named.
FIELD = "custom_fields"
TEXT_MAX_LENGTH = 1000
# Numbers people give to a record (a budget, a count of seats): at most 12 digits before the point and 4 after.
NUMBER_INTEGER_DIGITS = 12
NUMBER_DECIMAL_PLACES = 4


def fields_of(record_type: str, *, active_only: bool = True) -> list[CustomField]:
    """The custom fields of a record type in their order: one query, and in a request one query per record type
    whoever asks (the request's memo; a change to a definition forgets it)."""
    memo = custom_fields_memo_var.get()
    if memo is not None and (record_type, active_only) in memo:
        return list(memo[record_type, active_only])
    fields = CustomField.objects.filter(record_type=record_type)
    if active_only:
        fields = fields.filter(active=True)
    fields = list(fields)
    if memo is not None:
        memo[record_type, active_only] = fields
    return list(fields)


def label_of(record_type: str, key: str) -> str:
    """A field's label, deactivated or not, for the changes the event log names by key; the key if none has it."""
    return next((field.label for field in fields_of(record_type, active_only=False) if field.key == key), key)


@contextmanager
def definitions_memo():
    """Within it (a request, an import's run), each record type's active fields are read once: definitions change
    seldom, by an administrator, and a change made within it is seen (`forget_fields`)."""
    token = custom_fields_memo_var.set({})
    try:
        yield
    finally:
        custom_fields_memo_var.reset(token)


def forget_fields() -> None:
    """After a definition changes: later reads in this request see the change."""
    memo = custom_fields_memo_var.get()
    if memo is not None:
        memo.clear()


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _clean_text(field, value):
    if not isinstance(value, str):
        return None, [_("Enter text.")]
    value = value.strip()
    if len(value) > TEXT_MAX_LENGTH:
        return None, [_("Enter at most %(most)s characters.") % {"most": TEXT_MAX_LENGTH}]
    return value, []


def _clean_number(field, value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        return None, [_("Enter a number.")]
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None, [_("Enter a number.")]
    if not number.is_finite():
        return None, [_("Enter a number.")]
    largest = Decimal(10) ** NUMBER_INTEGER_DIGITS
    if abs(number) >= largest or number.as_tuple().exponent < -NUMBER_DECIMAL_PLACES:
        return None, [
            _("Enter a number with at most %(digits)s digits before the decimal point and %(places)s after it.")
            % {"digits": NUMBER_INTEGER_DIGITS, "places": NUMBER_DECIMAL_PLACES}
        ]
    # 5, 5.0 and 5.00 are one value: stored the same, so an unchanged form is no edit.
    number = number.normalize()
    return format(number, "f") if number else "0", []


def _clean_date(field, value):
    if isinstance(value, datetime.datetime):
        return None, [_("Enter a date.")]
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None, [_("Enter a date as YYYY-MM-DD.")]
    if not isinstance(value, datetime.date):
        return None, [_("Enter a date.")]
    problems = date_problems(value)
    return (None, problems) if problems else (value.isoformat(), [])


def _clean_choice(field, value):
    if not isinstance(value, str) or value.strip() not in field.choices:
        return None, [_("Choose one of: %(choices)s.") % {"choices": ", ".join(field.choices)}]
    return value.strip(), []


def _clean_person(field, value):
    if isinstance(value, models.Model):
        value = value.pk
    if isinstance(value, bool):
        pk = None
    elif isinstance(value, int):
        pk = value if 1 <= value <= BIGINT_MAX else None
    else:
        pk = id_from(value) if isinstance(value, str) else None
    return (None, [_("Choose a person.")]) if pk is None else (pk, [])


_CLEANERS = {
    CustomFieldKind.TEXT: _clean_text,
    CustomFieldKind.NUMBER: _clean_number,
    CustomFieldKind.DATE: _clean_date,
    CustomFieldKind.CHOICE: _clean_choice,
    CustomFieldKind.PERSON: _clean_person,
}


def clean_custom_values(fields: list[CustomField], submitted, *, current: dict | None = None) -> tuple[dict, dict]:
    """The record's values after `submitted` ({key: value}) is applied to `current`, and the errors found.

    `fields` are the record type's active fields (`fields_of`). Only the keys submitted change: the values of
    others, and of fields since deactivated, stay. A required field must have a value when the record is created
    (`current` None) and whenever it is submitted. A key that is no active field of the record is an error.
    Errors are {"custom_fields.<key>": [messages]}, ready to merge with the service's other field errors.
    """
    creating = current is None
    values = dict(current or {})
    if submitted is None:
        submitted = {}
    if not isinstance(submitted, dict):
        return values, {FIELD: [_("Send an object of custom field keys and values.")]}
    by_key = {field.key: field for field in fields}
    errors: dict[str, list[str]] = {}
    people: dict[int, str] = {}
    for key, value in submitted.items():
        field = by_key.get(key)
        if field is None:
            errors[f"{FIELD}.{key}"] = [_("No such custom field on this record.")]
            continue
        if _empty(value):
            if field.required:
                errors[f"{FIELD}.{key}"] = [_("This field is required.")]
            values.pop(key, None)
            continue
        cleaned, problems = _CLEANERS[field.kind](field, value)
        if problems:
            errors[f"{FIELD}.{key}"] = problems
            continue
        if field.kind == CustomFieldKind.PERSON:
            people[cleaned] = key
        values[key] = cleaned
    if creating:
        for field in fields:
            if field.required and field.key not in submitted:
                errors[f"{FIELD}.{field.key}"] = [_("This field is required.")]
    if people:
        active = set(get_user_model().objects.filter(pk__in=people, is_active=True).values_list("pk", flat=True))
        for pk, key in people.items():
            if pk not in active:
                errors[f"{FIELD}.{key}"] = [_("Choose an active user.")]
    return values, errors


def changes(before: dict, after: dict) -> dict:
    """{"custom_fields.<key>": [old, new]} for each value that changed, for the record's event."""
    keys = sorted(set(before) | set(after))
    return {f"{FIELD}.{key}": [before.get(key), after.get(key)] for key in keys if before.get(key) != after.get(key)}


def people_named(fields: list[CustomField], records) -> dict[int, str]:
    """{user id: name} of the people the records' person fields hold: one query for all of them, none without."""
    keys = [field.key for field in fields if field.kind == CustomFieldKind.PERSON]
    ids = {record.custom_fields.get(key) for record in records for key in keys} - {None}
    if not ids:
        return {}
    people = get_user_model().objects.filter(pk__in=ids).only("pk", "username", "first_name", "last_name")
    return {person.pk: str(person) for person in people}


def display(field: CustomField, value, people: dict[int, str]) -> str:
    """A stored value as people read it: a formatted number or date, a person's name; "" for none."""
    if value is None:
        return ""
    if field.kind == CustomFieldKind.NUMBER:
        try:
            return number_format(Decimal(value), use_l10n=True, force_grouping=True)
        except (InvalidOperation, TypeError):
            return str(value)
    if field.kind == CustomFieldKind.DATE:
        try:
            day = datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        return date_format(day, "Y-m-d") if EARLIEST_DATE <= day <= LATEST_DATE else str(value)
    if field.kind == CustomFieldKind.PERSON:
        return people.get(value, str(value))
    return str(value)


def rows(fields: list[CustomField], record, people: dict[int, str]) -> list[tuple[str, str]]:
    """(label, value as read) of each field the record has a value for, for its page."""
    return [
        (field.label, display(field, record.custom_fields.get(field.key), people))
        for field in fields
        if record.custom_fields.get(field.key) is not None
    ]


# Who may read a record type's fields: whoever may read its records (contacts are read with their customer).
VIEW_PERMISSIONS = {
    "crm.customer": "crm.view_customer",
    "crm.contact": "crm.view_customer",
    "catalog.product": "catalog.view_product",
    "sales.order": "sales.view_order",
    "crm.opportunity": "crm.view_opportunity",
}


def visible_record_types(user) -> list[str]:
    return [record_type for record_type, perm in VIEW_PERMISSIONS.items() if user.has_perm(perm)]


def record_rows(record_type: str, record) -> list[tuple[str, str]]:
    """(label, value) of the record's active custom fields that hold a value: two queries at most, for its page."""
    fields = fields_of(record_type)
    return rows(fields, record, people_named(fields, [record]))


def rows_of_each(record_type: str, records) -> list:
    """The records, each with `custom_rows` as `record_rows` gives them: two queries at most for all of them."""
    records = list(records)
    fields = fields_of(record_type)
    people = people_named(fields, records)
    for record in records:
        record.custom_rows = rows(fields, record, people)
    return records
