"""The event log: audit trail, timeline and (later) automation trigger in one table."""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .context import client_ip_var, request_id_var
from .models import Event


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj, fields) -> dict:
    """The values of `fields` on `obj`, ready to compare with `diff` after an edit."""
    return {f: _field_value(obj, f) for f in fields}


def _field_value(obj, field_name):
    field = obj._meta.get_field(field_name)
    if isinstance(field, models.ForeignKey):
        return getattr(obj, field.attname)
    value = getattr(obj, field_name)
    if isinstance(field, models.DecimalField) and value is not None:
        # Typed-in 5000 and stored 5000.00 are the same amount, not an edit.
        value = Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
    return _jsonable(value)


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def record(actor, verb: str, obj, changes=None, data=None, root=None) -> Event:
    """Write one append-only event. Call inside the service's transaction."""
    return Event.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        root_type=ContentType.objects.get_for_model(root) if root is not None else None,
        root_id=root.pk if root is not None else None,
        changes={k: [_jsonable(v[0]), _jsonable(v[1])] for k, v in (changes or {}).items()},
        data={k: _jsonable(v) for k, v in (data or {}).items()},
        request_id=request_id_var.get(),
        ip_address=client_ip_var.get(),
    )
