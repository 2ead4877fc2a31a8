"""Backups: one archive holds the database, the uploaded files, the secret key and a manifest.

The database is copied while the server runs: on SQLite through the online backup API in one step (one read
transaction, so in WAL mode the copy is the database as of one commit while writers go on); on PostgreSQL by
`pg_dump --format=custom` (one snapshot). The manifest names the engine, the migrations applied and a SHA-256 per
file: a restore refuses an archive of the other engine, one from a newer Gendan, or one whose files changed.
The `backup` and `restore` commands and the daily job call these functions (docs/DEPLOY.md).
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode

ARCHIVE_PREFIX = "gendan-backup-"
ARCHIVE_SUFFIX = ".tar.gz"
# Archive names carry their UTC time, so that sorting them by name sorts them by age.
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_DIR = "media"
SECRET_KEY_NAME = "secret_key"


@dataclass(frozen=True)
class Manifest:
    engine: str
    created_at: datetime.datetime
    migrations: dict[str, list[str]]
    files: dict[str, str]
    version: str


BACKUP_RETRY_FIRST = datetime.timedelta(minutes=1)
BACKUP_RETRY_MAX = datetime.timedelta(hours=1)


def backup_retry_wait(failures: int) -> datetime.timedelta:
    """How long the daily job waits after `failures` failed tries in a row: doubling from a minute, at most an hour."""
    return min(BACKUP_RETRY_FIRST * 2 ** min(max(failures, 1) - 1, 10), BACKUP_RETRY_MAX)


def backup_take(*, output_dir: Path, keep: int | None = None, database: str = "default") -> Path:
    """Write one archive into `output_dir`; with `keep`, then delete all but the newest `keep` archives there."""
    archive = backup_create(output_dir=output_dir, database=database)
    if keep is not None:
        backups_prune(output_dir, keep=keep)
    return archive


def backup_create(*, output_dir: Path, database: str = "default") -> Path:
    connection = connections[database]
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    created_at = timezone.now().replace(microsecond=0)
    stamp = created_at.astimezone(datetime.UTC).strftime(STAMP_FORMAT)
    archive = output_dir / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"
    if archive.exists():
        raise ApplicationError(
            _("A backup named %(name)s already exists.") % {"name": archive.name}, ErrorCode.BACKUP_REFUSED
        )
    # The copies are gathered beside the archive, on its disk: /tmp may be a small tmpfs.
    with tempfile.TemporaryDirectory(prefix=".gendan-backup-", dir=output_dir) as work:
        work = Path(work)
        if connection.vendor == "sqlite":
            _sqlite_copy(Path(connection.settings_dict["NAME"]), work / SQLITE_FILE)
        elif connection.vendor == "postgresql":
            _pg_dump(connection.settings_dict, work / PG_FILE)
        else:
            raise ApplicationError(
                _("Backups support SQLite and PostgreSQL, not %(engine)s.") % {"engine": connection.vendor},
                ErrorCode.BACKUP_REFUSED,
            )
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            shutil.copytree(media, work / MEDIA_DIR)
        if settings.SECRET_KEY_FILE and Path(settings.SECRET_KEY_FILE).is_file():
            shutil.copyfile(settings.SECRET_KEY_FILE, work / SECRET_KEY_NAME)
        files = {path.relative_to(work).as_posix(): _sha256(path) for path in sorted(work.rglob("*")) if path.is_file()}
        manifest = {
            "format": MANIFEST_FORMAT,
            "version": _gendan_version(),
            "engine": connection.vendor,
            "created_at": created_at.isoformat(),
            "migrations": _applied_migrations(connection),
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        # Written under a name the retention never counts, and renamed once whole.
        partial = archive.with_name(archive.name + ".partial")
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                tar.add(work / MANIFEST, arcname=MANIFEST)
                for name in files:
                    tar.add(work / name, arcname=name)
            os.replace(partial, archive)
        finally:
            partial.unlink(missing_ok=True)
    return archive


def backups_prune(directory: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in `directory`; return the deleted ones."""
    if keep < 1:
        raise ValueError("keep must be at least 1: a retention that deletes every backup is a mistake")
    archives = backup_archives(directory)
    doomed = archives[:-keep]
    for archive in doomed:
        archive.unlink(missing_ok=True)
    return doomed


def backup_archives(directory: Path) -> list[Path]:
    """The archives in `directory`, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    return sorted(directory.glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"), key=lambda path: path.name)


def backup_due(*, now: datetime.datetime, directory: Path, at: datetime.time, zone) -> bool:
    """Whether the daily backup at `at` (company time) is still missing: no archive since its latest moment.

    A worker that was down at that moment takes the backup when it comes back, once.
    """
    local = now.astimezone(zone)
    moment = datetime.datetime.combine(local.date(), at, tzinfo=zone)
    if moment > local:
        moment -= datetime.timedelta(days=1)
    archives = backup_archives(directory)
    if not archives:
        return True
    return _archive_time(archives[-1]) < moment


def backup_read(archive: Path, into: Path) -> Manifest:
    """Unpack `archive` into `into` and check it whole: its manifest, every file's checksum, nothing unlisted."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            # The "data" filter refuses absolute paths, "..", links out of the folder and device files.
            tar.extractall(into, filter="data")
        raw = json.loads((into / MANIFEST).read_text())
        manifest = Manifest(
            engine=raw["engine"],
            created_at=datetime.datetime.fromisoformat(raw["created_at"]),
            migrations=raw["migrations"],
            files=raw["files"],
            version=raw.get("version", ""),
        )
        if raw["format"] != MANIFEST_FORMAT:
            raise ValueError(f"archive format {raw['format']}, this Gendan reads {MANIFEST_FORMAT}")
    except (OSError, tarfile.TarError, ValueError, KeyError, TypeError) as error:
        raise ApplicationError(
            _("%(name)s is not a readable Gendan backup (%(error)s).") % {"name": Path(archive).name, "error": error},
            ErrorCode.BACKUP_REFUSED,
        )
    present = {path.relative_to(into).as_posix() for path in into.rglob("*") if path.is_file()} - {MANIFEST}
    damaged = sorted(
        name for name in set(manifest.files) | present if manifest.files.get(name) != _sha256_or_none(into / name)
    )
    if damaged:
        raise ApplicationError(
            _("The backup has been altered or damaged: %(files)s.") % {"files": ", ".join(damaged[:5])},
            ErrorCode.BACKUP_REFUSED,
            extra={"files": damaged},
        )
    return manifest


