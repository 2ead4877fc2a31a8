"""The reports' pages under /dashboard/reports/: the list (mine and those shared with my team), the builder (new,
edit, save as, shown before saving), a report's page (table, chart, XLSX) and its delete and subscribe buttons.

Thin: the figures are run_report's, every change a service's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import bootstrap

from .forms import PeriodForm
from .forms_reports import ReportForm
from .metrics import company_today
from .models import SavedReport
from .reports import chart_config, report_xlsx, run_report
from .services_reports import report_checked, report_create, report_delete, report_subscribe, report_update

# The chart's id on the page (json_script's and data-chart's).
CHART_ID = "report-chart"


def _seen(request, pk) -> SavedReport:
    return get_object_or_404(SavedReport.objects.seen_by(request.user).select_related("owner", "shared_with"), pk=pk)


@login_required
@require_GET
def report_list(request):
    mine = SavedReport.objects.filter(subscribers=request.user, pk=OuterRef("pk"))
    reports = (
        SavedReport.objects.seen_by(request.user)
        .select_related("owner", "shared_with")
        .annotate(subscribed=Exists(mine))
        .order_by("name", "pk")
    )
    return render(request, "analytics/report_list.html", {"reports": reports})


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    return _builder(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, pk):
    return _builder(request, _seen(request, pk))


def _builder(request, report: SavedReport | None):
    """Build, show before saving ("show"), save (the owner's report, or a new one), or save as a new report."""
    form = ReportForm(request.POST if request.method == "POST" else None, user=request.user, report=report)
    result = None
    if request.method == "POST" and form.is_valid():
        definition = form.definition()
        action = request.POST.get("action", "save")
        try:
            if action == "show":
                checked = report_checked(
                    actor=request.user, fields={k: v for k, v in definition.items() if k != "name"}
                )
                result = run_report(SavedReport(owner=request.user, **_shown(checked)), request.user)
            elif report is not None and action == "save" and report.owner_id == request.user.pk:
                saved = report_update(report=report, actor=request.user, **definition)
                messages.success(request, _("Report saved."))
                return redirect("analytics:report_run", pk=saved.pk)
            else:
                saved = report_create(actor=request.user, **definition)
                messages.success(request, _("Report saved."))
                return redirect("analytics:report_run", pk=saved.pk)
        except ValidationError as error:
            form.add_service_errors(error)
        except ApplicationError as error:
            form.add_error(None, error.message)
    context = {
        "form": form,
        "report": report,
        "mine": report is None or report.owner_id == request.user.pk,
        "result": result,
        "chart": chart_config(result) if result else None,
        "chart_id": CHART_ID,
    }
    return render(request, "analytics/report_builder.html", context)


def _shown(checked: dict) -> dict:
    """The fields an unsaved report is run with."""
    return {key: checked[key] for key in ("dimensions", "measures", "filters")}


@login_required
@require_GET
def report_run(request, pk):
    report = _seen(request, pk)
    today = company_today()
    dates = PeriodForm(request.GET, today=today) if request.GET.get("start") or request.GET.get("end") else None
    start = end = None
    if dates is not None:
        bootstrap(dates)
        if dates.is_valid():
            period, _compare = dates.chosen()
            start, end = period.start, period.end
    result = run_report(report, request.user, start=start, end=end, today=today)
    if request.GET.get("format") == "xlsx":
        return report_xlsx(result, report.name)
    context = {
        "report": report,
        "mine": report.owner_id == request.user.pk,
        "subscribed": report.subscribers.filter(pk=request.user.pk).exists(),
        "dates": dates,
        "result": result,
        "chart": chart_config(result),
        "chart_id": CHART_ID,
        "xlsx_query": _with_format(request),
    }
    return render(request, "analytics/report_run.html", context)


def _with_format(request) -> str:
    query = request.GET.copy()
    query["format"] = "xlsx"
    return query.urlencode()


@login_required
@require_POST
def report_remove(request, pk):
    report = _seen(request, pk)
    try:
        report_delete(report=report, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("analytics:report_run", pk=report.pk)
    messages.success(request, _("Report deleted."))
    return redirect("analytics:report_list")


@login_required
@require_POST
def report_subscription(request, pk):
    report = _seen(request, pk)
    subscribed = request.POST.get("subscribed") == "1"
    try:
        report_subscribe(report=report, actor=request.user, subscribed=subscribed)
    except (ValidationError, ApplicationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", None) or [error.message]))
    else:
        messages.success(
            request, _("You will receive this report.") if subscribed else _("You will no longer receive this report.")
        )
    return redirect("analytics:report_run", pk=report.pk)
