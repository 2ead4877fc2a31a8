"""The event log: audit trail, timeline and (later) automation trigger in one table."""

import datetime
import functools
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from . import rows
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


# Called with the ids of the events a transaction committed (automation's outbox registers here).
_committed_handlers: list[Callable[[list[int]], None]] = []


def on_events_committed(handler: Callable[[list[int]], None]) -> None:
    if handler not in _committed_handlers:
        _committed_handlers.append(handler)


class _CommittedBatch:
    """One on_commit callback per transaction, however many events it records."""

    def __init__(self, event: Event):
        # The events, not their ids: a deferred INSERT (rows.insert) sets them when it is sent,
        # at the latest with the commit, which comes before this runs.
        self.events = [event]
        self.ran = False

    def __call__(self):
        self.ran = True
        ids = [event.pk for event in self.events]
        for handler in _committed_handlers:
            handler(ids)


def _hand_over_after_commit(event: Event) -> None:
    if not _committed_handlers:
        return
    connection = transaction.get_connection()
    for _savepoints, callback, _robust in connection.run_on_commit:
        # A batch that already ran stays listed when tests capture on_commit callbacks.
        if isinstance(callback, _CommittedBatch) and not callback.ran:
            callback.events.append(event)
            return
    # robust: a failing hand-over must not break the request whose data is already
    # committed; the outbox's periodic sweep picks up whatever it missed.
    transaction.on_commit(_CommittedBatch(event), robust=True)


# Events recorded inside `batch()`, written together when it ends.
_pending: ContextVar[list[Event] | None] = ContextVar("pending_events", default=None)


@contextmanager
def batch():
    """Write the events recorded inside this block in one INSERT when the block ends without error.

    A service that records several events (the payment, its allocation, the order it
    closes) sends one statement instead of several; on PostgreSQL it leaves with the
    transaction's next statement or its commit. Inside a batch, `record` returns the event
    unsaved (no pk yet). Nested batches join the outer one; when a nested block fails,
    the events it recorded are dropped with the work its savepoint rolls back.
    """
    pending = _pending.get()
    if pending is not None:
        mark = len(pending)
        try:
            yield
        except BaseException:
            del pending[mark:]
            raise
        return
    pending = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        # Deferred: the block's last write, nothing reads it back before the commit.
        for event in rows.insert(pending, defer=True):
            _hand_over_after_commit(event)


def batched(service):
    """Run `service` in one transaction whose events are written together (see `batch`)."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        with transaction.atomic(), batch():
            return service(*args, **kwargs)

    return run


def record(actor, verb: str, obj, changes=None, data=None, root=None) -> Event:
    """Write one append-only event. Call inside the service's transaction."""
    # Ids rather than objects: every service records several events, and setting a relation
    # through its descriptor costs more than the rest of the event together.
    event = rows.new(
        Event,
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        verb=verb,
        content_type_id=ContentType.objects.get_for_model(obj).pk,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        root_type_id=ContentType.objects.get_for_model(root).pk if root is not None else None,
        root_id=root.pk if root is not None else None,
        changes={k: [_jsonable(v[0]), _jsonable(v[1])] for k, v in (changes or {}).items()},
        data={k: _jsonable(v) for k, v in (data or {}).items()},
        request_id=request_id_var.get(),
        ip_address=client_ip_var.get(),
    )
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
        return event
    rows.insert([event])
    _hand_over_after_commit(event)
    return event
