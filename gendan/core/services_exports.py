"""Downloads of large lists, written by the worker: streamed row by row into a file the user fetches later."""

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from . import exportable
from .exports import WRITERS
from .models import Export, ExportStatus

logger = logging.getLogger(__name__)

# Rows read from the database at a time, and how often the progress is written.
CHUNK_SIZE = 2000


def export_waiting(*, actor, list_name: str, query: str, fmt: str) -> Export | None:
    """The same download already queued or running for `actor`: asked again (a reload, a second click), it is that one."""
    return Export.objects.filter(
        user=actor,
        list_name=list_name,
        query=query,
        format=fmt,
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING],
        expires_at__gt=timezone.now(),
    ).first()


def export_create(*, actor, list_name: str, query: str, fmt: str, filename: str) -> Export:
    """A download of the list `list_name` filtered and sorted by `query`, waiting for the worker."""
    return Export.objects.create(
        user=actor,
        list_name=list_name,
        query=query,
        format=fmt,
        filename=filename,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )


def sorted_rows(table_class, queryset, query, exclude):
    """The list's rows in the order the page shows them for `query` (its ?sort=, else the default)."""
    return table_class.order(queryset, table_class.sort_key(query.get("sort"), exclude))


def export_build(export_id: int) -> None:
    """Writes the file of a queued export. Safe to run twice: only the run that claims it does the work.

    No transaction is held: the rows are read in chunks and each progress update commits on its own.
    """
    if not Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(status=ExportStatus.RUNNING):
        return
    export = Export.objects.select_related("user").get(pk=export_id)
    entry = exportable.get(export.list_name)
    user = export.user
    # The user may have lost the right to the list since asking.
    if entry is None or not user.is_active or not user.has_perm(entry.permission):
        _finish(export_id, ExportStatus.FAILED)
        return
    query = QueryDict(export.query)
    table_class, queryset, exclude = entry.rows(user, query)
    records = sorted_rows(table_class, queryset, query, exclude)
    table = table_class(records.none(), exclude=exclude, downloading=True)
    # For the progress bar; counted here, so the request that asked for the file did not have to.
    Export.objects.filter(pk=export_id).update(rows_total=queryset.count())
    done = 0

    def counted(rows):
        nonlocal done
        for row in rows:
            yield row
            done += 1
            if done % CHUNK_SIZE == 0:
                Export.objects.filter(pk=export_id).update(rows_done=done)

    name = f"exports/{export_id}.{export.format}"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "wb") as out:
            rows = table.export_rows(counted(records.iterator(chunk_size=CHUNK_SIZE)))
            WRITERS[export.format](rows, table.export_columns(), out)
    except Exception:
        logger.exception("Export %s failed", export_id)
        path.unlink(missing_ok=True)
        _finish(export_id, ExportStatus.FAILED)
        return
    _finish(export_id, ExportStatus.DONE, file=name, rows_done=done, rows_total=done)


def _finish(export_id, status, **fields):
    Export.objects.filter(pk=export_id).update(status=status, finished_at=timezone.now(), **fields)


def exports_purge_expired() -> int:
    """Deletes the exports past their expiry, files and all; returns how many."""
    purged = 0
    for export in Export.objects.filter(expires_at__lte=timezone.now()).iterator():
        if export.file:
            export.file.delete(save=False)
        export.delete()
        purged += 1
    return purged
