"""/api/v1/follow-ups/ and /api/v1/meetings/: scope through the customer, field errors, refused actions."""

import datetime
import zoneinfo

import pytest
import time_machine
from rest_framework.test import APIClient

from gendan.automation.models import Task
from gendan.crm.models import FollowUp, Meeting
from gendan.crm.services_followups import followup_create, meeting_schedule
from tests.api_client import api_as
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2025, 3, 3, 10, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(personas):
    """Alice's and Carol's customers, each with a follow-up and a planned meeting."""
    records = {}
    for rep in ("rep1", "rep3"):
        customer = customer_ready_to_order(personas[rep])
        followup = followup_create(customer=customer, actor=personas[rep], notes=f"{rep}的跟进")
        meeting = meeting_schedule(
            customer=customer, actor=personas[rep], title=f"{rep}的会议", starts_at=NOW + datetime.timedelta(days=1)
        )
        records[rep] = {"customers": customer.pk, "follow-ups": followup.pk, "meetings": meeting.pk}
    return records


# Whose records each role sees, and whether it may record follow-ups and meetings.
SEES = {
    "rep1": {"rep1"},
    "rep2": set(),
    "rep3": {"rep3"},
    "manager1": {"rep1", "rep3"},
    "follower1": {"rep1"},
    "service1": {"rep1", "rep3"},
    "boss1": {"rep1", "rep3"},
    "admin": {"rep1", "rep3"},
}
WRITERS = {"rep1", "rep2", "rep3", "manager1", "follower1", "admin"}
NO_ACCESS = ["warehouse1", "logistics1", "finance1"]


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_lists_and_opens_exactly_the_records_in_its_scope(personas, world, role):
    client = api_as(personas[role])

    for resource in ("follow-ups", "meetings"):
        listed = {row["id"] for row in client.get(f"/api/v1/{resource}/").json()["results"]}
        opened = {owner: client.get(f"/api/v1/{resource}/{world[owner][resource]}/").status_code for owner in world}

        assert listed == {world[owner][resource] for owner in SEES[role]}
        assert opened == {owner: 200 if owner in SEES[role] else 404 for owner in world}


@pytest.mark.parametrize("role", [*SEES, *NO_ACCESS])
def test_each_role_may_create_only_what_its_role_allows(personas, role):
    client = api_as(personas[role])

    answers = {r: client.post(f"/api/v1/{r}/", {}, format="json").status_code for r in ("follow-ups", "meetings")}

    assert answers == dict.fromkeys(("follow-ups", "meetings"), 400 if role in WRITERS else 403)


@pytest.mark.parametrize("role", NO_ACCESS)
def test_roles_without_sales_work_do_not_read_follow_ups(personas, world, role):
    client = api_as(personas[role])

    assert client.get("/api/v1/follow-ups/").status_code == 403
    assert client.get("/api/v1/meetings/").status_code == 403


def test_anonymous_gets_401(world):
    client = APIClient()

    assert client.get("/api/v1/follow-ups/").status_code == 401
    assert client.get(f"/api/v1/meetings/{world['rep1']['meetings']}/").status_code == 401


# --- follow-ups --------------------------------------------------------------------------------


def test_follow_ups_are_listed_by_customer(personas, world):
    client = api_as(personas["manager1"])

    rows = client.get("/api/v1/follow-ups/", {"customer": world["rep1"]["customers"]}).json()["results"]

    assert [(r["id"], r["notes"], r["author_name"], r["kind"]) for r in rows] == [
        (world["rep1"]["follow-ups"], "rep1的跟进", "rep1", "call")
    ]


def test_filtering_by_an_out_of_scope_customer_finds_nothing(personas, world):
    client = api_as(personas["rep1"])

    assert client.get("/api/v1/follow-ups/", {"customer": world["rep3"]["customers"]}).json()["count"] == 0
    assert client.get("/api/v1/meetings/", {"customer": world["rep3"]["customers"]}).json()["count"] == 0


