"""Huey jobs of core (imported by CoreConfig.ready()): call a service, safe to run twice."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task, lock_task

from .backups import backup_due, backup_retry_wait, backup_take
from .health import heartbeat_record
from .services_exports import export_build, exports_purge_expired

BACKUP_FAILURES_KEY = "gendan:backup-failures"


@db_task()
def build_export(export_id: int):
    """Writes a large list's download; the status page polls its progress."""
    export_build(export_id)


@db_periodic_task(crontab(minute="23"))
@lock_task("core-purge-exports")
def purge_exports():
    """Hourly: downloads past their expiry are deleted with their files."""
    exports_purge_expired()


@db_periodic_task(crontab(minute="*"))
def record_heartbeat():
    """Each minute: readiness (/health/ready/) and the metrics tell from it that a worker is alive."""
    heartbeat_record()


@db_periodic_task(crontab(minute="*"))
@lock_task("core-daily-backup")
def daily_backup(now: datetime.datetime | None = None):
    """The daily backup at BACKUP_HOUR on the company's clock, keeping the newest BACKUP_KEEP archives.

    Huey's crontab reads UTC and BACKUP_HOUR may be any minute, so the job looks each minute whether the day's
    archive is still missing: a worker that was down at that hour takes it when it is back.
    """
    now = now or timezone.now()
    due = backup_due(
        now=now, directory=settings.BACKUP_DIR, at=settings.BACKUP_HOUR, zone=zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )
    if not due:
        return
    # A failure (disk full, pg_dump missing) is remembered beside the queue: the next try waits 1, 2, 4 ... minutes,
    # at most an hour, rather than failing every minute into the log.
    failures = HUEY.get(BACKUP_FAILURES_KEY, peek=True)
    if failures and now.timestamp() < failures["at"] + backup_retry_wait(failures["count"]).total_seconds():
        return
    try:
        backup_take(output_dir=settings.BACKUP_DIR, keep=settings.BACKUP_KEEP)
    except Exception:
        count = failures["count"] + 1 if failures else 1
        HUEY.put(BACKUP_FAILURES_KEY, {"count": count, "at": now.timestamp()})
        raise
    if failures:
        HUEY.get(BACKUP_FAILURES_KEY)
