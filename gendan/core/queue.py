"""Huey on SQLite (the default, without Redis), with an enqueue of one statement.

Every committed transaction hands its events to the queue (gendan.core.events), so the
enqueue is on the path of every write request. Huey wraps its single INSERT in BEGIN
EXCLUSIVE ... COMMIT; in autocommit mode the INSERT alone is just as atomic, and three
statements fewer.
"""

import huey
from huey.storage import SqliteStorage


class _SqliteStorage(SqliteStorage):
    def enqueue(self, data, priority=None):
        with self.lock:
            self.conn.execute(
                "insert into task (queue, data, priority) values (?, ?, ?)",
                (self.name, self.to_blob(data), priority or 0),
            )


class SqliteHuey(huey.SqliteHuey):
    storage_class = _SqliteStorage
