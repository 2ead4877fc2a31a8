"""Backups: a copy taken during writes is consistent, a round trip gives back what was there, a bad archive is refused.

Every path is under tmp_path: the developer's own var/ (database, uploads, key, backups) is never touched.
"""

import datetime
import io
import json
import sqlite3
import tarfile
import threading
import zoneinfo
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction

from gendan.accounts.models import Department
from gendan.core.backups import (
    MANIFEST,
    backup_create,
    backup_due,
    backup_restore,
    backups_prune,
)
from gendan.core.errors import ApplicationError
from gendan.core.jobs import daily_backup

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CHILDREN = 3


@pytest.fixture
def var(settings, tmp_path):
    """Uploaded files, the secret key file and the backup folder in a temporary var directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECRET_KEY_FILE = tmp_path / "secret_key"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEEP = 2
    settings.BACKUP_HOUR = datetime.time(2, 30)
    settings.TIME_ZONE = "Asia/Shanghai"
    (tmp_path / "media" / "contracts").mkdir(parents=True)
    (tmp_path / "media" / "contracts" / "signed.pdf").write_bytes(b"%PDF-1.4 signed")
    settings.SECRET_KEY_FILE.write_text("the-key-of-this-install")
    return tmp_path


@contextmanager
def scratch_database(tmp_path):
    """A second database alias to restore into, and a way to read it that goes around Django's test guard."""
    alias = "restore_target"
    default = connections["default"].settings_dict
    name = str(tmp_path / "restored.sqlite3") if connection.vendor == "sqlite" else f"{default['NAME']}_restored"
    connections.settings[alias] = {**default, "NAME": name}
    admin = None
    if connection.vendor == "postgresql":
        admin = psycopg.connect(_pg_conninfo(default, "postgres"), autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

    def query(sql):
        if connection.vendor == "sqlite":
            with closing(sqlite3.connect(name)) as restored:
                return restored.execute(sql).fetchall()
        with psycopg.connect(_pg_conninfo(default, name)) as restored:
            return restored.execute(sql).fetchall()

    try:
        yield alias, query
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


def _pg_conninfo(settings_dict, dbname):
    parts = {"host": settings_dict.get("HOST"), "port": settings_dict.get("PORT"), "user": settings_dict.get("USER")}
    parts["password"] = settings_dict.get("PASSWORD")
    return " ".join(f"{key}={value}" for key, value in {**parts, "dbname": dbname}.items() if value)


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_rows_are_written_restores_to_a_consistent_copy(var):
    committed = 0
    stop = threading.Event()
    started = threading.Event()
    failures = []

    def write():
        nonlocal committed
        try:
            while not stop.is_set():
                # Each parent with its children in one transaction, one statement each: a copy that is not one
                # snapshot would catch a parent without all its children.
                with transaction.atomic():
                    parent = Department.objects.create(name=f"P{committed}")
                    for child in range(CHILDREN):
                        Department.objects.create(name=f"C{committed}-{child}", parent=parent)
                committed += 1
                if committed == 20:
                    started.set()
        except Exception as error:  # the assertion below reports it
            failures.append(error)
            started.set()
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert started.wait(60)
        before = committed
        archive = backup_create(output_dir=var / "out")
    finally:
        stop.set()
        writer.join()
    assert not failures
    after = committed
    assert after > before  # the writer kept writing around the backup

    with scratch_database(var) as (alias, query):
        backup_restore(archive, database=alias)
        parents = query("SELECT id FROM accounts_department WHERE parent_id IS NULL")
        children = dict(query("SELECT parent_id, COUNT(*) FROM accounts_department GROUP BY parent_id"))
    assert before <= len(parents) <= after
    assert all(children.get(parent_id) == CHILDREN for (parent_id,) in parents)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_commands_give_back_the_database_files_and_key(var, capsys):
    if connection.vendor != "sqlite":
        pytest.skip("replaces the configured SQLite file; PostgreSQL is restored into a scratch database below")
    kept = Department.objects.create(name="Sales")
    call_command("backup", output=var / "out")
    archive = next((var / "out").glob("gendan-backup-*.tar.gz"))

    kept.delete()
    Department.objects.create(name="Made after the backup")
    (var / "media" / "contracts" / "signed.pdf").write_bytes(b"overwritten")
    (var / "media" / "later.png").write_bytes(b"new")
    (var / "secret_key").write_text("another key")

    call_command("restore", str(archive), yes=True)

    assert list(Department.objects.values_list("name", flat=True)) == ["Sales"]
    assert (var / "media" / "contracts" / "signed.pdf").read_bytes() == b"%PDF-1.4 signed"
    assert not (var / "media" / "later.png").exists()
    assert (var / "secret_key").read_text() == "the-key-of-this-install"
    assert (var / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db(transaction=True)
def test_restore_without_yes_asks_and_changes_nothing_unless_told_yes(var, monkeypatch, english):
    Department.objects.create(name="Sales")
    archive = backup_create(output_dir=var / "out")
    Department.objects.create(name="Made after the backup")
    monkeypatch.setattr("builtins.input", lambda question: "no")

    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("restore", str(archive))
    assert Department.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_round_trip_into_a_scratch_database(var):
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL does not point at PostgreSQL")
    sales = Department.objects.create(name="Sales")
    Department.objects.create(name="East", parent=sales)
    archive = backup_create(output_dir=var / "out")
    with tarfile.open(archive) as tar:
        assert "database.pgdump" in tar.getnames()

    with scratch_database(var) as (alias, query):
        manifest = backup_restore(archive, database=alias)
        rows = query("SELECT name, parent_id FROM accounts_department ORDER BY id")
        # The event log's trigger came back with the table.
        triggers = query("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    assert manifest.engine == "postgresql"
    assert rows == [("Sales", None), ("East", sales.pk)]
    assert triggers


def rewrite(archive: Path, target: Path, *, manifest=None, files=None) -> Path:
    """A copy of `archive` with its manifest changed by `manifest(dict)` and files replaced or added."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as copy:
        contents = {member.name: source.extractfile(member).read() for member in source.getmembers() if member.isfile()}
        if manifest:
            contents[MANIFEST] = json.dumps(manifest(json.loads(contents[MANIFEST]))).encode()
        contents.update(files or {})
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return target


@pytest.mark.django_db
def test_a_tampered_archive_is_refused_and_nothing_is_restored(var, english):
    archive = backup_create(output_dir=var / "out")
    (var / "media" / "contracts" / "signed.pdf").write_bytes(b"current")

    changed = rewrite(archive, var / "changed.tar.gz", files={"media/contracts/signed.pdf": b"%PDF-1.4 forged"})
    with pytest.raises(ApplicationError, match="altered or damaged: media/contracts/signed.pdf"):
        backup_restore(changed)
    smuggled = rewrite(archive, var / "smuggled.tar.gz", files={"media/extra.sh": b"echo hi"})
    with pytest.raises(ApplicationError, match="media/extra.sh"):
        backup_restore(smuggled)
    assert (var / "media" / "contracts" / "signed.pdf").read_bytes() == b"current"


@pytest.mark.django_db
def test_another_engines_archive_or_a_newer_gendans_is_refused(var, english):
    archive = backup_create(output_dir=var / "out")
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    foreign = rewrite(archive, var / "foreign.tar.gz", manifest=lambda manifest: {**manifest, "engine": other})
    with pytest.raises(ApplicationError, match=f"backup is of a {other} database"):
        backup_restore(foreign)

    def from_the_future(manifest):
        manifest["migrations"]["core"].append("9999_from_the_future")
        return manifest

    newer = rewrite(archive, var / "newer.tar.gz", manifest=from_the_future)
    with pytest.raises(ApplicationError, match="newer Gendan.*core.9999_from_the_future"):
        backup_restore(newer)

    later_format = rewrite(archive, var / "format.tar.gz", manifest=lambda manifest: {**manifest, "format": 2})
    with pytest.raises(ApplicationError, match="not a readable Gendan backup.*archive format 2"):
        backup_restore(later_format)


def test_retention_keeps_the_newest_archives_and_nothing_else_is_touched(tmp_path):
    names = [f"gendan-backup-2026120{day}T023000Z.tar.gz" for day in range(1, 6)]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("mine")

    deleted = backups_prune(tmp_path, keep=3)

    assert [path.name for path in deleted] == names[:2]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([*names[2:], "notes.txt"])
    with pytest.raises(ValueError):
        backups_prune(tmp_path, keep=0)


def at(day, hour, minute):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def test_the_daily_backup_is_due_once_a_day_after_its_hour(tmp_path):
    def due(now):
        return backup_due(now=now, directory=tmp_path, at=datetime.time(2, 30), zone=SHANGHAI)

    assert due(at(7, 1, 0))  # no archive at all yet
    # Taken on the 6th at 02:30 Shanghai time, 18:30 UTC the day before.
    (tmp_path / "gendan-backup-20261205T183000Z.tar.gz").write_bytes(b"")
    assert not due(at(6, 23, 0))
    assert not due(at(7, 2, 29))
    assert due(at(7, 2, 30))
    assert due(at(8, 9, 0))  # the worker was down at 02:30: taken when it is back


@pytest.mark.django_db
def test_the_daily_job_backs_up_into_backup_dir_and_keeps_backup_keep(var):
    backups = var / "backups"
    backups.mkdir()
    for day in (4, 5):
        (backups / f"gendan-backup-2026120{day}T183000Z.tar.gz").write_bytes(b"")

    daily_backup.call_local(now=at(6, 23, 0))
    assert len(list(backups.iterdir())) == 2

    daily_backup.call_local(now=datetime.datetime.now(datetime.UTC))
    archives = sorted(path.name for path in backups.iterdir())
    assert archives[0] == "gendan-backup-20261205T183000Z.tar.gz"
    assert len(archives) == 2  # BACKUP_KEEP
    with tarfile.open(backups / archives[1]) as tar:
        manifest = json.load(tar.extractfile(MANIFEST))
    assert manifest["engine"] == connection.vendor
    assert "secret_key" in manifest["files"]
    assert "media/contracts/signed.pdf" in manifest["files"]
    assert "0001_initial" in manifest["migrations"]["core"]
