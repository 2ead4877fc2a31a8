"""The task worklist pages: customers to follow up today, the team's overdue tasks."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _

from gendan.core.tables import list_response

from .selectors_worklists import followups_due, may_follow_up, may_oversee_team, team_overdue
from .tables_worklists import FollowupsDueTable, TeamOverdueTable


@login_required
def followups_due_view(request):
    if not may_follow_up(request.user):
        raise PermissionDenied
    context = {
        "title": _("Customers to follow up today"),
        "intro": _("Your follow-ups due today or overdue: log the follow-up on the customer's page to settle them."),
    }
    return list_response(request, FollowupsDueTable, followups_due(user=request.user), "worklist.html", context)


@login_required
def team_overdue_view(request):
    if not may_oversee_team(request.user):
        raise PermissionDenied
    context = {
        "title": _("My team's overdue tasks"),
        "intro": _("Open tasks of the people you oversee that are past due, the oldest first."),
    }
    return list_response(request, TeamOverdueTable, team_overdue(user=request.user), "worklist.html", context)


urlpatterns = [
    path("work/follow-ups/", followups_due_view, name="worklist_followups"),
    path("work/team-overdue/", team_overdue_view, name="worklist_team_overdue"),
]
