"""Rule conditions: stored as data, checked against the model when saved, evaluated without eval.

A condition is {"field": "customer__region", "op": "in", "value": ["浙江省", "江苏省"]}; a rule's
conditions all must hold. Each one can be evaluated on a record in Python (when a rule fires)
and turned into a Q (for "which records would this rule hit now?"); both give the same answer,
NULLs included, which the tests check op by op.

A condition on "event:<field>" looks at the event that triggered the rule instead: the value the
event changed the record's <field> to (None when it did not change it), e.g. {"field":
"event:stage", "op": "eq", "value": "proposal"} — "when the stage became proposal", not "while
the stage is proposal". It holds only for rules run by an event; it is checked when the event
happens, and left out where there is no event (a check falling due later, the "test" page).
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.core.services import row_errors

OPERATORS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "gt": gettext_lazy("is greater than"),
    "gte": gettext_lazy("is at least"),
    "lt": gettext_lazy("is less than"),
    "lte": gettext_lazy("is at most"),
    "is_empty": gettext_lazy("is empty"),
    "is_not_empty": gettext_lazy("is not empty"),
    "contains": gettext_lazy("contains"),
}
LIST_OPS = {"in", "not_in"}
ORDER_OPS = {"gt", "gte", "lt", "lte"}
NO_VALUE_OPS = {"is_empty", "is_not_empty"}
TEXT_FIELDS = (models.CharField, models.TextField)
ORDERED_FIELDS = (
    models.IntegerField,
    models.DecimalField,
    models.FloatField,
    models.DateField,  # DateTimeField is a DateField
    models.TimeField,
    models.DurationField,
)
# "event:stage": the value the triggering event changed `stage` to.
EVENT_PREFIX = "event:"
# A rule may look through a relation to a person, but only at what a colleague could see anyway.
USER_FIELDS = {"id", "username", "first_name", "last_name", "email", "role", "department", "is_active"}


@dataclass(frozen=True)
class Condition:
    """One checked condition: the model field it ends on and its value coerced to that field's type."""

    path: str
    op: str
    field: models.Field
    value: Any

    @property
    def on_event(self) -> bool:
        return self.path.startswith(EVENT_PREFIX)


def resolve_field(model, path: str) -> models.Field:
    """The field `path` ("customer__region") ends on, through forward relations only.

    Reverse relations are refused: "an order's shipments' status" has many values, and
    what "is" would mean for them is not a question a rule form should leave open.
    """
    parts = path.split("__") if path else [""]
    current = model
    field = None
    for index, name in enumerate(parts):
        if field is not None:
            if not (field.many_to_one or field.one_to_one) or field.related_model is None:
                raise ValidationError(_("%(name)s has no fields of its own.") % {"name": parts[index - 1]})
            current = field.related_model
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist:
            raise ValidationError(
                _("%(model)s has no field “%(name)s”.") % {"model": current._meta.verbose_name, "name": name}
            )
        if not field.concrete or field.many_to_many:
            raise ValidationError(_("“%(name)s” cannot be used in a condition.") % {"name": name})
        if current is get_user_model() and name not in USER_FIELDS:
            raise ValidationError(_("“%(name)s” of a user cannot be used in a condition.") % {"name": name})
    return field


def _event_field(model, name: str) -> models.Field:
    """The record's own field an event condition names (events record changes by field name)."""
    if not name or "__" in name:
        raise ValidationError(_("After “event:” name one field of the record, e.g. event:status."))
    return resolve_field(model, name)


def _coerce(field: models.Field, value):
    """A stored or typed value as the field's Python type; ValidationError when it isn't one."""
    if field.is_relation:
        field = field.target_field
    if value is None or value == "":
        raise ValidationError(_("Enter a value."))
    python = field.to_python(value)
    if isinstance(field, models.DateTimeField) and timezone.is_naive(python):
        python = timezone.make_aware(python)
    if field.choices and python not in {choice for choice, _label in field.flatchoices}:
        raise ValidationError(
            _("“%(value)s” is not one of the choices: %(choices)s.")
            % {"value": value, "choices": ", ".join(str(c) for c, _label in field.flatchoices)}
        )
    return python


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (int, float, bool, str)) or value is None:
        return value
    return str(value)  # Decimal, UUID, ...: their string form round-trips through to_python


