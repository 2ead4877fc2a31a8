"""The /api/v1/shipments/ contract: create (all or some), ship, deliver, error codes, query budget."""

from decimal import Decimal

import pytest

from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create
from gendan.inventory.models import StockLevel
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import COURIER, draft_order, stocked_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(personas):
    warehouse, products = stocked_products(2)
    order = order_submit(order=draft_order(personas["rep1"], products, ["5", "2"]), actor=personas["rep1"])
    return warehouse, order


def test_without_lines_a_shipment_takes_everything_remaining(personas, confirmed):
    # given
    _warehouse, order = confirmed
    lines = list(order.lines.order_by("position"))

    # when
    response = api_as(personas["warehouse1"]).post(
        "/api/v1/shipments/", {"order": order.pk, "carrier": "顺丰", "tracking_number": "SF1"}, format="json"
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert body["number"].startswith("SH")
    assert (body["order"], body["order_number"], body["status"], body["carrier"], body["tracking_number"]) == (
        order.pk,
        order.number,
        "pending",
        "顺丰",
        "SF1",
    )
    assert [(ln["order_line"], ln["product"], ln["quantity"]) for ln in body["lines"]] == [
        (lines[0].pk, lines[0].product_id, "5.000"),
        (lines[1].pk, lines[1].product_id, "2.000"),
    ]
    assert body["created_by"] == "warehouse1"


def test_a_partial_shipment_then_ship_and_deliver(personas, confirmed):
    # given
    warehouse, order = confirmed
    line = order.lines.order_by("position").first()
    client = api_as(personas["warehouse1"])

    # when
    created = client.post(
        "/api/v1/shipments/", {"order": order.pk, "lines": [{"order_line": line.pk, "quantity": "3"}]}, format="json"
    ).json()
    shipped = client.post(
        f"/api/v1/shipments/{created['id']}/ship/", {"carrier": "中通", "tracking_number": "ZT9"}, format="json"
    )
    delivered = client.post(f"/api/v1/shipments/{created['id']}/deliver/", {"signed_by": "王经理"}, format="json")

    # then
    assert (shipped.status_code, shipped.json()["status"], shipped.json()["carrier"]) == (200, "shipped", "中通")
    assert shipped.json()["shipped_at"] is not None
    assert (delivered.status_code, delivered.json()["status"], delivered.json()["signed_by"]) == (
        200,
        "delivered",
        "王经理",
    )
    level = StockLevel.objects.get(product=line.product, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (Decimal("97"), Decimal("2"))
    order_body = api_as(personas["rep1"]).get(f"/api/v1/orders/{order.pk}/").json()
    assert (order_body["status"], order_body["delivery_status"]) == ("partially_shipped", "partially_shipped")


def test_shipping_more_than_remains_is_a_field_error_on_the_row(personas, confirmed):
    _warehouse, order = confirmed
    line = order.lines.order_by("position").first()

    response = api_as(personas["warehouse1"]).post(
        "/api/v1/shipments/",
        {"order": order.pk, "lines": [{"order_line": line.pk, "quantity": "6"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json() == {"lines": {"0": {"quantity": ["Only 5 left to ship on this line."]}}}
    assert Shipment.objects.count() == 0


def test_a_line_of_another_order_is_refused(personas, confirmed):
    _warehouse, order = confirmed
    other = draft_order(personas["rep1"], [order.lines.first().product])

    response = api_as(personas["warehouse1"]).post(
        "/api/v1/shipments/",
        {"order": order.pk, "lines": [{"order_line": other.lines.get().pk, "quantity": "1"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (response.status_code, response.json()) == (
        400,
        {"lines": {"0": {"order_line": ["Not a line of this order."]}}},
    )


def test_nothing_ships_for_a_draft(personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)

    response = api_as(personas["warehouse1"]).post("/api/v1/shipments/", {"order": order.pk}, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["status"]) == ("transition_not_allowed", "draft")


def test_when_everything_is_on_a_shipment_another_is_over_quantity(personas, confirmed):
    _warehouse, order = confirmed
    client = api_as(personas["warehouse1"])
    client.post("/api/v1/shipments/", {"order": order.pk}, format="json")

    response = client.post("/api/v1/shipments/", {"order": order.pk}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "over_quantity")


def test_deliver_needs_who_signed_and_a_shipped_shipment(personas, confirmed):
    # given
    _warehouse, order = confirmed
    shipment = shipment_create(order=order, actor=personas["warehouse1"])
    client = api_as(personas["logistics1"])

    # when
    unsigned = client.post(f"/api/v1/shipments/{shipment.pk}/deliver/", {"signed_by": " "}, format="json")
    not_shipped = client.post(f"/api/v1/shipments/{shipment.pk}/deliver/", {"signed_by": "王"}, format="json")

    # then
    assert (unsigned.status_code, list(unsigned.json())) == (400, ["signed_by"])
    assert (not_shipped.status_code, not_shipped.json()["code"]) == (409, "transition_not_allowed")


def test_a_rep_may_not_create_shipments(personas, confirmed):
    _warehouse, order = confirmed

    response = api_as(personas["rep1"]).post("/api/v1/shipments/", {"order": order.pk}, format="json")

    assert response.status_code == 403
    assert Shipment.objects.count() == 0


def test_a_shipments_timeline_and_its_orders_timeline(personas, confirmed):
    _warehouse, order = confirmed
    client = api_as(personas["warehouse1"])
    shipment = client.post("/api/v1/shipments/", {"order": order.pk}, format="json").json()
    client.post(f"/api/v1/shipments/{shipment['id']}/ship/", COURIER, format="json")

    own = client.get(f"/api/v1/shipments/{shipment['id']}/events/").json()["results"]
    of_order = api_as(personas["rep1"]).get(f"/api/v1/orders/{order.pk}/events/").json()["results"]

    assert [e["verb"] for e in own] == ["shipment.shipped", "shipment.created"]
    assert [e["verb"] for e in of_order][:3] == ["order.shipped", "shipment.shipped", "shipment.created"]


def test_list_queries_do_not_grow_with_the_number_of_shipments(personas, django_assert_num_queries):
    # given
    _warehouse, products = stocked_products(2, on_hand="1000")
    client = api_as(personas["rep1"])

    def ship_one():
        order = order_submit(order=draft_order(personas["rep1"], products), actor=personas["rep1"])
        return shipment_create(order=order, actor=personas["warehouse1"])

    shipment = ship_one()

    # then: token, 2 × permissions, count, shipments, lines
    with django_assert_num_queries(6):
        assert client.get("/api/v1/shipments/").json()["count"] == 1
    for _ in range(4):
        ship_one()
    with django_assert_num_queries(6):
        assert client.get("/api/v1/shipments/").json()["count"] == 5
    with django_assert_num_queries(5):
        assert client.get(f"/api/v1/shipments/{shipment.pk}/").status_code == 200
