"""/api/v1/leads/ and /api/v1/opportunities/: scope, the lead's actions, moving deals."""

import datetime
import zoneinfo

import pytest
import time_machine
from rest_framework.test import APIClient

from gendan.core.models import Event
from gendan.crm.models import Customer, Lead, Opportunity
from gendan.crm.services_pipeline import lead_create, opportunity_create
from tests.api_client import api_as
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2025, 3, 3, 10, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def world(personas):
    records = {}
    for rep in ("rep1", "rep3"):
        lead = lead_create(actor=personas[rep], company=f"{rep}的线索公司", phone="13800000000")
        deal = opportunity_create(
            customer=customer_ready_to_order(personas[rep]), actor=personas[rep], name=f"{rep}的商机"
        )
        records[rep] = {"leads": lead.pk, "opportunities": deal.pk}
    return records


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
RESOURCES = ("leads", "opportunities")


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_lists_and_opens_exactly_the_records_in_its_scope(personas, world, role):
    client = api_as(personas[role])

    for resource in RESOURCES:
        listed = {row["id"] for row in client.get(f"/api/v1/{resource}/", {"status": ""}).json()["results"]}
        opened = {owner: client.get(f"/api/v1/{resource}/{world[owner][resource]}/").status_code for owner in world}

        assert listed == {world[owner][resource] for owner in SEES[role]}
        assert opened == {owner: 200 if owner in SEES[role] else 404 for owner in world}


@pytest.mark.parametrize("role", [*SEES, "warehouse1", "finance1"])
def test_each_role_may_create_only_what_its_role_allows(personas, role):
    client = api_as(personas[role])

    answers = {r: client.post(f"/api/v1/{r}/", {}, format="json").status_code for r in RESOURCES}

    assert answers == dict.fromkeys(RESOURCES, 400 if role in WRITERS else 403)


def test_outsiders_do_not_read_the_funnel(personas, world):
    assert api_as(personas["warehouse1"]).get("/api/v1/opportunities/").status_code == 403
    assert api_as(personas["finance1"]).get("/api/v1/leads/").status_code == 403
    assert APIClient().get("/api/v1/leads/").status_code == 401


def test_a_lead_is_entered_contacted_and_converted_with_a_deal(personas):
    client = api_as(personas["rep1"])

    created = client.post(
        "/api/v1/leads/",
        {"company": "嘉兴瑞丰包装材料有限公司", "contact_name": "钱经理", "phone": "13700001111", "source": "官网询盘"},
        format="json",
    )
    lead_id = created.json()["id"]
    contacted = client.post(f"/api/v1/leads/{lead_id}/contact/", {"note": "电话确认需求"}, format="json")
    converted = client.post(
        f"/api/v1/leads/{lead_id}/convert/",
        {"opportunity_name": "包装线改造", "opportunity_amount": "150000"},
        format="json",
    )
    again = client.post(f"/api/v1/leads/{lead_id}/disqualify/", {"reason": "x"}, format="json")

    assert (created.status_code, created.json()["status"], created.json()["owner"]) == (201, "new", personas["rep1"].pk)
    assert (contacted.json()["status"], contacted.json()["contacted_at"]) == ("contacted", "2025-03-03T10:00:00+08:00")
    customer = Customer.objects.get(name="嘉兴瑞丰包装材料有限公司")
    assert (converted.status_code, converted.json()["status"], converted.json()["customer"]) == (
        200,
        "converted",
        customer.pk,
    )
    deal = Opportunity.objects.get()
    assert (deal.name, deal.stage, deal.lead_id, str(deal.amount)) == ("包装线改造", "lead", lead_id, "150000.00")
    assert (again.status_code, again.json()["code"]) == (409, "transition_not_allowed")


def test_a_lead_cannot_be_converted_into_someone_elses_customer(personas, world):
    carol_customer = Opportunity.objects.get(pk=world["rep3"]["opportunities"]).customer_id

    response = api_as(personas["rep1"]).post(
        f"/api/v1/leads/{world['rep1']['leads']}/convert/", {"customer": carol_customer}, format="json"
    )

    assert (response.status_code, list(response.json())) == (400, ["customer"])
    assert Lead.objects.get(pk=world["rep1"]["leads"]).status == "new"


