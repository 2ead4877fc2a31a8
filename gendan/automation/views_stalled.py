"""The leaders' review of stalled items: overdue or untouched for N days, by stage and person."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from gendan.core.bounds import id_from
from gendan.core.lists import paginate

from .stalled import DEFAULT_IDLE_DAYS, may_review_stalled, stalled_list, stalled_review

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
    """The review (counts by stage and person, the longest-waiting few of each stage), or with
    ?stage= one stage's whole list, paginated; ?person= narrows either to one person's; ?recount=1
    counts afresh rather than showing the counts of the last few minutes."""
    if not may_review_stalled(request.user):
        raise PermissionDenied
    days = _idle_days(request.GET.get("days"))
    person_id = id_from(request.GET.get("person"))
    person = get_user_model().objects.filter(pk=person_id).first() if person_id else None
    context = {"days": days, "person": person}
    stage = request.GET.get("stage")
    if stage:
        found = stalled_list(request.user, stage=stage, person_id=person_id, idle_days=days)
        if found is None:
            raise Http404
        rows, item = found
        page_obj = paginate(request, rows)
        items = [item(row) for row in page_obj.object_list]
        context |= {
            "stage": stage,
            "items": items,
            "page_obj": page_obj,
            "stage_label": items[0].stage if items else "",
        }
        return render(request, "automation/stalled/stage.html", context)
    recount = request.GET.get("recount") == "1"
    review = stalled_review(request.user, idle_days=days, person_id=person_id, recount=recount)
    return render(request, "automation/stalled/stalled.html", context | {"review": review})


urlpatterns = [path("stalled/", stalled_view, name="stalled")]
