"""The pages beside the dashboard: targets against actuals (and their editor), the leaderboard, the forecast from the
pipeline and the funnel. Every figure comes from a selector of this app (targets, forecast, funnel), which read the
metrics; these views parse, call and render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gendan.core.errors import ApplicationError
from gendan.core.forms import bootstrap, run_service

from .forecast import forecast
from .forms import PeriodForm
from .forms_targets import TargetForm, TargetMonthsForm, TargetPeriodForm, subject_choices, subject_fields
from .funnel import funnel
from .metrics import company_today
from .models import PeriodKind, SubjectKind
from .services_targets import MONTHS, target_delete, target_set, target_set_months
from .targets import SET_TARGET, Sight, board, ranked, target_metrics_for, targets_visible_to, year_plan


def _require_targets(user) -> None:
    if not target_metrics_for(user):
        raise PermissionDenied


def _picked(request):
    form = TargetPeriodForm(request.GET, user=request.user, today=company_today())
    metric, period = form.chosen()
    return form, metric, period


@login_required
@require_GET
def targets(request):
    """The chosen period's targets and actuals, company → teams → reps, and the reader's year by quarter and month."""
    _require_targets(request.user)
    form, metric, period = _picked(request)
    sight = Sight.of(request.user)
    start, end = period.dates()
    context = {
        "form": form,
        "period": period,
        "board": board(request.user, metric=metric, start=start, end=end, sight=sight),
        "plan": year_plan(request.user, metric=metric, year=period.year, sight=sight),
        "may_edit": request.user.has_perm(SET_TARGET),
        "query": urlencode({"metric": metric, "year": period.year}),
    }
    return render(request, "analytics/targets.html", context)


def _subject_key(subject: str, key) -> str:
    return "company" if subject == SubjectKind.COMPANY else f"{subject}:{key}"


def _months_initial(user, sight, subject: str, metric: str, year: int) -> dict:
    """The subject's month targets of the year, as the bulk form starts from."""
    kind, _colon, key = subject.partition(":")
    found = targets_visible_to(user, sight).filter(metric=metric, year=year, period=PeriodKind.MONTH, subject=kind)
    if kind == SubjectKind.TEAM:
        found = found.filter(team_id=key)
    elif kind == SubjectKind.REP:
        found = found.filter(owner_id=key)
    return {f"month_{target.month}": target.amount for target in found}


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request):
    """Set one target, or a subject's twelve months of a year at once (what managers do when they plan a year)."""
    if not request.user.has_perm(SET_TARGET):
        raise PermissionDenied
    _require_targets(request.user)
    sight = Sight.of(request.user)
    subjects = subject_choices(request.user, sight)
    if not subjects:
        raise PermissionDenied
    today = company_today()
    chosen = request.GET.get("subject") if request.GET.get("subject") in dict(subjects) else subjects[0][0]
    initial = {"subject": chosen, "metric": request.GET.get("metric") or "sales", "year": today.year}
    if (year := request.GET.get("year", "")).isdigit():
        initial["year"] = int(year)
    one = TargetForm(user=request.user, subjects=subjects, initial={**initial, "period": PeriodKind.MONTH})
    months_initial = _months_initial(request.user, sight, chosen, initial["metric"], initial["year"])
    months = TargetMonthsForm(user=request.user, subjects=subjects, initial={**initial, **months_initial})
    status = 200
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "months":
            months = TargetMonthsForm(request.POST, user=request.user, subjects=subjects)
            form, call = (
                months,
                lambda data: target_set_months(
                    actor=request.user,
                    metric=data["metric"],
                    year=data["year"],
                    amounts={month: data[f"month_{month}"] for month in MONTHS},
                    **subject_fields(data["subject"]),
                ),
            )
        else:
            one = TargetForm(request.POST, user=request.user, subjects=subjects)
            form, call = (
                one,
                lambda data: target_set(
                    actor=request.user,
                    metric=data["metric"],
                    period=data["period"],
                    year=data["year"],
                    quarter=data["quarter"],
                    month=data["month"],
                    amount=data["amount"],
                    **subject_fields(data["subject"]),
                ),
            )
        if form.is_valid() and run_service(form, lambda: call(form.cleaned_data)) is not None:
            messages.success(request, _("Targets saved."))
            query = urlencode({"metric": form.cleaned_data["metric"], "year": form.cleaned_data["year"]})
            return redirect(f"{reverse('analytics:targets')}?{query}")
        status = 400
    context = {"one": one, "months": months, "subjects": subjects}
    return render(request, "analytics/target_edit.html", context, status=status)


@login_required
@require_POST
def target_remove(request, pk):
    target = targets_visible_to(request.user).filter(pk=pk).first()
    if target is None:
        raise Http404
    try:
        target_delete(actor=request.user, target=target)
    except ApplicationError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("Target removed."))
    query = urlencode(
        {
            "metric": target.metric,
            "year": target.year,
            "period": target.period,
            "quarter": target.quarter or "",
            "month": target.month or "",
        }
    )
    return redirect(f"{reverse('analytics:targets')}?{query}")


@login_required
@require_GET
def leaderboard(request):
    """Reps and teams ranked by a metric over a year, quarter or month, with their attainment."""
    _require_targets(request.user)
    form, metric, period = _picked(request)
    start, end = period.dates()
    found = board(request.user, metric=metric, start=start, end=end)
    context = {
        "form": form,
        "period": period,
        "board": found,
        "reps": ranked(found.reps),
        "teams": ranked(found.leaf_teams),
    }
    return render(request, "analytics/leaderboard.html", context)


def _require_pipeline(user) -> None:
    if not user.has_perm("crm.view_opportunity"):
        raise PermissionDenied


@login_required
@require_GET
def forecast_page(request):
    """The open opportunities in sight, weighted, by expected close month and by owner, with the method."""
    _require_pipeline(request.user)
    found = forecast(request.user)
    chart = {
        "kind": "bar",
        "unit": "money",
        "horizontal": False,
        "categories": [bucket.label for bucket in found.by_month],
        "series": [
            {
                "name": _("Weighted forecast"),
                "values": [bucket.weighted for bucket in found.by_month],
                "urls": [None] * len(found.by_month),
            },
            {
                "name": _("Pipeline amount"),
                "values": [bucket.amount for bucket in found.by_month],
                "urls": [None] * len(found.by_month),
            },
        ],
    }
    return render(request, "analytics/forecast.html", {"forecast": found, "chart": chart})


@login_required
@require_GET
def funnel_page(request):
    """Conversion from stage to stage of the opportunities entered in a period."""
    _require_pipeline(request.user)
    form = PeriodForm(request.GET, today=company_today())
    period, _compare = form.chosen()
    bootstrap(form)
    del form.fields["compare"]
    found = funnel(request.user, start=period.start, end=period.end)
    return render(request, "analytics/funnel.html", {"form": form, "period": period, "funnel": found})
