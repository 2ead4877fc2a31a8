"""Large downloads: started from a list, prepared by the worker, fetched by the user who asked."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .exports import CONTENT_TYPES
from .jobs import build_export
from .models import Export, ExportStatus
from .services_exports import export_create, export_waiting


def start_export(request, *, list_name: str, fmt: str, filename: str):
    """Queues the download and sends the user to the page that shows its progress."""
    query = request.GET.urlencode()
    export = export_waiting(actor=request.user, list_name=list_name, query=query, fmt=fmt)
    if export is None:
        export = export_create(actor=request.user, list_name=list_name, query=query, fmt=fmt, filename=filename)
        # No transaction is open here (no ATOMIC_REQUESTS): the worker finds the export committed.
        build_export(export.pk)
    return redirect("exports:status", pk=export.pk)


def _own_export(request, pk) -> Export:
    # Somebody else's download does not exist, as far as anyone else can tell.
    return get_object_or_404(Export, pk=pk, user=request.user, expires_at__gt=timezone.now())


@login_required
@require_GET
def export_status(request, pk):
    """The "preparing your download" page; HTMX polls it for the progress fragment until the file is ready."""
    export = _own_export(request, pk)
    context = {
        "export": export,
        "finished": export.status in (ExportStatus.DONE, ExportStatus.FAILED),
        # Became ready while the page was watching: the browser fetches the file by itself.
        "swapped": bool(request.htmx),
    }
    template = "core/export_progress.html" if request.htmx else "core/export_status.html"
    return render(request, template, context)


@login_required
@require_GET
def export_download(request, pk):
    export = _own_export(request, pk)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=CONTENT_TYPES[export.format]
    )
