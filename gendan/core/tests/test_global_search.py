"""The global search (PLT-7): one box over every registered kind of record, scoped like each kind's list.

Runs on SQLite and on PostgreSQL alike (DATABASE_URL=postgres://... for the second).
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gendan.core import search
from gendan.core.selectors_search import RESULTS_PER_KIND, global_search
from gendan.crm.models import Contact, Customer
from gendan.crm.services_contracts import contract_create
from gendan.crm.services_pipeline import lead_create, opportunity_create
from gendan.finance.models import Invoice, Payment
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.search import SHIPMENTS
from gendan.sales.models import Order, OrderStatus
from gendan.sales.search import ORDERS
from gendan.sales.tests.quotation_helpers import quotation_at
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import customer_ready_to_order
from tests.stages import order_at

pytestmark = pytest.mark.django_db

KINDS = ["customer", "contact", "lead", "opportunity", "contract", "product", "order"]
KINDS += ["quotation", "shipment", "invoice", "payment"]


@pytest.fixture
def world(personas):
    """rep1's customer 宁波华东机电 (contact 李四, 139 1234 5678) with a closed order, its shipment, invoice and
    payment, a quotation, a contract, a deal and a lead; and rep3's (another team) customer 杭州西湖贸易 with an order."""
    rep, today = personas["rep1"], timezone.localdate()
    order = order_at(OrderStatus.CLOSED, personas)
    customer = order.customer
    Customer.objects.filter(pk=customer.pk).update(name="宁波华东机电有限公司")
    Contact.objects.filter(customer=customer).update(name="李四", phone="139-1234-5678")
    customer.refresh_from_db()
    contract = contract_create(
        customer=customer,
        actor=rep,
        title="年度供货协议",
        start_date=today,
        end_date=today + datetime.timedelta(days=365),
    )
    deal = opportunity_create(customer=customer, actor=rep, name="二期产线改造")
    lead = lead_create(actor=rep, company="温州瓯江电器", contact_name="陈先生", phone="13655556666")
    quotation = quotation_at("draft", personas, customer=customer)
    other = customer_ready_to_order(personas["rep3"], name="杭州西湖贸易有限公司")
    _warehouse, products = stocked_products(1, sku="GS-PUMP-01", name="离心泵")
    other_order = draft_order(personas["rep3"], products, customer=other)
    return {
        "customer": customer,
        "order": order,
        "shipment": Shipment.objects.get(order=order),
        "invoice": Invoice.objects.get(order=order),
        "payment": Payment.objects.get(customer=customer),
        "contract": contract,
        "opportunity": deal,
        "lead": lead,
        "quotation": quotation,
        "other": other,
        "other_order": other_order,
        "product": products[0],
    }


def found(user, term) -> dict[str, list]:
    """{type: [(id, label), ...]} of what `user` finds by `term`."""
    return {group.type: [(row.id, row.label) for row in group.rows] for group in global_search(user=user, term=term)}


def test_every_kind_of_record_is_registered_once_with_its_stable_name():
    assert [kind.name for kind in search.kinds()] == KINDS
    assert len({kind.searchable.model for kind in search.kinds()}) == len(KINDS)


# --- what each kind is found by --------------------------------------------------------------


def test_documents_are_found_by_their_number_and_labelled_with_their_customer(personas, world):
    rep = personas["rep1"]
    for name in ("order", "invoice", "payment", "contract", "shipment"):
        record = world[name]
        # when: the number's first characters, in lower case
        result = found(rep, record.number[:-1].lower())

        # then
        assert (record.pk, f"{record.number} · 宁波华东机电有限公司") in result[name], name

    quotation = world["quotation"]
    assert found(rep, quotation.number)["quotation"] == [(quotation.pk, f"{quotation.number} · 宁波华东机电有限公司")]


def test_a_fragment_of_a_phone_number_finds_the_contact_and_leads_to_its_customer(personas, world):
    # when: digits from the middle of 139-1234-5678
    groups = {group.type: group for group in global_search(user=personas["rep1"], term="1234-56")}

    # then: the contact, named with its customer, opens the customer's page; the customer is found by it too
    (contact,) = groups["contact"].rows
    assert contact.label == "李四 · 宁波华东机电有限公司"
    assert contact.detail == "139-1234-5678"
    assert contact.url == reverse("crm:customer_detail", args=[world["customer"].pk])
    assert [row.id for row in groups["customer"].rows] == [world["customer"].pk]


def test_a_shipment_is_found_by_its_tracking_number_and_opens_its_order(personas, world):
    groups = {group.type: group for group in global_search(user=personas["rep1"], term="SF12345")}

    (shipment,) = groups["shipment"].rows
    assert shipment.id == world["shipment"].pk
    assert shipment.url == reverse("sales:order_detail", args=[world["order"].pk]) + "#shipments"
    assert "SF1234567890" in shipment.detail
    # No list of shipments takes ?q=: nothing to link beyond the rows.
    assert groups["shipment"].list_url == ""