def test_a_follow_up_is_created_with_its_next_follow_up_task(personas):
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])

    response = client.post(
        "/api/v1/follow-ups/",
        {
            "customer": customer.pk,
            "kind": "wechat",
            "notes": "微信发送了产品资料",
            "contact": customer.contacts.get().pk,
            "next_followup_on": "2025-03-06",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["occurred_at"], body["contact_name"], body["customer_name"]) == (
        "wechat",
        "2025-03-03T10:00:00+08:00",
        "王经理",
        customer.name,
    )
    assert Task.objects.get().due_at == datetime.datetime(2025, 3, 6, 18, tzinfo=SHANGHAI)
    customer.refresh_from_db()
    assert client.get(f"/api/v1/customers/{customer.pk}/").json()["last_followed_up_at"] == "2025-03-03T10:00:00+08:00"


def test_bad_follow_ups_get_field_errors_and_nothing_is_written(personas, world):
    client = api_as(personas["rep1"])
    carol = world["rep3"]
    contact_of_carol = FollowUp.objects.get(pk=carol["follow-ups"]).customer.contacts.get().pk

    wrong_customer = client.post("/api/v1/follow-ups/", {"customer": carol["customers"], "notes": "x"}, format="json")
    future = client.post(
        "/api/v1/follow-ups/",
        {"customer": world["rep1"]["customers"], "notes": "x", "occurred_at": "2025-03-04T10:00:00+08:00"},
        format="json",
    )
    foreign_contact = client.post(
        "/api/v1/follow-ups/",
        {"customer": world["rep1"]["customers"], "notes": "x", "contact": contact_of_carol},
        format="json",
    )

    assert (wrong_customer.status_code, list(wrong_customer.json())) == (400, ["customer"])
    assert future.status_code == 400
    assert future.json() == {
        "occurred_at": ["A follow-up is recorded once it has happened; this time is still to come."]
    }
    # Carol's contact is not one Alice can name: it "does not exist" for her.
    assert (foreign_contact.status_code, list(foreign_contact.json())) == (400, ["contact"])
    assert FollowUp.objects.count() == 2


def test_a_retried_create_with_the_same_key_creates_one_follow_up(personas):
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])
    body = {"customer": customer.pk, "notes": "电话"}

    first = client.post("/api/v1/follow-ups/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/follow-ups/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert FollowUp.objects.count() == 1


def test_the_follow_up_list_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])
    followup_create(customer=customer, actor=personas["rep1"], notes="1")

    # token, 2 × permissions, count, rows (with customer, author, contact)
    with django_assert_num_queries(5):
        assert client.get("/api/v1/follow-ups/").json()["count"] == 1
    for index in range(5):
        followup_create(customer=customer, actor=personas["rep1"], notes=str(index), contact=customer.contacts.get())
    with django_assert_num_queries(5):
        assert client.get("/api/v1/follow-ups/").json()["count"] == 6


# --- meetings ----------------------------------------------------------------------------------


def test_a_meeting_is_scheduled_rescheduled_and_held(personas):
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])

    created = client.post(
        "/api/v1/meetings/",
        {
            "customer": customer.pk,
            "title": "需求调研",
            "starts_at": "2025-03-03T15:00:00+08:00",
            "place": "客户现场",
            "contacts": [customer.contacts.get().pk],
        },
        format="json",
    )
    meeting_id = created.json()["id"]
    moved = client.patch(
        f"/api/v1/meetings/{meeting_id}/",
        {"starts_at": "2025-03-03T16:00:00+08:00"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    with time_machine.travel(datetime.datetime(2025, 3, 3, 17, tzinfo=SHANGHAI), tick=False):
        held = client.post(
            f"/api/v1/meetings/{meeting_id}/hold/", {"notes": "调研完成", "outcome": "出方案"}, format="json"
        )
    timeline = client.get(f"/api/v1/meetings/{meeting_id}/events/").json()["results"]

    assert created.status_code == 201
    assert (created.json()["owner"], created.json()["ends_at"]) == (personas["rep1"].pk, "2025-03-03T16:00:00+08:00")
    assert (moved.status_code, moved.json()["version"], moved["ETag"]) == (200, 2, '"2"')
    assert held.status_code == 200
    followup = FollowUp.objects.get(meeting_id=meeting_id)
    assert (held.json()["status"], held.json()["followup"]) == ("held", followup.pk)
    assert followup.occurred_at == datetime.datetime(2025, 3, 3, 16, tzinfo=SHANGHAI)
    assert [e["verb"] for e in timeline] == ["meeting.held", "meeting.updated", "meeting.scheduled"]


def test_refused_meeting_actions_answer_409_and_change_nothing(personas, world):
    client = api_as(personas["rep1"])
    meeting_id = world["rep1"]["meetings"]

    early = client.post(f"/api/v1/meetings/{meeting_id}/hold/", {"notes": "x"}, format="json")
    cancelled = client.post(f"/api/v1/meetings/{meeting_id}/cancel/", {"reason": "客户改期"}, format="json")
    again = client.post(f"/api/v1/meetings/{meeting_id}/cancel/", {"reason": "x"}, format="json")
    edit = client.patch(f"/api/v1/meetings/{meeting_id}/", {"place": "x"}, format="json")

    assert (early.status_code, early.json()["code"]) == (409, "transition_not_allowed")
    assert (cancelled.status_code, cancelled.json()["cancel_reason"]) == (200, "客户改期")
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")
    assert (edit.status_code, edit.json()["code"]) == (409, "transition_not_allowed")
    assert Meeting.objects.get(pk=meeting_id).place == ""


def test_a_teammate_acting_on_a_meeting_by_id_gets_404(personas, world):
    client = api_as(personas["rep2"])
    meeting_id = world["rep1"]["meetings"]

    assert client.post(f"/api/v1/meetings/{meeting_id}/cancel/", {"reason": "x"}, format="json").status_code == 404
    assert client.patch(f"/api/v1/meetings/{meeting_id}/", {"place": "x"}, format="json").status_code == 404
    assert Meeting.objects.get(pk=meeting_id).status == "planned"


def test_the_meeting_list_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])
    meeting_schedule(customer=customer, actor=personas["rep1"], title="1", starts_at=NOW)

    # token, 2 × permissions, count, rows (with customer, owner, follow-up), their contacts
    with django_assert_num_queries(6):
        assert client.get("/api/v1/meetings/").json()["count"] == 1
    for index in range(5):
        meeting_schedule(
            customer=customer,
            actor=personas["rep1"],
            title=str(index),
            starts_at=NOW,
            contacts=[customer.contacts.get()],
        )
    with django_assert_num_queries(6):
        assert client.get("/api/v1/meetings/").json()["count"] == 6
