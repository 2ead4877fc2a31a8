"""A failing daily backup is retried with a doubling wait (1, 2, 4 ... minutes, at most an hour), remembered in
Huey's store; `restore` refuses while a worker's heartbeat is fresh, unless --force."""

import contextlib
import datetime
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from huey.contrib.djhuey import HUEY

from gendan.core import jobs
from gendan.core.backups import backup_retry_wait
from gendan.core.health import HEARTBEAT_KEY, heartbeat_record

T0 = datetime.datetime(2026, 12, 7, 19, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def huey_store():
    for key in (jobs.BACKUP_FAILURES_KEY, HEARTBEAT_KEY):
        HUEY.get(key)
    yield
    for key in (jobs.BACKUP_FAILURES_KEY, HEARTBEAT_KEY):
        HUEY.get(key)


def test_the_wait_doubles_up_to_an_hour():
    assert [backup_retry_wait(n) for n in (1, 2, 3, 6, 7, 50)] == [
        MINUTE,
        2 * MINUTE,
        4 * MINUTE,
        32 * MINUTE,
        60 * MINUTE,
        60 * MINUTE,
    ]


def test_a_failing_backup_is_tried_after_1_2_4_minutes_and_forgotten_once_it_works(monkeypatch, huey_store):
    monkeypatch.setattr(jobs, "backup_due", lambda **kwargs: True)
    tries = []
    outcome = {"fail": True}

    def take(**kwargs):
        tries.append(kwargs)
        if outcome["fail"]:
            raise OSError("No space left on device")

    monkeypatch.setattr(jobs, "backup_take", take)
    minutes_tried = []
    for minute in range(10):
        count = len(tries)
        with contextlib.suppress(OSError):
            jobs.daily_backup.call_local(now=T0 + minute * MINUTE)
        if len(tries) > count:
            minutes_tried.append(minute)
    # then: tried at once, then 1, 2 and 4 minutes after each failure — not every minute
    assert minutes_tried == [0, 1, 3, 7]
    assert HUEY.get(jobs.BACKUP_FAILURES_KEY, peek=True)["count"] == 4

    # when: the disk has room again, the next due try succeeds and the failures are forgotten
    outcome["fail"] = False
    jobs.daily_backup.call_local(now=T0 + 15 * MINUTE)
    assert len(tries) == 5
    assert HUEY.get(jobs.BACKUP_FAILURES_KEY, peek=True) is None


def test_restore_refuses_while_a_worker_is_alive_unless_forced(tmp_path, monkeypatch, huey_store, english):
    archive = tmp_path / "gendan-backup-20261207T183000Z.tar.gz"
    archive.write_bytes(b"not read: refused before")
    restored = []
    monkeypatch.setattr(
        "gendan.core.management.commands.restore.backup_restore",
        lambda path: restored.append(path) or SimpleNamespace(created_at=T0),
    )
    heartbeat_record()
    with pytest.raises(CommandError, match="stop the web and worker processes first"):
        call_command("restore", str(archive), "--yes")
    assert restored == []

    call_command("restore", str(archive), "--yes", "--force")
    assert restored == [archive]


def test_a_stale_heartbeat_does_not_stop_a_restore(tmp_path, monkeypatch, huey_store, settings):
    archive = tmp_path / "gendan-backup-20261207T183000Z.tar.gz"
    archive.write_bytes(b"")
    restored = []
    monkeypatch.setattr(
        "gendan.core.management.commands.restore.backup_restore",
        lambda path: restored.append(path) or SimpleNamespace(created_at=T0),
    )
    heartbeat_record(now=0)
    call_command("restore", str(archive), "--yes")
    assert restored == [archive]
