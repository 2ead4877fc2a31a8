"""Huey jobs of core (imported by CoreConfig.ready()): call a service, safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from .services_exports import export_build, exports_purge_expired


@db_task()
def build_export(export_id: int):
    """Writes a large list's download; the status page polls its progress."""
    export_build(export_id)


@db_periodic_task(crontab(minute="23"))
@lock_task("core-purge-exports")
def purge_exports():
    """Hourly: downloads past their expiry are deleted with their files."""
    exports_purge_expired()
