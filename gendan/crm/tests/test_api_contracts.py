"""/api/v1/contracts/: scope through the customer, files by multipart, activation and termination."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gendan.crm.models import Contract
from gendan.crm.services_contracts import contract_activate, contract_create
from tests.api_client import api_as
from tests.factories import customer_ready_to_order, small_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2025, 3, 3, 10, tzinfo=SHANGHAI), tick=False):
        yield


def new_contract(customer, actor, **fields):
    return contract_create(
        customer=customer,
        actor=actor,
        **{"title": "年度供货协议", "start_date": D(2025, 1, 1), "end_date": D(2025, 12, 31), **fields},
    )


@pytest.fixture
def world(personas):
    return {rep: new_contract(customer_ready_to_order(personas[rep]), personas[rep]).pk for rep in ("rep1", "rep3")}


SEES = {
    "rep1": {"rep1"},
    "rep2": set(),
    "rep3": {"rep3"},
    "manager1": {"rep1", "rep3"},
    "follower1": {"rep1"},
    "finance1": {"rep1", "rep3"},
    "service1": {"rep1", "rep3"},
    "boss1": {"rep1", "rep3"},
    "admin": {"rep1", "rep3"},
}
WRITERS = {"rep1", "rep2", "rep3", "manager1", "follower1", "admin"}


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_lists_and_opens_exactly_the_contracts_in_its_scope(personas, world, role):
    client = api_as(personas[role])

    listed = {row["id"] for row in client.get("/api/v1/contracts/").json()["results"]}
    opened = {owner: client.get(f"/api/v1/contracts/{pk}/").status_code for owner, pk in world.items()}
    timelines = {owner: client.get(f"/api/v1/contracts/{pk}/events/").status_code for owner, pk in world.items()}

    assert listed == {world[owner] for owner in SEES[role]}
    assert opened == timelines == {owner: 200 if owner in SEES[role] else 404 for owner in world}


@pytest.mark.parametrize("role", [*SEES, "warehouse1", "logistics1"])
def test_each_role_may_create_only_what_its_role_allows(personas, role):
    response = api_as(personas[role]).post("/api/v1/contracts/", {}, format="json")

    assert response.status_code == (400 if role in WRITERS else 403)


def test_warehouse_staff_do_not_read_contracts(personas, world):
    assert api_as(personas["warehouse1"]).get("/api/v1/contracts/").status_code == 403
    assert APIClient().get("/api/v1/contracts/").status_code == 401


def test_a_contract_is_created_with_its_file_by_multipart_and_the_file_downloaded(personas, client):
    customer = customer_ready_to_order(personas["rep1"])
    api = api_as(personas["rep1"])

    response = api.post(
        "/api/v1/contracts/",
        {
            "customer": customer.pk,
            "title": "维保合同",
            "start_date": "2025-03-01",
            "end_date": "2026-02-28",
            "amount": "86000",
            "file": SimpleUploadedFile("维保.pdf", small_pdf(), content_type="application/pdf"),
        },
        format="multipart",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["status"], body["amount"], body["owner"], body["file_name"]) == (
        "HT2025030001",
        "draft",
        "86000.00",
        personas["rep1"].pk,
        "维保.pdf",
    )
    assert body["file_url"] == f"http://testserver/customers/contracts/{body['id']}/file/"
    client.force_login(personas["rep1"])
    assert b"".join(client.get(body["file_url"]).streaming_content) == small_pdf()


def test_bad_contracts_get_field_errors_and_nothing_is_written(personas, world):
    api = api_as(personas["rep1"])

    others = api.post(
        "/api/v1/contracts/",
        {
            "customer": Contract.objects.get(pk=world["rep3"]).customer_id,
            "title": "x",
            "start_date": "2025-01-01",
            "end_date": "2025-02-01",
        },
        format="json",
    )
    backwards = api.post(
        "/api/v1/contracts/",
        {
            "customer": Contract.objects.get(pk=world["rep1"]).customer_id,
            "title": "倒置",
            "start_date": "2025-03-01",
            "end_date": "2025-02-01",
        },
        format="json",
    )

    assert (others.status_code, list(others.json())) == (400, ["customer"])
    assert (backwards.status_code, backwards.json()) == (
        400,
        {"end_date": ["A contract ends on or after the day it starts."]},
    )
    assert Contract.objects.count() == 2


def test_activate_extend_and_terminate_through_the_api(personas, world):
    api = api_as(personas["rep1"])
    pk = world["rep1"]

    activated = api.post(f"/api/v1/contracts/{pk}/activate/", {"signed_on": "2025-01-02"}, format="json")
    again = api.post(f"/api/v1/contracts/{pk}/activate/", {}, format="json")
    extended = api.patch(f"/api/v1/contracts/{pk}/", {"end_date": "2026-06-30"}, format="json", HTTP_IF_MATCH='"2"')
    stale = api.patch(f"/api/v1/contracts/{pk}/", {"end_date": "2026-12-31"}, format="json", HTTP_IF_MATCH='"2"')
    no_reason = api.post(f"/api/v1/contracts/{pk}/terminate/", {}, format="json")
    terminated = api.post(f"/api/v1/contracts/{pk}/terminate/", {"reason": "客户要求解除"}, format="json")
    timeline = api.get(f"/api/v1/contracts/{pk}/events/").json()["results"]

    assert (activated.status_code, activated.json()["status"], activated.json()["signed_on"]) == (
        200,
        "active",
        "2025-01-02",
    )
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")
    assert (extended.status_code, extended.json()["end_date"], extended["ETag"]) == (200, "2026-06-30", '"3"')
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    assert (no_reason.status_code, list(no_reason.json())) == (400, ["reason"])
    assert (terminated.status_code, terminated.json()["termination_reason"]) == (200, "客户要求解除")
    assert [e["verb"] for e in timeline] == [
        "contract.terminated",
        "contract.updated",
        "contract.activated",
        "contract.created",
    ]


def test_contracts_are_filtered_by_customer_status_and_ending(personas):
    customer = customer_ready_to_order(personas["rep1"])
    soon = contract_activate(
        contract=new_contract(customer, personas["rep1"], end_date=D(2025, 3, 31)), actor=personas["rep1"]
    )
    new_contract(customer, personas["rep1"])
    other = new_contract(customer_ready_to_order(personas["rep1"]), personas["rep1"])
    api = api_as(personas["rep1"])

    def ids(**params):
        return {row["id"] for row in api.get("/api/v1/contracts/", params).json()["results"]}

    assert ids(customer=customer.pk) == {soon.pk, soon.pk + 1}
    assert ids(status="active") == {soon.pk}
    assert ids(ends_within=30) == {soon.pk}
    assert ids(customer=other.customer_id) == {other.pk}


def test_the_list_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    customer = customer_ready_to_order(personas["rep1"])
    new_contract(customer, personas["rep1"])
    api = api_as(personas["rep1"])

    # token, 2 × permissions, count, rows (with customer and owner)
    with django_assert_num_queries(5):
        assert api.get("/api/v1/contracts/").json()["count"] == 1
    for _ in range(5):
        new_contract(customer_ready_to_order(personas["rep1"]), personas["rep1"])
    with django_assert_num_queries(5):
        assert api.get("/api/v1/contracts/").json()["count"] == 6
