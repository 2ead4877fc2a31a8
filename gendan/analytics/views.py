"""The dashboard page: the reader's dashboards as tabs, the period picker, and the chosen dashboard's cards and charts."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gendan.core.forms import bootstrap

from .dashboards import build, dashboards_for
from .forms import PeriodForm, trend_period
from .metrics import company_today


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
    cards, charts = build(board, request.user, period, compare, trend)
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
    }
    return render(request, "analytics/dashboard.html", context)
