"""The event log: audit trail, timeline and (later) automation trigger in one table."""

import datetime
import functools
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from . import hooks
from .context import client_ip_var, request_id_var
from .models import Event, LastActivity
from .text import comparable_text


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
    elif isinstance(field, models.TextField):
        # The same text sent back by a browser (CRLF line ends) is not an edit.
        value = comparable_text(value)
    return _jsonable(value)


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


# Called with the ids of the events a transaction committed (automation's outbox registers here).
_committed_handlers: list[Callable[[list[int]], None]] = []


def on_events_committed(handler: Callable[[list[int]], None]) -> None:
    if handler not in _committed_handlers:
        _committed_handlers.append(handler)


class _CommittedEvents:
    """The after-commit hand-over of the events written at one savepoint level of a transaction.

    One callback (so one queued job) serves every event written at the same level; an event
    written inside a savepoint gets its own, which Django discards if that savepoint rolls back.
    """

    def __init__(self, ids: list[int]):
        self.ids = ids

    def __call__(self):
        for handler in _committed_handlers:
            handler(list(self.ids))


def _hand_over_after_commit(events: list[Event]) -> None:
    if not _committed_handlers or not events:
        return
    connection = transaction.get_connection()
    ids = [event.pk for event in events]
    if connection.in_atomic_block:
        # The newest hand-over only, found from the end: a long transaction (an import) holds
        # thousands of callbacks, and scanning them all on every write would grow with it.
        for savepoints, callback, _robust in reversed(connection.run_on_commit):
            if isinstance(callback, _CommittedEvents):
                if savepoints == set(connection.savepoint_ids):
                    callback.ids.extend(ids)
                    return
                break
    # robust: a failing hand-over must not break the request whose data is already
    # committed; the outbox's periodic sweep picks up whatever it missed.
    transaction.on_commit(_CommittedEvents(ids), robust=True)


# Called with the events as they are written, in their transaction (analytics marks what its roll-ups must recount).
_written_handlers: list[Callable[[list[Event]], None]] = []


def on_events_written(handler: Callable[[list[Event]], None]) -> None:
    """Call `handler(events)` with every set of events written, in the transaction that writes them: work derived
    from the log that must commit or roll back with it (a savepoint rolled back takes it too)."""
    if handler not in _written_handlers:
        _written_handlers.append(handler)


def _write(events: list[Event]) -> None:
    Event.objects.bulk_create(events)
    _touch(events)
    for handler in _written_handlers:
        handler(events)
    _hand_over_after_commit(events)


def rebuild_last_activity() -> None:
    """Every record's last activity from the whole event log, for events written around `record`
    (bench/generate.py's bulk loads). One set-based statement; the table must be empty."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LastActivity._meta.db_table} (content_type_id, object_id, occurred_at)"
            " SELECT COALESCE(root_type_id, content_type_id), COALESCE(root_id, object_id), MAX(occurred_at)"
            f" FROM {Event._meta.db_table}"
            " GROUP BY COALESCE(root_type_id, content_type_id), COALESCE(root_id, object_id)"
        )


def _touch(events: list[Event]) -> None:
    """Move the last activity of the records these events belong to, with one upsert."""
    latest: dict[tuple[int, int], datetime.datetime] = {}
    for event in events:
        record = (
            (event.root_type_id, event.root_id)
            if event.root_id is not None
            else (event.content_type_id, event.object_id)
        )
        if record not in latest or latest[record] < event.occurred_at:
            latest[record] = event.occurred_at
    # Sorted, so two transactions upserting the same records take their row locks in the same order.
    # Two writers of one record within moments may leave the earlier moment of the two: the review
    # that reads it counts days.
    LastActivity.objects.bulk_create(
        [LastActivity(content_type_id=ct, object_id=pk, occurred_at=at) for (ct, pk), at in sorted(latest.items())],
        update_conflicts=True,
        unique_fields=["content_type", "object_id"],
        update_fields=["occurred_at"],
    )


class _Pending:
    """Events recorded inside `batch()` under one stack of savepoints, registered with on_commit
    for one reason only: Django drops the callbacks of a savepoint that rolls back, so when the
    batch is written, events whose marker is gone belonged to work that was undone."""

    __slots__ = ("savepoints", "events")

    def __init__(self, savepoints: tuple, event: Event):
        self.savepoints = savepoints
        self.events = [event]

    def __call__(self):
        pass


# The events recorded inside the current `batch()`, not yet written.
_pending: ContextVar[list[_Pending] | None] = ContextVar("pending_events", default=None)


@contextmanager
def batch():
    """One transaction (a savepoint when nested) whose events are written with one INSERT at its end.

    A service that records several events (the order, its stock reservations, the status it
    reaches) sends one statement for them instead of one each. Inside a batch, `record` returns
    the event unsaved (no pk yet). An event recorded inside a nested atomic block that rolls
    back is not written, whether the block's error was raised on or caught: the log holds
    exactly what the transaction commits.
    """
    with transaction.atomic():
        if _pending.get() is not None:
            # Nested: the outer batch writes them; the savepoint markers still tell what survived.
            yield
            return
        connection = transaction.get_connection()
        # What was registered before the batch began cannot be rolled back while it is open:
        # only what comes after is looked at when it ends.
        start = len(connection.run_on_commit)
        pending: list[_Pending] = []
        token = _pending.set(pending)
        try:
            yield
        finally:
            _pending.reset(token)
        if pending:
            alive = {id(callback) for _savepoints, callback, _robust in connection.run_on_commit[start:]}
            _write([event for marker in pending if id(marker) in alive for event in marker.events])


def batched(service):
    """Run `service` as one `batch()`: one transaction, its events written together at the end."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        with batch():
            return service(*args, **kwargs)

    return run


def record(actor, verb: str, obj, changes=None, data=None, root=None) -> Event:
    """Record one append-only event, in the caller's transaction.

    Outside a batch the row is written at once; inside one, with the batch's other events
    when it ends (see `batch`).
    """
    # Ids rather than objects: every service records several events, and setting a relation
    # through its descriptor costs more than the rest of the event together.
    event = Event(
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
    if pending is None:
        _write([event])
    else:
        savepoints = tuple(transaction.get_connection().savepoint_ids)
        if pending and pending[-1].savepoints == savepoints:
            # The same savepoints as the last event's (ids are never reused): they share its fate.
            pending[-1].events.append(event)
        else:
            pending.append(_Pending(savepoints, event))
            transaction.on_commit(pending[-1])
    hooks.notify_recorded(event, actor=actor, obj=obj)
    return event