def test_a_tracking_number_or_a_payment_reference_is_found_from_three_characters_on(personas, world):
    rep, shipment, payment = personas["rep1"], world["shipment"], world["payment"]
    Payment.objects.filter(pk=payment.pk).update(reference="ZH-88")

    # Three characters of a code find it; one or two name no code and are not looked for in them.
    assert [pk for pk, _label in found(rep, "F12")["shipment"]] == [shipment.pk]
    assert [pk for pk, _label in found(rep, "H-8")["payment"]] == [payment.pk]
    for term in ("F1", "H-"):
        result = found(rep, term)
        assert "shipment" not in result and "payment" not in result, term
    # A number is still found by its first characters, however few.
    assert shipment.pk in [pk for pk, _label in found(rep, shipment.number[:2])["shipment"]]


def test_a_term_the_probe_finds_nowhere_asks_for_no_rows(personas, world):
    orders = Order.objects.visible_to(personas["admin"])
    with CaptureQueriesContext(connection) as captured:
        found = search.search(orders, ORDERS, "没有这个东西")
        assert list(found) == []
    # The probe's queries alone (the customers' keys, then the count): the list is not read.
    assert len(captured) == 2
    assert found.count() == 0


def test_a_term_counted_through_sqlites_full_text_table_may_be_a_floor(personas, world):
    # Its candidates are cut at the probe's limit before icontains checks them: nothing counted does not prove that
    # nothing matches, and SQLite reads the list. On PostgreSQL nothing counted is nothing found.
    shipments = Shipment.objects.visible_to(personas["admin"])
    with CaptureQueriesContext(connection) as captured:
        assert list(search.search(shipments, SHIPMENTS, "SF0000没有")) == []
    assert len(captured) == (3 if connection.vendor == "sqlite" else 2)


@pytest.mark.parametrize("term", ["华东", "华东机电", "宁波华东机电有限公司"])
def test_chinese_names_are_found_by_two_characters_and_by_more(personas, world, term):
    result = found(personas["rep1"], term)

    assert result["customer"] == [(world["customer"].pk, f"宁波华东机电有限公司 · {world['customer'].code}")]
    # The customer's documents are found through it, newest first.
    assert result["order"][0][0] == world["order"].pk
    assert [pk for pk, _label in result["opportunity"]] == [world["opportunity"].pk]


def test_leads_and_products_are_found_by_their_own_fields(personas, world):
    rep = personas["rep1"]

    assert found(rep, "瓯江")["lead"] == [(world["lead"].pk, "温州瓯江电器")]
    assert found(rep, "5555")["lead"] == [(world["lead"].pk, "温州瓯江电器")]
    assert found(rep, "gs-pump")["product"] == [(world["product"].pk, "GS-PUMP-01 · 离心泵")]
    assert found(rep, "离心泵")["product"] == [(world["product"].pk, "GS-PUMP-01 · 离心泵")]


def test_a_term_nothing_matches_finds_no_group(personas, world):
    assert global_search(user=personas["admin"], term="没有这个东西") == []


# --- scope and permission ----------------------------------------------------------------------


def test_a_rep_finds_nothing_of_another_teams_customers(personas, world):
    other, other_order = world["other"], world["other_order"]

    assert found(personas["rep1"], "西湖贸易") == {}
    assert found(personas["rep1"], other_order.number) == {}
    # Its owner and the head of sales (the department with its sub-teams) do find them.
    assert [pk for pk, _label in found(personas["rep3"], "西湖贸易")["customer"]] == [other.pk]
    assert [pk for pk, _label in found(personas["manager1"], other_order.number)["order"]] == [other_order.pk]


def test_a_role_without_a_kinds_view_permission_gets_no_group_of_it(personas, world):
    # The warehouse sees every customer and order, but not the leads, deals and contracts of selling.
    warehouse = personas["warehouse1"]

    assert "lead" not in found(warehouse, "瓯江")
    assert found(warehouse, "瓯江") == {}
    # (Shipments are found by their own numbers and their order's, not by the customer.)
    assert set(found(warehouse, "华东机电")) == {"customer", "order", "quotation", "invoice", "payment"}
    assert "contract" in found(personas["finance1"], world["contract"].number)


# --- many rows: the best few and a way on --------------------------------------------------


def test_a_kind_finding_more_than_it_shows_says_so_and_links_its_list(personas, world):
    # given: six more orders of the same customer
    _warehouse, products = stocked_products(1)
    orders = [draft_order(personas["rep1"], products, customer=world["customer"]) for _ in range(RESULTS_PER_KIND + 1)]

    # when
    (group,) = [group for group in global_search(user=personas["rep1"], term="华东机电") if group.type == "order"]

    # then: the newest five, and the order list searched the same way
    assert [row.id for row in group.rows] == [order.pk for order in reversed(orders)][:RESULTS_PER_KIND]
    assert group.more is True
    assert group.list_url == reverse("sales:order_list") + "?q=%E5%8D%8E%E4%B8%9C%E6%9C%BA%E7%94%B5"
    (contracts,) = [
        group for group in global_search(user=personas["rep1"], term="华东机电") if group.type == "contract"
    ]
    assert contracts.more is False


