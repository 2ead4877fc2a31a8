"""/api/v1/tasks/ and /api/v1/notifications/: the contract, the scope, and refused actions.

Alice (rep1) and Bob (rep2) sell in East, Carol (rep3) in North; Mia (manager1) leads Sales
above both teams. It is Monday 24 November 2025, 10:00 in Shanghai.
"""

import datetime
import zoneinfo

import pytest
import time_machine
from rest_framework.test import APIClient

from gendan.automation import services
from gendan.automation.models import Notification, Task, TaskStatus
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


NOW = at(2025, 11, 24, 10, 0)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def make_task(assignee, title="Call back", *, due=None, related=None, actor=None) -> Task:
    return services.task_create(actor=actor, title=title, assignee=assignee, due_at=due, related=related)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- reading -----------------------------------------------------------------------------------


def test_a_task_reads_as_the_contract_says(personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)
    task = make_task(rep, "Send the contract", due=at(2025, 11, 24, 15, 0), related=order, actor=personas["manager1"])

    # when
    response = api_as(rep).get(f"/api/v1/tasks/{task.pk}/")

    # then
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert {k: body[k] for k in ("id", "title", "assignee", "record_type", "record_id", "record_repr")} == {
        "id": task.pk,
        "title": "Send the contract",
        "assignee": rep.pk,
        "record_type": "sales.order",
        "record_id": order.pk,
        "record_repr": order.number,
    }
    assert (body["status"], body["priority"], body["source"], body["escalation_level"]) == (
        "open",
        "normal",
        "person",
        0,
    )
    assert datetime.datetime.fromisoformat(body["due_at"]) == at(2025, 11, 24, 15, 0)
    assert (body["created_by"], body["rule"], body["rule_name"], body["completed_at"]) == (
        personas["manager1"].pk,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("rep1", {"rep1"}),
        ("rep2", {"rep2"}),  # a teammate's tasks are not his
        ("manager1", {"rep1", "rep2", "rep3"}),  # leads Sales: every team below it
        ("follower1", set()),  # sees the East team's orders, not its people's to-do lists
        ("warehouse1", {"warehouse1"}),  # sees every order, not everyone's tasks
        ("boss1", {"rep1", "rep2", "rep3", "warehouse1"}),  # executives oversee everyone
    ],
)
def test_each_person_lists_and_opens_exactly_the_tasks_in_their_scope(personas, viewer, sees):
    # given one task each
    tasks = {name: make_task(personas[name], f"{name}'s task") for name in ("rep1", "rep2", "rep3", "warehouse1")}
    client = api_as(personas[viewer])

    # when
    listed = set(ids(client.get("/api/v1/tasks/")))
    opened = {name for name, task in tasks.items() if client.get(f"/api/v1/tasks/{task.pk}/").status_code == 200}
    hidden = {client.get(f"/api/v1/tasks/{task.pk}/").status_code for name, task in tasks.items() if name not in sees}

    # then
    assert listed == {tasks[name].pk for name in sees}
    assert opened == sees
    assert hidden <= {404}


def test_anonymous_requests_are_refused(personas):
    task = make_task(personas["rep1"])

    statuses = [
        APIClient().get("/api/v1/tasks/").status_code,
        APIClient().get(f"/api/v1/tasks/{task.pk}/").status_code,
        APIClient().post(f"/api/v1/tasks/{task.pk}/complete/").status_code,
        APIClient().get("/api/v1/notifications/").status_code,
    ]

    assert statuses == [401, 401, 401, 401]


def test_filters_by_status_due_time_and_assignee(personas):
    # given
    rep, mia = personas["rep1"], personas["manager1"]
    late = make_task(rep, "Late", due=at(2025, 11, 23, 9, 0))
    today = make_task(rep, "Today", due=at(2025, 11, 24, 16, 0))
    later = make_task(rep, "Later", due=at(2025, 11, 28, 9, 0))
    done = make_task(rep, "Done", due=at(2025, 11, 24, 9, 0))
    services.task_complete(task=done, actor=rep)
    carols = make_task(personas["rep3"], "Carol's", due=at(2025, 11, 24, 12, 0))
    client = api_as(mia)

    # when / then
    assert ids(client.get("/api/v1/tasks/", {"status": "open", "assignee": rep.pk})) == [late.pk, today.pk, later.pk]
    assert ids(client.get("/api/v1/tasks/", {"status": "done"})) == [done.pk]
    assert ids(
        client.get(
            "/api/v1/tasks/", {"due_after": "2025-11-24T00:00:00+08:00", "due_before": "2025-11-25T00:00:00+08:00"}
        )
    ) == [done.pk, carols.pk, today.pk]
    assert client.get("/api/v1/tasks/", {"status": "someday"}).status_code == 400


