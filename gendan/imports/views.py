"""Import pages: the list, the upload, naming the columns, the dry run's errors, the progress of the commit, done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import add_service_errors
from gendan.core.lists import paginate

from .columns import COLUMNS, NOTES
from .forms import MappingForm, UploadForm, kinds_for
from .models import FINISHED, Import, ImportStatus
from .progress import percent, rows_done
from .rows import may_import
from .running import check_soon, commit_soon
from .selectors import import_list
from .services import import_commit, import_create, import_map
from .sheets import CONTENT_TYPES, FORMATS, LANGUAGES, template_file, template_name

ERRORS_PER_PAGE = 50
# Where the records of each kind are listed once imported.
LISTS = {
    "customers": "crm:customer_list",
    "products": "catalog:product_list",
    "stock": "inventory:stock_list",
    "orders": "sales:order_list",
}


def _importer(request):
    if not may_import(request.user):
        raise PermissionDenied


def _own(request, pk) -> Import:
    # Somebody else's import does not exist, as far as anyone else can tell.
    return get_object_or_404(import_list(user=request.user), pk=pk)


@login_required
@require_GET
def import_index(request):
    _importer(request)
    page = paginate(request, import_list(user=request.user).defer("errors", "headers", "mapping", "result"))
    return render(request, "imports/list.html", {"page_obj": page, "imports": page.object_list})


@login_required
def import_new(request):
    _importer(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            imp = import_create(
                actor=request.user, kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], ask_mapping=True
            )
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if imp.status == ImportStatus.MAPPING:
                return redirect("imports:mapping", pk=imp.pk)
            check_soon(imp)
            return redirect("imports:detail", pk=imp.pk)
    templates = [
        {
            "kind": kind,
            "label": label,
            "files": [(lang, fmt) for lang in LANGUAGES for fmt in FORMATS],
            "note": NOTES.get(kind, ""),
        }
        for kind, label in kinds_for(request.user)
    ]
    return render(request, "imports/new.html", {"form": form, "templates": templates})


@login_required
@require_GET
def import_template(request, kind):
    _importer(request)
    fmt, lang = request.GET.get("format", "xlsx"), request.GET.get("lang", "zh-hans")
    if kind not in COLUMNS or fmt not in FORMATS or lang not in LANGUAGES:
        raise Http404
    response = HttpResponse(template_file(kind, lang, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, template_name(kind, lang, fmt))
    return response


@login_required
def import_mapping(request, pk):
    imp = _own(request, pk)
    if imp.status != ImportStatus.MAPPING:
        return redirect("imports:detail", pk=imp.pk)
    form = MappingForm(request.POST or None, imp=imp)
    if request.method == "POST" and form.is_valid():
        try:
            imp = import_map(imp=imp, actor=request.user, mapping=form.mapping())
        except ValidationError as exc:
            add_service_errors(exc, {"": form})
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            check_soon(imp)
            return redirect("imports:detail", pk=imp.pk)
    recognised = set(imp.mapping)
    fields = [(form[f"column_{i}"], header in recognised) for i, header in enumerate(form.headers)]
    return render(request, "imports/mapping.html", {"imp": imp, "form": form, "fields": fields})


@login_required
@require_GET
def import_detail(request, pk):
    """The import as it stands; while it runs, HTMX polls this page for the progress fragment, and the whole page is
    reloaded once it has finished."""
    imp = _own(request, pk)
    running = imp.status in (ImportStatus.CHECKING, ImportStatus.COMMITTING)
    if request.htmx and not running:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context = {"imp": imp, "running": running, "rows_done": rows_done(imp), "percent": percent(imp)}
    if request.htmx:
        return render(request, "imports/progress.html", context)
    if imp.errors:
        context["errors_page"] = Paginator(imp.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context["list_url"] = LISTS.get(imp.kind)
    context["may_commit"] = imp.status == ImportStatus.CHECKED and not imp.errors
    context["finished"] = imp.status in FINISHED
    return render(request, "imports/detail.html", context)


@login_required
@require_POST
def import_commit_view(request, pk):
    imp = _own(request, pk)
    try:
        imp = import_commit(imp=imp, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        commit_soon(imp)
    return redirect("imports:detail", pk=imp.pk)


urlpatterns = [
    path("", import_index, name="list"),
    path("new/", import_new, name="new"),
    path("templates/<slug:kind>/", import_template, name="template"),
    path("<int:pk>/", import_detail, name="detail"),
    path("<int:pk>/mapping/", import_mapping, name="mapping"),
    path("<int:pk>/commit/", import_commit_view, name="commit"),
]