def _check_one(model, row) -> tuple[Condition | None, dict]:
    problems = {}
    if not isinstance(row, dict):
        return None, {"field": [_("A condition is a field, an operator and a value.")]}
    path, op, value = row.get("field") or "", row.get("op") or "", row.get("value")
    try:
        if path.startswith(EVENT_PREFIX):
            field = _event_field(model, path.removeprefix(EVENT_PREFIX))
        else:
            field = resolve_field(model, path) if path else None
        if field is None:
            problems["field"] = [_("Choose a field.")]
    except ValidationError as exc:
        problems["field"] = exc.messages
        field = None
    if op not in OPERATORS:
        problems["op"] = [_("Unknown operator “%(op)s”; use one of %(ops)s.") % {"op": op, "ops": ", ".join(OPERATORS)}]
    if problems:
        return None, problems
    target = field.target_field if field.is_relation else field
    if op == "contains" and not isinstance(target, TEXT_FIELDS):
        return None, {"op": [_("“contains” works on text fields only.")]}
    if op in ORDER_OPS and not isinstance(target, ORDERED_FIELDS):
        return None, {"op": [_("Only numbers, dates and times can be compared as larger or smaller.")]}
    try:
        if op in NO_VALUE_OPS:
            coerced = None
        elif op in LIST_OPS:
            items = value if isinstance(value, (list, tuple)) else [v.strip() for v in str(value or "").split(",")]
            items = [v for v in items if v not in (None, "")]
            if not items:
                raise ValidationError(_("Enter at least one value."))
            coerced = [_coerce(field, v) for v in items]
        elif op == "contains":
            coerced = str(value or "").strip()
            if not coerced:
                raise ValidationError(_("Enter a value."))
        else:
            coerced = _coerce(field, value)
    except ValidationError as exc:
        return None, {"value": exc.messages}
    return Condition(path, op, field, coerced), {}


def validate_conditions(model, rows) -> list[dict]:
    """The conditions in their stored form, or a ValidationError keyed "conditions.<n>.<field|op|value>"."""
    if rows in (None, ""):
        return []
    if not isinstance(rows, list):
        raise ValidationError({"conditions": [_("Conditions are a list of field, operator and value.")]})
    checked, errors = [], []
    for row in rows:
        condition, problems = _check_one(model, row)
        errors.append(problems)
        if condition is not None:
            value = condition.value
            stored = [_jsonable(v) for v in value] if isinstance(value, list) else _jsonable(value)
            checked.append({"field": condition.path, "op": condition.op, "value": stored})
    if any(errors):
        raise row_errors("conditions", errors)
    return checked


def compile_conditions(model, rows) -> list[Condition]:
    """Stored conditions ready to evaluate; a rule saved through the services always compiles."""
    compiled = []
    for row in rows or []:
        condition, problems = _check_one(model, row)
        if condition is None:
            raise ValidationError(problems)
        compiled.append(condition)
    return compiled


def _value_at(record, path: str):
    value = record
    for name in path.split("__"):
        if value is None:
            return None
        field = value._meta.get_field(name)
        if field.is_relation and name == path.split("__")[-1]:
            return getattr(value, field.attname)  # the id: compared with ids, no query
        value = getattr(value, name)
    return value


def _holds(condition: Condition, actual) -> bool:
    op, expected = condition.op, condition.value
    if op == "eq":
        return actual == expected
    if op == "ne":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "is_empty":
        return actual is None or actual == ""
    if op == "is_not_empty":
        return not (actual is None or actual == "")
    if actual is None:  # as in SQL: nothing is larger, smaller than or contains NULL
        return False
    if op == "contains":
        return expected.lower() in str(actual).lower()
    return {
        "gt": actual > expected,
        "gte": actual >= expected,
        "lt": actual < expected,
        "lte": actual <= expected,
    }[op]


def _value_in_event(event, condition: Condition):
    """The value the event changed the condition's field to, as the field's Python type; None if unchanged."""
    change = (event.changes or {}).get(condition.path.removeprefix(EVENT_PREFIX))
    if not isinstance(change, (list, tuple)) or len(change) != 2 or change[1] is None:
        return None
    field = condition.field.target_field if condition.field.is_relation else condition.field
    try:
        value = field.to_python(change[1])
    except ValidationError:
        return None
    if isinstance(field, models.DateTimeField) and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def evaluate(record, rows, event=None) -> bool:
    """Whether every condition holds on `record` as it is now (and on `event`, if one triggered the rule).

    Conditions on the event are left out when there is no event to look at.
    """
    for condition in compile_conditions(type(record), rows):
        if condition.on_event:
            if event is not None and not _holds(condition, _value_in_event(event, condition)):
                return False
        elif not _holds(condition, _value_at(record, condition.path)):
            return False
    return True


def has_event_conditions(rows) -> bool:
    return any(str(row.get("field") or "").startswith(EVENT_PREFIX) for row in rows or [] if isinstance(row, dict))


def _q_for(condition: Condition) -> models.Q:
    path, op, value = condition.path, condition.op, condition.value
    target = condition.field.target_field if condition.field.is_relation else condition.field
    if op == "eq":
        return models.Q(**{path: value})
    if op == "ne":
        return ~models.Q(**{path: value})
    if op == "in":
        return models.Q(**{f"{path}__in": value})
    if op == "not_in":
        return ~models.Q(**{f"{path}__in": value})
    if op in ORDER_OPS:
        return models.Q(**{f"{path}__{op}": value})
    if op == "contains":
        return models.Q(**{f"{path}__icontains": value})
    empty = models.Q(**{f"{path}__isnull": True})
    if isinstance(target, TEXT_FIELDS):
        empty |= models.Q(**{path: ""})
    return empty if op == "is_empty" else ~empty


def to_q(model, rows) -> models.Q:
    """The conditions on the record as one Q, for querying the records a rule would act on.

    Conditions on the event are left out: which event will come is not in the database.
    """
    q = models.Q()
    for condition in compile_conditions(model, rows):
        if not condition.on_event:
            q &= _q_for(condition)
    return q
