"""The default queue (Huey on SQLite) with its one-statement enqueue keeps Huey's order and contents."""

import pytest
from django.conf import settings
from huey.contrib.djhuey import HUEY

from gendan.core.queue import SqliteHuey


def test_tasks_come_out_by_priority_then_in_the_order_they_went_in(tmp_path):
    queue = SqliteHuey("test", filename=str(tmp_path / "queue.sqlite3"))
    storage = queue.storage

    storage.enqueue(b"first")
    storage.enqueue(b"urgent", priority=10)
    storage.enqueue(b"second")

    assert storage.queue_size() == 3
    assert [bytes(storage.dequeue()) for _ in range(3)] == [b"urgent", b"first", b"second"]
    assert storage.dequeue() is None


def test_a_task_goes_through_the_queue_and_comes_back_the_same(tmp_path):
    queue = SqliteHuey("test", filename=str(tmp_path / "queue.sqlite3"))

    @queue.task()
    def add(a, b):
        return a + b

    result = add(2, 3)
    assert queue.pending_count() == 1
    queue.execute(queue.dequeue())
    assert result.get() == 5


@pytest.mark.skipif(settings.HUEY["huey_class"].endswith("RedisHuey"), reason="REDIS_URL is set")
def test_it_is_the_queue_without_redis():
    assert isinstance(HUEY, SqliteHuey)
