"""Django's PostgreSQL backend, with writes that nobody waits on sent together in one round trip.

Each statement costs a round trip to the server, and on this kind of machine the trip
(system calls on both ends, two wake-ups) costs more than the statement. Most of what an
order-to-cash service writes is never read back in its transaction: the UPDATE of rows it
has locked, the event log's INSERT, the ledger's lines. `rows` hands such writes to
`defer_write`; they wait in a queue and leave in one pipeline (psycopg's pipeline mode)
with whatever comes first: the next statement of any kind on the connection, or the
COMMIT. The server runs them in the order they were made, before that statement, so every
read still sees every write before it. What changes is only when a failing deferred write
says so: at that next statement or at the commit, which then fails and rolls back.

DATABASE_PIPELINE=false (settings) turns the queue off: every write is sent when it is made.
"""

import datetime

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorWrapper, debug_transaction
from django.utils.functional import cached_property
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

from ..common import SameThreadFirst

# psycopg's own loader for timestamptz; registered by its Python name, psycopg puts in its C one.
_PSYCOPG_TIMESTAMPTZ = psycopg.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT)


class _SendsDeferredWritesFirst:
    """A cursor that sends the connection's deferred writes before its own statement."""

    def execute(self, sql, params=None):
        if self.db.deferred_writes:
            self.db.send_deferred_writes()
        return super().execute(sql, params)

    def executemany(self, sql, param_list):
        if self.db.deferred_writes:
            self.db.send_deferred_writes()
        return super().executemany(sql, param_list)

    def callproc(self, procname, params=None, kparams=None):
        if self.db.deferred_writes:
            self.db.send_deferred_writes()
        return super().callproc(procname, params, kparams)


class _CursorWrapper(_SendsDeferredWritesFirst, CursorWrapper):
    pass


class _CursorDebugWrapper(_SendsDeferredWritesFirst, base.CursorDebugWrapper):
    pass


class DatabaseWrapper(SameThreadFirst, base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (sql, params, on_rows): on_rows(rows) gets what the statement returned once sent.
        self.deferred_writes: list[tuple[str, list, object]] = []

    @cached_property
    def defers_writes(self) -> bool:
        return self.settings_dict.get("PIPELINE_WRITES", True) and psycopg.Pipeline.is_supported()

    def defer_write(self, sql: str, params, on_rows=None) -> bool:
        """Queue a write to leave with the next statement or the commit; False: run it yourself now.

        Only inside a transaction: outside one, a write must be done when the call returns.
        """
        if not (self.defers_writes and self.in_atomic_block):
            return False
        self.deferred_writes.append((sql, params, on_rows))
        return True

    def send_deferred_writes(self, *, commit: bool = False) -> None:
        """Send the queued writes (and the COMMIT, when asked) in one round trip."""
        pending, self.deferred_writes = self.deferred_writes, []
        sent = []
        try:
            with self.wrap_database_errors, self.connection.pipeline():
                for sql, params, on_rows in pending:
                    # Through Django's cursor, so query logging and execute_wrappers see each one.
                    cursor = self.cursor()
                    sent.append((cursor, on_rows))
                    cursor.execute(sql, params)
                if commit:
                    self.connection.commit()
            for cursor, on_rows in sent:
                if on_rows is not None:
                    on_rows(cursor.fetchall())
        finally:
            for cursor, _on_rows in sent:
                cursor.close()

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.timezone is datetime.UTC:
            # Django reads timestamps with its own loader, written in Python, to give them its
            # time zone. For UTC, psycopg's gives the same values (Django sets the session's
            # TimeZone to UTC) ten times faster: every row read carries a few timestamps.
            connection.adapters.register_loader("timestamptz", TimestamptzLoader)
        return connection

    def create_cursor(self, name=None):
        if self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT) is _PSYCOPG_TIMESTAMPTZ:
            if name is None and self.timezone is datetime.UTC:
                return self.connection.cursor()
            # The time zone changed (a test's settings) or a named cursor: Django's loader back,
            # for Django's own check that follows.
            register_tzloader(self.timezone, self.connection)
        return super().create_cursor(name)

    def make_cursor(self, cursor):
        return _CursorWrapper(cursor, self)

    def make_debug_cursor(self, cursor):
        return _CursorDebugWrapper(cursor, self)

    def _commit(self):
        if self.deferred_writes and self.connection is not None:
            with debug_transaction(self, "COMMIT"):
                return self.send_deferred_writes(commit=True)
        return super()._commit()

    def _rollback(self):
        # Never sent: nothing of them reached the database, nothing to undo.
        self.deferred_writes = []
        return super()._rollback()

    def _close(self):
        self.deferred_writes = []
        return super()._close()