# --- the API ----------------------------------------------------------------------------------


def test_the_api_answers_results_with_type_id_label_and_url(personas, world):
    response = api_as(personas["rep1"]).get("/api/v1/search/", {"q": world["order"].number})

    assert response.status_code == 200
    body = response.json()
    order = world["order"]
    # The order's number also finds its shipment and invoice (by their order's number).
    assert [(result["type"], result["id"]) for result in body["results"]] == [
        ("order", order.pk),
        ("shipment", world["shipment"].pk),
        ("invoice", world["invoice"].pk),
    ]
    assert body["results"][:1] == [
        {
            "type": "order",
            # One record's type (the model's name); its group's is the list's title.
            "type_label": "销售订单",
            "id": order.pk,
            "label": f"{order.number} · 宁波华东机电有限公司",
            "detail": order.get_status_display(),
            "url": reverse("sales:order_detail", args=[order.pk]),
        }
    ]
    assert body["groups"][0] == {
        "type": "order",
        "type_label": "订单",
        "more": False,
        "list_url": f"/orders/?q={order.number}",
    }
    assert [group["type"] for group in body["groups"]] == ["order", "shipment", "invoice"]


@pytest.mark.parametrize("q", ["", "   ", "x" * 101])
def test_the_api_refuses_an_empty_or_too_long_text_on_its_field(personas, q):
    response = api_as(personas["rep1"]).get("/api/v1/search/", {"q": q})

    assert response.status_code == 400
    assert list(response.json()) == ["q"]


def test_the_api_refuses_a_missing_text_and_strangers(personas):
    assert list(api_as(personas["rep1"]).get("/api/v1/search/").json()) == ["q"]
    assert APIClient().get("/api/v1/search/", {"q": "SO"}).status_code == 401


# --- the page ---------------------------------------------------------------------------------


def test_the_page_shows_the_groups_with_the_box_filled_in(client, personas, world):
    client.force_login(personas["rep1"])

    response = client.get("/search/", {"q": "华东机电"})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="华东机电"' in page
    assert page.count('data-testid="search-group"') == len(found(personas["rep1"], "华东机电"))
    assert f'href="{reverse("crm:customer_detail", args=[world["customer"].pk])}"' in page
    assert "西湖" not in page


def test_the_page_without_a_text_is_the_box_alone_and_too_long_a_text_is_a_field_message(client, personas, english):
    client.force_login(personas["rep1"])

    empty = client.get("/search/").content.decode()
    too_long = client.get("/search/", {"q": "x" * 101}).content.decode()

    assert 'data-testid="search-page-box"' in empty and "search-group" not in empty
    assert "Ensure this value has at most 100 characters" in too_long
    assert "search-group" not in too_long


def test_typing_in_the_top_bar_gets_the_results_alone(client, personas, world):
    client.force_login(personas["rep1"])

    response = client.get("/search/", {"q": "华东机电", "suggest": "1"}, HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert 'data-testid="search-suggestions"' in fragment
    assert "<html" not in fragment
    assert 'data-type="customer"' in fragment


# --- bounded queries --------------------------------------------------------------------------


def queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_the_page_and_the_api_ask_a_fixed_number_of_queries_whatever_they_find(personas, world, client):
    # given: the administrator (no permission left out), signed in on the page and with a token for the API
    admin = personas["admin"]
    client.force_login(admin)
    api = api_as(admin)
    client.get("/search/", {"q": "华东机电"})  # the session's first read of the user

    def page():
        assert client.get("/search/", {"q": "华东机电"}).status_code == 200

    def answer():
        assert api.get("/api/v1/search/", {"q": "华东机电"}).status_code == 200

    before = (queries(page), queries(answer))

    # when: the term finds five more of each document
    _warehouse, products = stocked_products(1)
    for _ in range(RESULTS_PER_KIND):
        draft_order(personas["rep1"], products, customer=world["customer"])
        quotation_at("draft", personas, customer=world["customer"])

    # then: the same number of queries — per kind, the search's probe, the keys of its first rows, and those rows
    # with their labels
    assert (queries(page), queries(answer)) == before
    assert before == PINNED[connection.vendor]


# Pinned: a change here is a change in what each search costs. Per kind: one count of the probe, the keys of its
# first rows and those rows (none of either on PostgreSQL where the probe counted nothing); per description others are found
# through (customers, orders), one read of its keys, shared by those kinds.
PINNED = {"sqlite": (36, 35), "postgresql": (32, 31)}