def test_the_list_runs_the_same_queries_for_one_task_or_many(personas, django_assert_num_queries):
    rep = personas["rep1"]
    make_task(rep)
    client = api_as(rep)
    client.get("/api/v1/tasks/")

    # token and user, the user's permissions (user's and groups'), departments led, count, page
    with django_assert_num_queries(6):
        assert client.get("/api/v1/tasks/").json()["count"] == 1
    for n in range(4):
        make_task(rep, f"More {n}")
    with django_assert_num_queries(6):
        assert client.get("/api/v1/tasks/").json()["count"] == 5


# --- creating ----------------------------------------------------------------------------------


def test_creating_a_task_about_an_order_for_a_colleague(personas):
    # given
    rep = personas["rep1"]
    _warehouse, products = stocked_products(1)
    order = draft_order(rep, products)

    # when
    response = api_as(rep).post(
        "/api/v1/tasks/",
        {
            "title": "Pack it with care",
            "assignee": personas["warehouse1"].pk,
            "due_at": "2025-11-25T09:00:00+08:00",
            "priority": "high",
            "order": order.pk,
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["assignee"], body["created_by"], body["record_type"], body["record_id"], body["priority"]) == (
        personas["warehouse1"].pk,
        rep.pk,
        "sales.order",
        order.pk,
        "high",
    )
    assert Notification.objects.filter(recipient=personas["warehouse1"], task_id=body["id"]).count() == 1


def test_a_task_for_yourself_is_the_default_and_an_idempotency_key_makes_a_retry_safe(personas):
    client = api_as(personas["rep1"])
    headers = {"Idempotency-Key": "c0ffee"}

    first = client.post("/api/v1/tasks/", {"title": "Think"}, format="json", headers=headers)
    again = client.post("/api/v1/tasks/", {"title": "Think"}, format="json", headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert first.json()["assignee"] == personas["rep1"].pk
    assert Task.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"title": ""}, {"title"}),
        ({"title": "x", "due_at": "tomorrow"}, {"due_at"}),
        ({"title": "x", "priority": "whenever"}, {"priority"}),
        ({"title": "x", "assignee": 999999}, {"assignee"}),
        ({"title": "x", "customer": "CAROL"}, {"customer"}),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_creates_nothing(personas, payload, errors):
    response = api_as(personas["rep1"]).post("/api/v1/tasks/", payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == errors
    assert not Task.objects.exists()


def test_a_record_out_of_sight_does_not_exist_for_the_creator(personas):
    carols = customer_ready_to_order(personas["rep3"])

    response = api_as(personas["rep1"]).post("/api/v1/tasks/", {"title": "x", "customer": carols.pk}, format="json")

    assert response.status_code == 400
    assert "customer" in response.json()
    assert not Task.objects.exists()


def test_an_inactive_assignee_is_refused(personas):
    personas["rep2"].is_active = False
    personas["rep2"].save()

    response = api_as(personas["rep1"]).post(
        "/api/v1/tasks/", {"title": "x", "assignee": personas["rep2"].pk}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"assignee"}


# --- actions -----------------------------------------------------------------------------------


def test_complete_then_complete_again_is_a_conflict(personas):
    rep = personas["rep1"]
    task = make_task(rep)
    client = api_as(rep)

    done = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"note": "Called, all fine"}, format="json")
    again = client.post(f"/api/v1/tasks/{task.pk}/complete/", format="json")

    assert done.status_code == 200
    assert (done.json()["status"], done.json()["completed_by"], done.json()["version"]) == ("done", rep.pk, 2)
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["status"]) == ("transition_not_allowed", "done")


def test_snooze_moves_the_due_time_and_refuses_the_past(personas):
    task = make_task(personas["rep1"], due=at(2025, 11, 24, 9, 0))
    client = api_as(personas["rep1"])

    past = client.post(f"/api/v1/tasks/{task.pk}/snooze/", {"until": "2025-11-24T09:59:00+08:00"}, format="json")
    missing = client.post(f"/api/v1/tasks/{task.pk}/snooze/", {}, format="json")
    moved = client.post(f"/api/v1/tasks/{task.pk}/snooze/", {"until": "2025-11-25T09:00:00+08:00"}, format="json")

    assert (past.status_code, set(past.json())) == (400, {"until"})
    assert (missing.status_code, set(missing.json())) == (400, {"until"})
    assert moved.status_code == 200
    assert datetime.datetime.fromisoformat(moved.json()["due_at"]) == at(2025, 11, 25, 9, 0)


