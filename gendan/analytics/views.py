"""The dashboard page: the reader's dashboards as tabs, the period picker, and the chosen dashboard's cards and charts."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gendan.core.forms import bootstrap

from .dashboards import BAR, SERIES_NAMES, build, dashboards_for
from .forms import PeriodForm, trend_period
from .metrics import DAYS, company_today
from .metrics.periods import PREVIOUS
from .metrics.rollups import one_look
from .stalls import (
    deal_stage_times,
    overdue_by_person,
    overdue_by_stage,
    rework_by_owner,
    slowest,
    stage_results,
    stage_times,
    stage_times_by_owner,
)


@login_required
@require_GET
def dashboard(request):
    boards = dashboards_for(request.user)
    if not boards:
        raise PermissionDenied
    board = next((board for board in boards if board.key == request.GET.get("view")), boards[0])
    today = company_today()
    form = PeriodForm(request.GET, today=today)
    period, compare = form.chosen()
    bootstrap(form)
    trend = trend_period(today)
    with one_look():
        cards, charts = build(board, request.user, period, compare, trend)
        slowest_stage = slowest(stage_results(request.user, period, compare)) if board.names_slowest_stage else None
    # Each tab keeps the period picked.
    tabs = []
    for each in boards:
        query = request.GET.copy()
        query["view"] = each.key
        tabs.append((each, query.urlencode()))
    context = {
        "board": board,
        "tabs": tabs,
        "form": form,
        "period": period,
        "compared": period.compared(compare),
        "trend": trend,
        "cards": cards,
        "charts": charts,
        "slowest_stage": slowest_stage,
        "stages_query": _period_query(request),
    }
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_GET
def stages(request):
    """Where work stalls: days in each stage of the order's road, who the orders wait on, what waits now, rework, and
    the overdue tasks by stage and by person."""
    if not request.user.has_perm("sales.view_order"):
        raise PermissionDenied
    today = company_today()
    form = PeriodForm(request.GET, today=today)
    period, compare = form.chosen()
    bootstrap(form)
    with one_look():
        rows = stage_times(request.user, period, compare)
        context = {
            "form": form,
            "period": period,
            "compared": period.compared(compare),
            "rows": rows,
            "deal_rows": deal_stage_times(request.user, period, compare),
            "slowest_stage": slowest(rows),
            "chart": _stage_chart(rows, compare),
            "people": stage_times_by_owner(request.user, period),
            "rework": rework_by_owner(request.user, period, compare),
            "overdue_stages": overdue_by_stage(request.user),
            "overdue_people": overdue_by_person(request.user, period),
        }
    return render(request, "analytics/stages.html", context)


def _period_query(request) -> str:
    """The period picked, to carry from the dashboard to the stages page."""
    query = request.GET.copy()
    query.pop("view", None)
    return query.urlencode()


def _stage_chart(rows, compare: str) -> dict:
    """The days in each stage as bars (charts.js), this period's beside the compared one's; no drill-down: the
    passages are events, which no list shows."""
    return {
        "kind": BAR,
        "unit": DAYS,
        "horizontal": False,
        "categories": [str(row.stage.label) for row in rows],
        "series": [
            {"name": str(_("This period")), "values": [row.result.total for row in rows], "urls": [None] * len(rows)},
            {
                "name": str(SERIES_NAMES[compare or PREVIOUS]),
                "values": [row.result.compare_total for row in rows],
                "urls": [None] * len(rows),
            },
        ],
    }
