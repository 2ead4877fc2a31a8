"""The task worklists: customers to follow up today (a seller's), overdue tasks of a leader's team."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gendan.automation.services import task_create
from gendan.core import worklists
from tests.api_client import api_as
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db


def _task(person, related, due_at, title="联系客户"):
    return task_create(actor=person, title=title, assignee=person, related=related, due_at=due_at)


def _listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].rows]


def test_followups_due_are_my_customer_tasks_due_by_tonight_overdue_first(client, personas):
    rep = personas["rep1"]
    customer = customer_ready_to_order(rep)
    now = timezone.now()
    overdue = _task(rep, customer, now - datetime.timedelta(days=2))
    # Today, a minute before the day ends on the rep's clock.
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59)
    tonight = _task(rep, customer, end_of_today)
    _task(rep, customer, end_of_today + datetime.timedelta(days=1))  # tomorrow
    other = customer_ready_to_order(personas["rep2"])
    _task(personas["rep2"], other, now - datetime.timedelta(hours=1))  # someone else's
    client.force_login(rep)

    assert _listed(client, reverse("automation:worklist_followups")) == [overdue.pk, tonight.pk]
    assert {w.key: c for w, c in worklists.with_counts(rep)}["automation.followups"] == 2
    body = api_as(rep).get("/api/v1/worklists/follow-ups/").json()
    assert [row["id"] for row in body["results"]] == [overdue.pk, tonight.pk]
    assert body["results"][0]["record_id"] == customer.pk


def test_team_overdue_shows_the_teams_late_tasks_not_my_own(client, personas):
    manager, rep = personas["manager1"], personas["rep1"]
    customer = customer_ready_to_order(rep)
    now = timezone.now()
    late = _task(rep, customer, now - datetime.timedelta(hours=3))
    _task(rep, customer, now + datetime.timedelta(hours=3))  # not late yet
    _task(manager, customer, now - datetime.timedelta(hours=3))  # the manager's own: in My tasks
    client.force_login(manager)

    assert _listed(client, reverse("automation:worklist_team_overdue")) == [late.pk]
    assert [row["id"] for row in api_as(manager).get("/api/v1/worklists/team-overdue/").json()["results"]] == [late.pk]
    # A rep oversees nobody: no such list, no page, an empty API list.
    client.force_login(rep)
    assert client.get(reverse("automation:worklist_team_overdue")).status_code == 403
    assert "automation.team_overdue" not in [w.key for w in worklists.for_user(rep)]
    assert api_as(rep).get("/api/v1/worklists/team-overdue/").json()["count"] == 0