def test_reassign_needs_a_reason_and_hands_the_task_over(personas):
    task = make_task(personas["rep1"])
    client = api_as(personas["rep1"])
    rep2 = personas["rep2"].pk

    no_reason = client.post(f"/api/v1/tasks/{task.pk}/reassign/", {"assignee": rep2, "reason": ""}, format="json")
    to_self = client.post(
        f"/api/v1/tasks/{task.pk}/reassign/", {"assignee": personas["rep1"].pk, "reason": "x"}, format="json"
    )
    handed = client.post(f"/api/v1/tasks/{task.pk}/reassign/", {"assignee": rep2, "reason": "Off sick"}, format="json")

    assert (no_reason.status_code, set(no_reason.json())) == (400, {"reason"})
    assert (to_self.status_code, set(to_self.json())) == (400, {"assignee"})
    assert (handed.status_code, handed.json()["assignee"]) == (200, rep2)
    # handed out of Alice's sight: she neither assigned it nor leads Bob
    assert client.get(f"/api/v1/tasks/{task.pk}/").status_code == 404


def test_actions_on_a_task_out_of_scope_are_not_found_and_change_nothing(personas):
    task = make_task(personas["rep1"], due=at(2025, 11, 24, 9, 0))
    client = api_as(personas["warehouse1"])

    statuses = [
        client.post(f"/api/v1/tasks/{task.pk}/complete/", format="json").status_code,
        client.post(
            f"/api/v1/tasks/{task.pk}/snooze/", {"until": "2025-11-25T09:00:00+08:00"}, format="json"
        ).status_code,
        client.post(
            f"/api/v1/tasks/{task.pk}/reassign/", {"assignee": personas["rep2"].pk, "reason": "x"}, format="json"
        ).status_code,
        client.get(f"/api/v1/tasks/{task.pk}/events/").status_code,
    ]

    assert statuses == [404, 404, 404, 404]
    task.refresh_from_db()
    assert (task.status, task.version, task.assignee) == (TaskStatus.OPEN, 1, personas["rep1"])


def test_a_leader_completes_a_team_members_task(personas):
    task = make_task(personas["rep3"])

    response = api_as(personas["manager1"]).post(f"/api/v1/tasks/{task.pk}/complete/", format="json")

    assert response.status_code == 200
    assert response.json()["completed_by"] == personas["manager1"].pk


def test_the_tasks_events(personas):
    rep = personas["rep1"]
    task = make_task(rep, due=at(2025, 11, 24, 9, 0))
    services.task_snooze(task=task, actor=rep, until=at(2025, 11, 24, 12, 0))
    services.task_complete(task=task, actor=rep, note="Done by phone")

    response = api_as(rep).get(f"/api/v1/tasks/{task.pk}/events/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["verb"] for row in rows] == ["task.completed", "task.snoozed", "task.created"]
    assert (rows[0]["actor"], rows[0]["data"], rows[0]["changes"]) == (
        "rep1",
        {"note": "Done by phone"},
        {"status": ["open", "done"]},
    )


# --- notifications -----------------------------------------------------------------------------


def test_notifications_are_the_recipients_only(personas, english):
    alices = Notification.objects.get(task=make_task(personas["rep1"], "Alice's"))
    bobs = Notification.objects.get(task=make_task(personas["rep2"], "Bob's"))
    client = api_as(personas["rep1"])

    listed = client.get("/api/v1/notifications/")
    theirs = client.get(f"/api/v1/notifications/{bobs.pk}/")
    mark_theirs = client.post(f"/api/v1/notifications/{bobs.pk}/mark-read/")

    assert ids(listed) == [alices.pk]
    row = listed.json()["results"][0]
    assert (row["kind"], row["title"], row["url"], row["is_read"]) == (
        "task.assigned",
        "New task: Alice's",
        f"/tasks/{alices.task_id}/",
        False,
    )
    assert (theirs.status_code, mark_theirs.status_code) == (404, 404)
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_mark_read_one_then_all(personas):
    rep = personas["rep1"]
    first, second, third = (Notification.objects.get(task=make_task(rep, f"T{n}")) for n in range(3))
    client = api_as(rep)

    one = client.post(f"/api/v1/notifications/{first.pk}/mark-read/")
    unread = client.get("/api/v1/notifications/", {"unread": "true"})
    everything = client.post("/api/v1/notifications/mark-all-read/")
    nothing_left = client.post("/api/v1/notifications/mark-all-read/")

    assert one.status_code == 200 and one.json()["is_read"] is True
    assert set(ids(unread)) == {second.pk, third.pk}
    assert everything.json() == {"marked": 2}
    assert nothing_left.json() == {"marked": 0}
    assert not Notification.objects.filter(recipient=rep, read_at__isnull=True).exists()
