"""The /api/v1/quotations/ contract: fields, actions, errors (400 field-keyed, 403/404 scope, 409 state),
idempotent creates, every role's scope, and a fixed number of queries."""

import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from gendan.core.models import Event
from gendan.sales.models import Order, Quotation, QuotationStatus
from gendan.sales.services_quotations import quotation_revise, quotation_send
from tests.api_client import api_as
from tests.backbone import stocked_products
from tests.factories import customer_ready_to_order

from .quotation_helpers import draft_quotation, quotation_at, quotation_state

pytestmark = pytest.mark.django_db
S = QuotationStatus


@pytest.fixture
def stock():
    return stocked_products(2)


def payload(customer, products, quantities=("2", "1"), **extra):
    return {
        "customer": customer.pk,
        "contact": customer.contacts.first().pk,
        "lines": [{"product": p.pk, "quantity": q} for p, q in zip(products, quantities, strict=False)],
        **extra,
    }


# --- create and read -----------------------------------------------------------------------------


def test_create_renders_the_quotation_with_its_lines_and_defaults(personas, stock):
    # given
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"], name="常州天宁精密机械有限公司")

    # when
    response = api_as(personas["rep1"]).post(
        "/api/v1/quotations/",
        payload(customer, products)
        | {
            "terms": "含13%增值税",
            "lines": [{"product": products[0].pk, "quantity": "2", "discount_percent": "5"}]
            + [{"product": products[1].pk, "quantity": "1", "unit_price": "60"}],
        },
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    quotation = Quotation.objects.get()
    assert response["ETag"] == '"1"'
    assert body["number"] == body["label"] == quotation.number
    assert body["number"].startswith(f"QT{timezone.localdate():%Y%m}")
    assert (body["revision"], body["previous"], body["status"], body["owner"], body["customer_name"]) == (
        1,
        None,
        "draft",
        personas["rep1"].pk,
        "常州天宁精密机械有限公司",
    )
    assert body["valid_until"] == (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    assert (body["subtotal"], body["tax_amount"], body["total"], body["below_floor"]) == (
        "250.00",
        "32.50",
        "282.50",
        True,
    )
    assert (body["order"], body["order_number"], body["allowed_actions"], body["terms"]) == (
        None,
        None,
        ["send"],
        "含13%增值税",
    )
    assert body["lines"] == [
        {
            "id": body["lines"][0]["id"],
            "position": 1,
            "product": products[0].pk,
            "product_sku": products[0].sku,
            "product_name": products[0].name,
            "quantity": "2.000",
            "unit_price": "100.00",
            "discount_percent": "5.00",
            "amount": "190.00",
            "below_floor": False,
        },
        {
            "id": body["lines"][1]["id"],
            "position": 2,
            "product": products[1].pk,
            "product_sku": products[1].sku,
            "product_name": products[1].name,
            "quantity": "1.000",
            "unit_price": "60.00",
            "discount_percent": "0.00",
            "amount": "60.00",
            "below_floor": True,
        },
    ]


def test_create_with_an_idempotency_key_answers_a_retry_with_the_first_answer(personas, stock):
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])

    first = client.post("/api/v1/quotations/", payload(customer, products), format="json", HTTP_IDEMPOTENCY_KEY="q1")
    retry = client.post("/api/v1/quotations/", payload(customer, products), format="json", HTTP_IDEMPOTENCY_KEY="q1")
    other = client.post(
        "/api/v1/quotations/", payload(customer, products[:1]), format="json", HTTP_IDEMPOTENCY_KEY="q1"
    )

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    assert Quotation.objects.count() == 1


