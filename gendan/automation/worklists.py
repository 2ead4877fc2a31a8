"""The task worklists, registered with the navigation in AutomationConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from gendan.core.worklists import Worklist, register

from .selectors_worklists import followups_due, may_follow_up, may_oversee_team, team_overdue


def register_worklists() -> None:
    register(
        Worklist(
            key="automation.followups",
            label=_("Customers to follow up today"),
            url_name="automation:worklist_followups",
            api_url_name="worklist-follow-ups-list",
            rows=followups_due,
            allowed=may_follow_up,
            icon="bi-telephone-outbound",
            order=20,
        )
    )
    register(
        Worklist(
            key="automation.team_overdue",
            label=_("My team's overdue tasks"),
            url_name="automation:worklist_team_overdue",
            api_url_name="worklist-team-overdue-list",
            rows=team_overdue,
            allowed=may_oversee_team,
            icon="bi-alarm",
            order=15,
        )
    )
