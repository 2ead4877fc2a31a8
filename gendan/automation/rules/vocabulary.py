"""What the rule editor offers to choose from, by name: record types' events, fields, values, people.

The stored codes (verbs, field paths, "role:finance", "user:12") are the options' values; the
page shows only their labels. The same choices go to the page as one JSON map, so picking
another record type changes the events and fields offered without a round trip.
"""

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from gendan.accounts.roles import Role
from gendan.automation import conditions as cond
from gendan.automation.responsibility import stages_for
from gendan.core import verbs

from .describe import field_path_label
from .records import RECORD_TYPES, model_for

# Fields a condition can sensibly compare, and how the editor asks for their value.
KINDS = (
    (models.BooleanField, "bool"),
    (models.DateTimeField, "datetime"),
    (models.DateField, "date"),
    (models.DecimalField, "number"),
    (models.FloatField, "number"),
    (models.IntegerField, "number"),
    (models.CharField, "text"),
    (models.TextField, "text"),
)
# Bookkeeping no rule is about.
SKIPPED_FIELDS = {"id", "version", "password"}


def _kind(field) -> str | None:
    if field.name in SKIPPED_FIELDS or not field.concrete or field.many_to_many:
        return None
    if field.is_relation:
        return "user" if field.related_model is get_user_model() else "record"
    if field.flatchoices:
        return "choice"
    return next((kind for cls, kind in KINDS if isinstance(field, cls)), None)


def _spec(model, path: str, field, kind: str, label: str | None = None) -> dict:
    spec = {"value": path, "label": label or capfirst(field_path_label(model, path)), "kind": kind}
    if kind == "choice":
        spec["choices"] = [[str(value), str(text)] for value, text in field.flatchoices]
    return spec


def condition_fields(model) -> list[dict]:
    """The fields a condition on `model` can look at: its own, those of the records it points to, the event's change."""
    specs, related = [], []
    for field in model._meta.concrete_fields:
        kind = _kind(field)
        if kind is None:
            continue
        if kind != "record":
            specs.append(_spec(model, field.name, field, kind))
            continue
        for far in field.related_model._meta.concrete_fields:
            far_kind = _kind(far)
            if far_kind in (None, "record", "user"):
                continue
            related.append(_spec(model, f"{field.name}__{far.name}", far, far_kind))
    for field in model._meta.concrete_fields:
        if _kind(field) == "choice":
            label = _("%(field)s set by the event") % {"field": capfirst(field.verbose_name)}
            specs.append(_spec(model, f"{cond.EVENT_PREFIX}{field.name}", field, "choice", label))
    return specs + related


def date_fields(model) -> list[tuple[str, str]]:
    return [
        (field.name, str(capfirst(field.verbose_name)))
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField)
    ]


def event_choices(record_type: str) -> list[tuple[str, str]]:
    return [(verb.code, str(verb.label)) for verb in verbs.for_record_type(record_type)]


def people() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    return [(str(user.pk), str(user)) for user in users]


def recipient_choices(people_choices: list[tuple[str, str]]) -> list:
    """Who an action is for: the record's people, a role, or a named person (grouped for a <select>)."""
    return [
        ("owner", _("The record's owner")),
        ("team_leader", _("The owner's team leader")),
        (_("The nearest person with the role"), [(f"role:{value}", str(label)) for value, label in Role.choices]),
        (_("A person"), [(f"user:{pk}", name) for pk, name in people_choices]),
    ]


def stage_choices(record_type: str) -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in stages_for(model_for(record_type))]


def editor_map(people_choices: list[tuple[str, str]]) -> dict:
    """Each record type's events, date fields, condition fields and stages, and the people: the page's JSON."""
    by_type = {}
    for record_type in RECORD_TYPES:
        model = model_for(record_type)
        by_type[record_type] = {
            "events": event_choices(record_type),
            "dates": date_fields(model),
            "fields": condition_fields(model),
            "stages": stage_choices(record_type),
        }
    return {"types": by_type, "people": people_choices, "yes_no": [["true", _("yes")], ["false", _("no")]]}
