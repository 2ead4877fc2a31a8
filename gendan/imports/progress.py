"""How far a running dry run or commit has got, readable while it runs.

The rows an import writes and its record's final status commit together, all or nothing; a count written to the
import's row inside that transaction would be seen by nobody until the end. The live count goes to the queue's
key-value store instead (its own SQLite file, or Redis), and the record keeps the final count.
"""

from huey.contrib.djhuey import HUEY

from .models import Import, ImportStatus

# How often the live count is written: about a hundred times for the largest file, once for a small one.
EVERY = 100


def _key(import_id: int) -> str:
    return f"import-progress:{import_id}"


def progress_set(import_id: int, done: int) -> None:
    HUEY.put(_key(import_id), done)


def progress_clear(import_id: int) -> None:
    HUEY.get(_key(import_id))


def rows_done(imp: Import) -> int:
    if imp.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING):
        return HUEY.get(_key(imp.pk), peek=True) or 0
    return imp.rows_done


def percent(imp: Import) -> int:
    if imp.status in (ImportStatus.DONE, ImportStatus.CHECKED, ImportStatus.FAILED):
        return 100
    return min(99, rows_done(imp) * 100 // imp.rows_total) if imp.rows_total else 0
