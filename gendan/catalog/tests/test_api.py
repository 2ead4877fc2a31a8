"""The /api/v1/products/ contract: cost hidden by role, product services, query budget."""

from decimal import Decimal

import pytest

from gendan.catalog.models import Product
from gendan.catalog.services import product_update
from gendan.core.models import Event
from tests.api_client import api_as
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

NEW = {"sku": "BRG-6204", "name": "深沟球轴承 6204", "unit": "个", "list_price": "12.50", "floor_price": "10.00"}


@pytest.mark.parametrize(("role", "sees_cost"), [("rep1", False), ("manager1", True), ("finance1", True)])
def test_cost_is_shown_only_to_those_allowed_to_see_it(personas, role, sees_cost):
    product = ProductFactory()
    client = api_as(personas[role])

    listed = client.get("/api/v1/products/").json()["results"][0]
    detail = client.get(f"/api/v1/products/{product.pk}/").json()

    assert ("cost" in listed, "cost" in detail) == (sees_cost, sees_cost)
    if sees_cost:
        assert detail["cost"] == "60.00"


def test_a_product_as_the_api_shows_it(personas):
    product = ProductFactory(unit="台", unit_decimals=0)

    body = api_as(personas["rep1"]).get(f"/api/v1/products/{product.pk}/").json()

    assert {k: v for k, v in body.items() if k not in {"created_at", "updated_at"}} == {
        "id": product.pk,
        "sku": product.sku,
        "name": product.name,
        "unit": "台",
        "unit_decimals": 0,
        "list_price": "100.00",
        "floor_price": "80.00",
        "is_active": True,
        "custom_fields": {},
        "version": 1,
    }


def test_the_timeline_hides_cost_changes_from_reps(personas):
    # given
    product = ProductFactory()
    product_update(product=product, actor=personas["admin"], cost=Decimal("55"), name="新名称")

    # when
    for_rep = api_as(personas["rep1"]).get(f"/api/v1/products/{product.pk}/events/").json()["results"]
    for_manager = api_as(personas["manager1"]).get(f"/api/v1/products/{product.pk}/events/").json()["results"]

    # then
    assert for_rep[0]["changes"] == {"name": [product.name, "新名称"]}
    assert for_manager[0]["changes"] == {"name": [product.name, "新名称"], "cost": ["60.00", "55.00"]}


def test_an_admin_creates_a_product_and_it_is_recorded(personas):
    response = api_as(personas["admin"]).post("/api/v1/products/", NEW, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["sku"], body["list_price"], body["floor_price"], body["cost"], body["version"]) == (
        "BRG-6204",
        "12.50",
        "10.00",
        "0.00",
        1,
    )
    event = Event.objects.get()
    assert (event.verb, event.actor, event.data["sku"], event.data["list_price"]) == (
        "product.created",
        personas["admin"],
        "BRG-6204",
        "12.50",
    )


@pytest.mark.parametrize("role", ["rep1", "manager1", "warehouse1", "finance1"])
def test_only_those_allowed_may_create_or_change_products(personas, role):
    product = ProductFactory()
    client = api_as(personas[role])

    created = client.post("/api/v1/products/", NEW, format="json")
    changed = client.patch(f"/api/v1/products/{product.pk}/", {"name": "x"}, format="json")

    assert (created.status_code, changed.status_code) == (403, 403)
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"floor_price": "20.00"}, {"floor_price": ["The floor price cannot be above the list price."]}),
        ({"cost": "-1"}, {"cost": ["The price cannot be negative."]}),
        ({"sku": "TAKEN"}, {"sku": ["Product with this SKU already exists."]}),
    ],
    ids=["floor-above-list", "negative-cost", "duplicate-sku"],
)
def test_invalid_products_are_refused_field_by_field(personas, change, errors):
    ProductFactory(sku="TAKEN")

    response = api_as(personas["admin"]).post(
        "/api/v1/products/", {**NEW, **change}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert (response.status_code, response.json()) == (400, errors)
    assert Product.objects.count() == 1


def test_update_bumps_the_version_records_the_changes_and_refuses_stale_edits(personas):
    # given
    product = ProductFactory()
    client = api_as(personas["admin"])

    # when
    updated = client.patch(f"/api/v1/products/{product.pk}/", {"version": 1, "list_price": "120"}, format="json")
    stale = client.patch(f"/api/v1/products/{product.pk}/", {"version": 1, "list_price": "130"}, format="json")

    # then
    assert (updated.status_code, updated.json()["list_price"], updated.json()["version"]) == (200, "120.00", 2)
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    assert Event.objects.get(verb="product.updated").changes == {"list_price": ["100.00", "120.00"]}
    product.refresh_from_db()
    assert product.list_price == Decimal("120.00")


def test_list_queries_do_not_grow_with_the_number_of_products(personas, django_assert_num_queries):
    client = api_as(personas["manager1"])
    ProductFactory()

    # token, 2 × permissions, count, products
    with django_assert_num_queries(5):
        assert client.get("/api/v1/products/").json()["count"] == 1
    ProductFactory.create_batch(4)
    with django_assert_num_queries(5):
        assert client.get("/api/v1/products/").json()["count"] == 5


def test_detail_takes_a_fixed_number_of_queries(personas, django_assert_num_queries):
    product = ProductFactory()
    client = api_as(personas["rep1"])

    # token, 2 × permissions, product
    with django_assert_num_queries(4):
        assert client.get(f"/api/v1/products/{product.pk}/").status_code == 200