def test_leads_default_to_every_status_and_filter_by_open(personas, world):
    client = api_as(personas["rep1"])
    lead_id = world["rep1"]["leads"]
    client.post(f"/api/v1/leads/{lead_id}/disqualify/", {"reason": "重复线索"}, format="json")

    assert client.get("/api/v1/leads/").json()["count"] == 1
    assert client.get("/api/v1/leads/", {"status": "open"}).json()["count"] == 0
    assert client.get("/api/v1/leads/", {"status": "disqualified"}).json()["count"] == 1


def test_a_deal_is_moved_through_the_funnel(personas, world):
    client = api_as(personas["rep1"])
    deal_id = world["rep1"]["opportunities"]

    visit = client.post(f"/api/v1/opportunities/{deal_id}/move/", {"stage": "first_visit"}, format="json")
    stale = client.post(
        f"/api/v1/opportunities/{deal_id}/move/", {"stage": "proposal"}, format="json", HTTP_IF_MATCH='"1"'
    )
    no_reason = client.post(f"/api/v1/opportunities/{deal_id}/move/", {"stage": "lost"}, format="json")
    lost = client.post(
        f"/api/v1/opportunities/{deal_id}/move/", {"stage": "lost", "lost_reason": "预算取消"}, format="json"
    )
    won_directly = client.post(
        "/api/v1/opportunities/", {"customer": lost.json()["customer"], "name": "x", "stage": "won"}, format="json"
    )

    assert (visit.status_code, visit.json()["stage"], visit.json()["probability"]) == (200, "first_visit", 20)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    assert (no_reason.status_code, no_reason.json()) == (400, {"lost_reason": ["Say why the deal was lost."]})
    assert (lost.json()["stage"], lost.json()["lost_reason"], lost.json()["closed_on"]) == (
        "lost",
        "预算取消",
        "2025-03-03",
    )
    assert (won_directly.status_code, list(won_directly.json())) == (400, ["stage"])
    moves = Event.objects.filter(verb="opportunity.stage_changed").order_by("pk")
    assert [e.data for e in moves] == [
        {"stage": "first_visit", "from": "lead"},
        {"stage": "lost", "from": "first_visit", "reason": "预算取消"},
    ]


def test_a_teammate_moving_a_deal_by_id_gets_404(personas, world):
    deal_id = world["rep1"]["opportunities"]

    response = api_as(personas["rep2"]).post(f"/api/v1/opportunities/{deal_id}/move/", {"stage": "won"}, format="json")

    assert response.status_code == 404
    assert Opportunity.objects.get(pk=deal_id).stage == "lead"


def test_deals_are_filtered_by_stage_and_customer(personas, world):
    client = api_as(personas["manager1"])
    rep1_deal = world["rep1"]["opportunities"]
    client.post(f"/api/v1/opportunities/{rep1_deal}/move/", {"stage": "quote"}, format="json")
    customer = Opportunity.objects.get(pk=rep1_deal).customer_id

    def ids(**params):
        return {row["id"] for row in client.get("/api/v1/opportunities/", params).json()["results"]}

    assert ids(stage="quote") == {rep1_deal}
    assert ids(stage="open") == {rep1_deal, world["rep3"]["opportunities"]}
    assert ids(customer=customer) == {rep1_deal}


@pytest.mark.parametrize("resource", RESOURCES)
def test_the_lists_take_a_fixed_number_of_queries(personas, django_assert_num_queries, resource):
    client = api_as(personas["rep1"])

    def add():
        lead_create(actor=personas["rep1"], company="某公司", phone="1")
        opportunity_create(customer=customer_ready_to_order(personas["rep1"]), actor=personas["rep1"], name="某商机")

    add()
    # token, 2 × permissions, count, rows (with owner, and customer); a deal's filters add its custom fields
    queries = 6 if resource == "opportunities" else 5
    with django_assert_num_queries(queries):
        assert client.get(f"/api/v1/{resource}/").json()["count"] == 1
    for _ in range(4):
        add()
    with django_assert_num_queries(queries):
        assert client.get(f"/api/v1/{resource}/").json()["count"] == 5