def backup_restore(archive: Path, *, database: str = "default") -> Manifest:
    """Put the archive's database, uploaded files and secret key in place of the configured ones.

    The web and worker processes must be stopped: on SQLite the database file is replaced.
    """
    connection = connections[database]
    # Unpacked on the disk of the files it replaces (/tmp may be a small tmpfs).
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".gendan-restore-", dir=media.parent) as work:
        work = Path(work)
        manifest = backup_read(Path(archive), work)
        backup_check_compatible(manifest, database=database)
        connection.close()
        if manifest.engine == "sqlite":
            _sqlite_replace(work / SQLITE_FILE, Path(connection.settings_dict["NAME"]))
        else:
            _pg_restore(connection.settings_dict, work / PG_FILE)
        # An archive without uploaded files restores a company that had none.
        _replace_dir(work / MEDIA_DIR, media)
        if SECRET_KEY_NAME in manifest.files and settings.SECRET_KEY_FILE:
            _replace_file(work / SECRET_KEY_NAME, Path(settings.SECRET_KEY_FILE), mode=0o600)
    return manifest


def backup_check_compatible(manifest: Manifest, *, database: str = "default") -> None:
    connection = connections[database]
    if manifest.engine != connection.vendor:
        raise ApplicationError(
            _("This backup is of a %(archive)s database; the configured database is %(configured)s.")
            % {"archive": manifest.engine, "configured": connection.vendor},
            ErrorCode.BACKUP_REFUSED,
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}" for app, names in manifest.migrations.items() for name in names if (app, name) not in known
    )
    if unknown:
        raise ApplicationError(
            _("This backup was made by a newer Gendan (migrations %(migrations)s): upgrade Gendan first.")
            % {"migrations": ", ".join(unknown[:5])},
            ErrorCode.BACKUP_REFUSED,
            extra={"migrations": unknown},
        )


def _applied_migrations(connection) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _archive_time(archive: Path) -> datetime.datetime:
    stamp = archive.name.removeprefix(ARCHIVE_PREFIX).removesuffix(ARCHIVE_SUFFIX)
    try:
        return datetime.datetime.strptime(stamp, STAMP_FORMAT).replace(tzinfo=datetime.UTC)
    except ValueError:
        # An archive renamed by hand: its file's time says when it was written.
        return datetime.datetime.fromtimestamp(archive.stat().st_mtime, tz=datetime.UTC)


def _sqlite_copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        # pages=-1: the whole database in one step, inside one read transaction. Copying in several steps
        # would start over after every write of another connection, and might never finish on a busy server.
        live.backup(copy, pages=-1)
        # The copy stands alone in the archive, without a write-ahead log beside it.
        copy.execute("PRAGMA journal_mode=DELETE")


def _sqlite_replace(restored: Path, target: Path) -> None:
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(restored, staged)
    if target.exists():
        # A write-ahead log left beside the new file would be replayed into it: empty it first.
        with closing(sqlite3.connect(target, timeout=30)) as live:
            live.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(staged, target)
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)


def _pg_environment(database: dict) -> dict[str, str]:
    """libpq's variables for the configured database: the password never appears on a command line."""
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            environment[variable] = str(database[key])
    if database.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = database["OPTIONS"]["sslmode"]
    return environment


def _pg_dump(database: dict, target: Path) -> None:
    _run_pg(
        ["pg_dump", "--format=custom", "--no-password", f"--file={target}", f"--dbname={database['NAME']}"], database
    )


def _pg_restore(database: dict, dump: Path) -> None:
    # One transaction: a restore that fails half-way leaves the database as it was.
    command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _run_pg([*command, "--no-password", f"--dbname={database['NAME']}", str(dump)], database)


def _run_pg(command: list[str], database: dict) -> None:
    try:
        subprocess.run(command, env=_pg_environment(database), check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise ApplicationError(
            _("%(program)s is not installed on this machine.") % {"program": command[0]}, ErrorCode.BACKUP_REFUSED
        )
    except subprocess.CalledProcessError as error:
        raise ApplicationError(
            _("%(program)s failed: %(error)s") % {"program": command[0], "error": error.stderr.strip()[-2000:]},
            ErrorCode.BACKUP_REFUSED,
        )


def _replace_dir(restored: Path, target: Path) -> None:
    staged = target.with_name(target.name + ".restoring")
    previous = target.with_name(target.name + ".previous")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)
    if restored.is_dir():
        shutil.copytree(restored, staged)
    else:
        staged.mkdir(parents=True)
    if target.exists():
        target.rename(previous)
    staged.rename(target)
    shutil.rmtree(previous, ignore_errors=True)


def _replace_file(restored: Path, target: Path, *, mode: int) -> None:
    staged = target.with_name(target.name + ".restoring")
    shutil.copyfile(restored, staged)
    staged.chmod(mode)
    os.replace(staged, target)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256_or_none(path: Path) -> str | None:
    return _sha256(path) if path.is_file() else None


def _gendan_version() -> str:
    with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as stream:
        return tomllib.load(stream)["project"]["version"]
