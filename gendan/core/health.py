"""What readiness and the metrics ask: the database answers, the queue answers, the worker is alive.

The worker proves it is alive by a heartbeat: a periodic job each minute writes the time into Huey's own
key/value store (`record_heartbeat` in core.jobs). It lives beside the queue it proves: no table, no migration,
and on Redis every web process reads the same value the workers write.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection
from huey.contrib.djhuey import HUEY

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "gendan:worker-heartbeat"
OK = "ok"


def heartbeat_record(now: float | None = None) -> None:
    HUEY.put(HEARTBEAT_KEY, time.time() if now is None else now)


def heartbeat_age(now: float | None = None) -> float | None:
    """Seconds since the worker's last heartbeat; None when no worker has ever recorded one."""
    beat = HUEY.get(HEARTBEAT_KEY, peek=True)
    if beat is None:
        return None
    return max(0.0, (time.time() if now is None else now) - beat)


def queue_pending() -> int:
    return HUEY.pending_count()


def readiness() -> dict[str, str]:
    """Each check's status: "ok", or a word saying what is wrong (never the error itself: it may name hosts)."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = OK
    except DatabaseError:
        logger.exception("Readiness: the database does not answer")
        checks["database"] = "unreachable"
    try:
        queue_pending()
        checks["queue"] = OK
    except Exception:
        # Huey's storages raise their own client's errors (sqlite3, redis): any of them means unreachable.
        logger.exception("Readiness: the task queue does not answer")
        checks["queue"] = "unreachable"
    if checks["queue"] != OK:
        checks["worker"] = "unknown"
    else:
        age = heartbeat_age()
        checks["worker"] = OK if age is not None and age <= settings.WORKER_HEARTBEAT_STALE_SECONDS else "stale"
    return checks