def test_bad_input_is_400_keyed_by_field_and_row(personas, stock):
    # given: a product off sale and a zero quantity pass the shape checks; the service finds them wrong
    _warehouse, products = stock
    products[1].is_active = False
    products[1].save()
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])

    shape = client.post(
        "/api/v1/quotations/",
        {"customer": customer.pk, "valid_until": "someday", "lines": [{"quantity": "x"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    service = client.post(
        "/api/v1/quotations/",
        payload(customer, products, quantities=("0", "1")),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    past = client.post(
        "/api/v1/quotations/",
        payload(customer, products[:1], valid_until=(timezone.localdate() - datetime.timedelta(days=1)).isoformat()),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert shape.status_code == 400
    assert set(shape.json()) == {"valid_until", "lines"}
    assert set(shape.json()["lines"]["0"]) == {"product", "quantity"}
    assert service.status_code == 400
    assert service.json() == {
        "lines": {
            "0": {"quantity": ["Enter a quantity above zero."]},
            "1": {"product": [f"{products[1]} is no longer sold."]},
        }
    }
    assert past.json() == {"valid_until": ["A quotation must be valid at least until today."]}
    assert not Quotation.objects.exists()


def test_a_customer_out_of_scope_is_unknown(personas, stock):
    _warehouse, products = stock
    theirs = customer_ready_to_order(personas["rep3"])

    response = api_as(personas["rep1"]).post("/api/v1/quotations/", payload(theirs, products), format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"customer", "contact"}
    assert not Quotation.objects.exists()


@pytest.mark.parametrize("role", ["follower1", "warehouse1", "finance1", "service1", "boss1"])
def test_people_who_do_not_sell_may_not_create_403(personas, stock, role):
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])

    response = api_as(personas[role]).post("/api/v1/quotations/", payload(customer, products), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Quotation.objects.exists()


def test_anonymous_is_401(personas):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/quotations/").status_code == 401


# --- every role sees its scope ------------------------------------------------------------------

SEES = {
    "rep1": {"rep1"},
    "rep2": set(),
    "rep3": {"rep3"},
    "manager1": {"rep1", "rep3"},
    "follower1": {"rep1"},
    "warehouse1": {"rep1", "rep3"},
    "logistics1": {"rep1", "rep3"},
    "finance1": {"rep1", "rep3"},
    "service1": {"rep1", "rep3"},
    "boss1": {"rep1", "rep3"},
    "admin": {"rep1", "rep3"},
}


@pytest.mark.parametrize("role", list(SEES))
def test_each_role_lists_and_opens_exactly_the_quotations_in_its_scope(personas, role):
    # given
    quotations = {rep: draft_quotation(personas[rep]) for rep in ("rep1", "rep3")}
    client = api_as(personas[role])

    # when
    listed = {row["id"] for row in client.get("/api/v1/quotations/").json()["results"]}
    opened = {rep: client.get(f"/api/v1/quotations/{q.pk}/").status_code for rep, q in quotations.items()}
    pdf = {rep: client.get(f"/api/v1/quotations/{q.pk}/events/").status_code for rep, q in quotations.items()}

    # then: out of scope is 404, never 403
    assert listed == {quotations[rep].pk for rep in SEES[role]}
    assert opened == {rep: 200 if rep in SEES[role] else 404 for rep in quotations}
    assert pdf == opened


def test_an_action_on_a_quotation_out_of_scope_is_404_and_changes_nothing(personas):
    quotation = quotation_at(S.SENT, personas)
    before = quotation_state(quotation)

    response = api_as(personas["rep2"]).post(f"/api/v1/quotations/{quotation.pk}/accept/")

    assert response.status_code == 404
    assert quotation_state(quotation) == before


def test_someone_who_reads_but_does_not_sell_gets_403_on_an_action(personas):
    quotation = quotation_at(S.SENT, personas)
    before = quotation_state(quotation)

    response = api_as(personas["boss1"]).post(f"/api/v1/quotations/{quotation.pk}/send/")

    assert response.status_code == 403
    assert quotation_state(quotation) == before


# --- editing -------------------------------------------------------------------------------------


def test_patch_replaces_the_lines_of_a_draft_and_a_stale_version_is_409(personas, stock):
    _warehouse, products = stock
    quotation = draft_quotation(personas["rep1"], products[:1])
    client = api_as(personas["rep1"])

    patched = client.patch(
        f"/api/v1/quotations/{quotation.pk}/",
        {"version": 1, "notes": "客户要求加急", "lines": [{"product": products[1].pk, "quantity": "4"}]},
        format="json",
    )
    stale = client.patch(f"/api/v1/quotations/{quotation.pk}/", {"notes": "又改"}, format="json", HTTP_IF_MATCH='"1"')

    assert patched.status_code == 200
    assert (patched.json()["version"], patched.json()["total"], patched["ETag"]) == (2, "452.00", '"2"')
    assert (stale.status_code, stale.json()["code"], stale.json()["current_version"]) == (409, "stale_version", 2)
    quotation.refresh_from_db()
    assert quotation.notes == "客户要求加急"


def test_a_sent_quotation_is_not_editable_409(personas):
    quotation = quotation_at(S.SENT, personas)

    response = api_as(personas["rep1"]).patch(f"/api/v1/quotations/{quotation.pk}/", {"notes": "x"}, format="json")

    assert (response.status_code, response.json()["code"], response.json()["status"]) == (409, "not_editable", "sent")


# --- the actions ---------------------------------------------------------------------------------


def test_an_outside_client_sends_revises_and_gets_an_order_from_a_quotation(personas, stock):
    # given
    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    client = api_as(personas["rep1"])
    created = client.post("/api/v1/quotations/", payload(customer, products), format="json").json()

    # when
    sent = client.post(f"/api/v1/quotations/{created['id']}/send/")
    revised = client.post(f"/api/v1/quotations/{created['id']}/revise/")
    second = revised.json()
    client.patch(
        f"/api/v1/quotations/{second['id']}/", {"lines": [{"product": products[0].pk, "quantity": "9"}]}, format="json"
    )
    client.post(f"/api/v1/quotations/{second['id']}/send/")
    accepted = client.post(f"/api/v1/quotations/{second['id']}/accept/", {}, format="json")

    # then
    assert (sent.status_code, sent.json()["status"], sent.json()["allowed_actions"]) == (
        200,
        "sent",
        ["revise", "accept", "reject"],
    )
    assert revised.status_code == 201
    assert (second["number"], second["revision"], second["label"], second["previous"], second["status"]) == (
        created["number"],
        2,
        f"{created['number']}-V2",
        created["id"],
        "draft",
    )
    assert client.get(f"/api/v1/quotations/{created['id']}/").json()["status"] == "superseded"
    assert accepted.status_code == 201
    order = accepted.json()
    assert (order["status"], order["customer"], order["owner"]) == ("draft", customer.pk, personas["rep1"].pk)
    assert [(ln["product"], ln["quantity"]) for ln in order["lines"]] == [(products[0].pk, "9.000")]
    after = client.get(f"/api/v1/quotations/{second['id']}/").json()
    assert (after["status"], after["order"], after["order_number"]) == ("accepted", order["id"], order["number"])
    verbs = [e["verb"] for e in client.get(f"/api/v1/quotations/{second['id']}/events/").json()["results"]]
    assert verbs == ["quotation.accepted", "quotation.sent", "quotation.updated", "quotation.created"]


def test_accepting_an_expired_quotation_is_409_with_its_code(personas):
    quotation = quotation_at(S.SENT, personas)
    before = quotation_state(quotation)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=31), tick=False):
        response = api_as(personas["rep1"]).post(f"/api/v1/quotations/{quotation.pk}/accept/")

    assert response.status_code == 409
    assert response.json()["code"] == "quotation_expired"
    assert response.json()["valid_until"] == quotation.valid_until.isoformat()
    assert quotation_state(quotation) == before
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("status", "action"),
    [(S.DRAFT, "accept"), (S.DRAFT, "reject"), (S.DRAFT, "revise"), (S.SENT, "send"), (S.ACCEPTED, "revise")],
)
def test_an_action_the_state_forbids_is_409(personas, status, action):
    quotation = quotation_at(status, personas)
    before = quotation_state(quotation)

    response = api_as(personas["rep1"]).post(
        f"/api/v1/quotations/{quotation.pk}/{action}/", {"reason": "价格"}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (409, "transition_not_allowed")
    assert quotation_state(quotation) == before


def test_rejecting_without_a_reason_is_400_on_the_reason(personas):
    quotation = quotation_at(S.SENT, personas)

    missing = api_as(personas["rep1"]).post(f"/api/v1/quotations/{quotation.pk}/reject/", {}, format="json")
    blank = api_as(personas["rep1"]).post(
        f"/api/v1/quotations/{quotation.pk}/reject/", {"reason": "  "}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    given = api_as(personas["rep1"]).post(
        f"/api/v1/quotations/{quotation.pk}/reject/", {"reason": "预算削减"}, format="json"
    )

    assert (missing.status_code, list(missing.json())) == (400, ["reason"])
    assert blank.json() == {"reason": ["Give a reason."]}
    assert (given.status_code, given.json()["status"], given.json()["reject_reason"]) == (200, "rejected", "预算削减")


def test_the_pdf_endpoint_serves_the_pdf(personas):
    customer = customer_ready_to_order(personas["rep1"], name="佛山顺德家电配件有限公司")
    quotation = draft_quotation(personas["rep1"], customer=customer)
    client = api_as(personas["rep1"])

    response = client.get(f"/api/v1/quotations/{quotation.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    missing = client.get("/api/v1/quotations/999999/pdf/", HTTP_ACCEPT="application/pdf")

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "佛山顺德家电配件有限公司" in text and quotation.number in text
    assert missing.status_code == 404
    assert b"not_found" in missing.content


def test_the_list_filters_by_status_customer_and_owner(personas):
    sent = quotation_at(S.SENT, personas)
    draft = draft_quotation(personas["rep1"])
    theirs = draft_quotation(personas["rep3"])
    client = api_as(personas["manager1"])

    def ids(**params):
        return [row["id"] for row in client.get("/api/v1/quotations/", params).json()["results"]]

    assert ids(status="sent") == [sent.pk]
    assert ids(customer=draft.customer_id) == [draft.pk]
    assert sorted(ids(owner=personas["rep3"].pk)) == [theirs.pk]


# --- query budget --------------------------------------------------------------------------------


def test_list_queries_do_not_grow_with_the_number_of_quotations(personas, django_assert_num_queries):
    _warehouse, products = stocked_products(2)
    client = api_as(personas["rep1"])
    customer = customer_ready_to_order(personas["rep1"])
    draft_quotation(personas["rep1"], products, customer=customer)

    # token, 2 × permissions, count, quotations, lines
    with django_assert_num_queries(6):
        assert client.get("/api/v1/quotations/").json()["count"] == 1
    for _ in range(4):
        quotation_revise(
            quotation=quotation_send(
                quotation=draft_quotation(personas["rep1"], products, customer=customer), actor=personas["rep1"]
            ),
            actor=personas["rep1"],
        )
    with django_assert_num_queries(6):
        assert client.get("/api/v1/quotations/").json()["count"] == 9


def test_detail_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    quotation = draft_quotation(personas["rep1"])
    client = api_as(personas["rep1"])

    # token, 2 × permissions, quotation, lines
    with django_assert_num_queries(5):
        assert client.get(f"/api/v1/quotations/{quotation.pk}/").status_code == 200


def test_events_of_a_quotation(personas):
    quotation = quotation_at(S.SENT, personas)

    results = api_as(personas["rep1"]).get(f"/api/v1/quotations/{quotation.pk}/events/").json()["results"]

    assert [e["verb"] for e in results] == ["quotation.sent", "quotation.created"]
    assert Event.objects.get(pk=results[0]["id"]).changes == {"status": ["draft", "sent"]}


def test_a_quotation_names_its_deal_and_a_deal_out_of_scope_is_unknown(personas, stock):
    from gendan.crm.services_pipeline import opportunity_create

    _warehouse, products = stock
    customer = customer_ready_to_order(personas["rep1"])
    deal = opportunity_create(customer=customer, actor=personas["rep1"], name="年度框架协议")
    theirs = opportunity_create(customer=customer_ready_to_order(personas["rep3"]), actor=personas["rep3"], name="x")
    client = api_as(personas["rep1"])

    made = client.post("/api/v1/quotations/", payload(customer, products, opportunity=deal.pk), format="json")
    refused = client.post("/api/v1/quotations/", payload(customer, products, opportunity=theirs.pk), format="json")

    assert made.status_code == 201
    assert (made.json()["opportunity"], made.json()["opportunity_name"]) == (deal.pk, "年度框架协议")
    assert (refused.status_code, list(refused.json())) == (400, ["opportunity"])
