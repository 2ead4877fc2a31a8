"""Every role against every list and detail endpoint of the API.

Alice (rep1) and Bob (rep2) sell in East team, Carol (rep3) in North team. Each of Alice
and Carol has a customer with an order that went through shipment, invoice and payment.
Out-of-scope records are 404 — never 403, which would confirm they exist.
"""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gendan.finance.services import invoice_create, invoice_issue, payment_record
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = pytest.mark.django_db

SCOPED = ["customers", "orders", "shipments", "invoices", "payments"]
OPEN_TO_ALL = ["products", "warehouses", "stock-moves"]

ROLES = [
    "rep1",
    "rep2",
    "rep3",
    "manager1",
    "follower1",
    "warehouse1",
    "logistics1",
    "finance1",
    "service1",
    "boss1",
    "admin",
]

# Whose records each role sees: its data scope over the teams above.
SEES = {
    "rep1": {"rep1"},
    "rep2": set(),  # own records only: a teammate's are not his
    "rep3": {"rep3"},
    "manager1": {"rep1", "rep3"},  # the sales department and every team below it
    "follower1": {"rep1"},  # the East team
    "warehouse1": {"rep1", "rep3"},
    "logistics1": {"rep1", "rep3"},
    "finance1": {"rep1", "rep3"},
    "service1": {"rep1", "rep3"},
    "boss1": {"rep1", "rep3"},
    "admin": {"rep1", "rep3"},
}

# What each role may create through the API.
CREATES = {
    "rep1": {"customers", "orders"},
    "rep2": {"customers", "orders"},
    "rep3": {"customers", "orders"},
    "manager1": {"customers", "orders"},
    "follower1": {"customers", "orders", "shipments"},
    "warehouse1": {"shipments", "stock-moves"},
    "logistics1": {"shipments"},
    "finance1": {"invoices", "payments"},
    "service1": set(),
    "boss1": set(),
    "admin": {
        "customers",
        "orders",
        "shipments",
        "invoices",
        "payments",
        "products",
        "warehouses",
        "stock-moves",
    },
}


@pytest.fixture
def world(personas):
    """{owner: {resource: id}} for rep1's and rep3's order-to-cash, plus the shared records."""
    warehouse, products = stocked_products(2)
    records = {}
    for rep in ("rep1", "rep3"):
        order = order_submit(order=draft_order(personas[rep], products), actor=personas[rep])
        shipment = shipment_create(order=order, actor=personas["warehouse1"])
        shipment_ship(shipment=shipment, actor=personas["warehouse1"])
        invoice = invoice_issue(
            invoice=invoice_create(order=order, actor=personas["finance1"]), actor=personas["finance1"]
        )
        payment = payment_record(
            actor=personas["finance1"],
            customer=order.customer,
            amount=invoice.total,
            received_on=timezone.localdate(),
            allocations=[{"invoice": invoice, "amount": invoice.total}],
        )
        records[rep] = {
            "customers": order.customer_id,
            "orders": order.pk,
            "shipments": shipment.pk,
            "invoices": invoice.pk,
            "payments": payment.pk,
        }
    records["shared"] = {
        "products": products[0].pk,
        "warehouses": warehouse.pk,
        "stock-moves": StockMove.objects.first().pk,
    }
    return records


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_and_opens_exactly_the_records_in_its_scope(personas, world, role):
    # given
    client = api_as(personas[role])
    visible = SEES[role]

    # when
    listed = {r: {row["id"] for row in client.get(f"/api/v1/{r}/").json()["results"]} for r in SCOPED}
    opened = {
        (owner, r): client.get(f"/api/v1/{r}/{world[owner][r]}/").status_code
        for owner in ("rep1", "rep3")
        for r in SCOPED
    }
    timelines = {
        (owner, r): client.get(f"/api/v1/{r}/{world[owner][r]}/events/").status_code
        for owner in ("rep1", "rep3")
        for r in SCOPED
    }

    # then
    assert listed == {r: {world[owner][r] for owner in visible} for r in SCOPED}
    expected = {(owner, r): 200 if owner in visible else 404 for owner in ("rep1", "rep3") for r in SCOPED}
    assert opened == expected
    assert timelines == expected


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_catalogue_and_stock(personas, world, role):
    client = api_as(personas[role])

    lists = {r: client.get(f"/api/v1/{r}/").status_code for r in [*OPEN_TO_ALL, "stock-levels"]}
    details = {r: client.get(f"/api/v1/{r}/{world['shared'][r]}/").status_code for r in OPEN_TO_ALL}
    levels = client.get("/api/v1/stock-levels/").json()

    assert lists == dict.fromkeys([*OPEN_TO_ALL, "stock-levels"], 200)
    assert details == dict.fromkeys(OPEN_TO_ALL, 200)
    assert levels["count"] == StockLevel.objects.count() == 2


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_create_only_what_its_role_allows(personas, role):
    # An empty body: a role that may create gets 400 (the fields it must send), one that
    # may not gets 403 before its input is even looked at.
    client = api_as(personas[role])
    resources = [*SCOPED, *OPEN_TO_ALL]

    answers = {r: client.post(f"/api/v1/{r}/", {}, format="json").status_code for r in resources}

    assert answers == {r: 400 if r in CREATES[role] else 403 for r in resources}


def test_anonymous_gets_401_on_every_endpoint(world):
    client = APIClient()
    urls = [f"/api/v1/{r}/" for r in [*SCOPED, *OPEN_TO_ALL, "stock-levels"]]
    urls += [f"/api/v1/{r}/{world['rep1'][r]}/" for r in SCOPED]
    urls += [f"/api/v1/{r}/{world['rep1'][r]}/events/" for r in SCOPED]
    urls += [f"/api/v1/{r}/{world['shared'][r]}/" for r in OPEN_TO_ALL]

    assert {url: client.get(url).status_code for url in urls} == dict.fromkeys(urls, 401)
    assert client.post("/api/v1/orders/", {}, format="json").status_code == 401


def test_a_rep_acting_on_a_teammates_records_by_id_gets_404(personas, world):
    # given: Bob knows the ids of Alice's records
    client = api_as(personas["rep2"])
    order, customer = world["rep1"]["orders"], world["rep1"]["customers"]

    # then
    assert client.patch(f"/api/v1/orders/{order}/", {"notes": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/orders/{order}/hold/", {"reason": "x"}, format="json").status_code == 404
    assert client.post(f"/api/v1/orders/{order}/cancel/", {"reason": "x"}, format="json").status_code == 404
    assert client.patch(f"/api/v1/customers/{customer}/", {"notes": "x"}, format="json").status_code == 404


def test_filtering_by_an_out_of_scope_id_finds_nothing_rather_than_an_error(personas, world):
    client = api_as(personas["rep1"])
    carol = world["rep3"]

    assert client.get("/api/v1/orders/", {"customer": carol["customers"]}).json()["count"] == 0
    assert client.get("/api/v1/shipments/", {"order": carol["orders"]}).json()["count"] == 0
    assert client.get("/api/v1/invoices/", {"order": carol["orders"]}).json()["count"] == 0
    assert client.get("/api/v1/payments/", {"customer": carol["customers"]}).json()["count"] == 0


def test_an_out_of_scope_customer_cannot_be_ordered_for(personas, world):
    carol = world["rep3"]

    response = api_as(personas["rep1"]).post(
        "/api/v1/orders/",
        {"customer": carol["customers"], "lines": [{"product": world["shared"]["products"], "quantity": "1"}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["customer"]
