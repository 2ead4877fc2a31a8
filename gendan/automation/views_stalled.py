"""The leaders' review of stalled items: overdue or untouched for N days, by stage and person."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from .stalled import DEFAULT_IDLE_DAYS, by_person, by_stage, may_review_stalled, stalled_items

MAX_IDLE_DAYS = 365


def _idle_days(value: str | None) -> int:
    """?days= as a number of days from 1 to a year; anything else is the default."""
    text = (value or "").strip()
    # ASCII digits only: "²" passes isdigit() and fails int().
    if not (text.isascii() and text.isdigit()):
        return DEFAULT_IDLE_DAYS
    return min(max(int(text), 1), MAX_IDLE_DAYS)


@login_required
@require_GET
def stalled_view(request):
    if not may_review_stalled(request.user):
        raise PermissionDenied
    days = _idle_days(request.GET.get("days"))
    items = stalled_items(request.user, idle_days=days)
    return render(
        request,
        "automation/stalled/stalled.html",
        {
            "days": days,
            "items": items,
            "by_stage": by_stage(items),
            "by_person": by_person(items),
            "overdue_count": sum(item.overdue_since is not None for item in items),
            "idle_count": sum(item.idle_since is not None for item in items),
        },
    )


urlpatterns = [path("stalled/", stalled_view, name="stalled")]
