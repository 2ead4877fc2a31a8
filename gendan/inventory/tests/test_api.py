"""The /api/v1/warehouses/, /stock-levels/ and /stock-moves/ contract."""

from decimal import Decimal

import pytest

from gendan.inventory.models import StockLevel, StockMove, Warehouse
from gendan.sales.services import order_submit
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products
from tests.factories import ProductFactory, StockLevelFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def test_warehouses_are_listed_for_everyone_and_created_by_an_admin(personas):
    # given
    WarehouseFactory(code="SH", name="上海仓")

    # when
    listed = api_as(personas["rep1"]).get("/api/v1/warehouses/").json()["results"]
    by_rep = api_as(personas["rep1"]).post("/api/v1/warehouses/", {"code": "BJ", "name": "北京仓"}, format="json")
    by_admin = api_as(personas["admin"]).post("/api/v1/warehouses/", {"code": "BJ", "name": "北京仓"}, format="json")

    # then
    assert [(w["code"], w["name"]) for w in listed] == [("SH", "上海仓")]
    assert by_rep.status_code == 403
    assert by_admin.status_code == 201
    assert (by_admin.json()["code"], by_admin.json()["name"]) == ("BJ", "北京仓")
    assert Warehouse.objects.count() == 2
    events = api_as(personas["admin"]).get(f"/api/v1/warehouses/{by_admin.json()['id']}/events/").json()
    assert [e["verb"] for e in events["results"]] == ["warehouse.created"]


def test_stock_levels_show_on_hand_reserved_and_available_filtered_by_product_and_warehouse(personas):
    # given: 3 of the first product reserved by a confirmed order; a second warehouse
    warehouse, products = stocked_products(2)
    order_submit(order=draft_order(personas["rep1"], products[:1], ["3"]), actor=personas["rep1"])
    StockLevelFactory(product=products[0], warehouse=WarehouseFactory(code="BJ"), on_hand=Decimal("7"))

    # when
    response = api_as(personas["rep1"]).get(
        "/api/v1/stock-levels/", {"product": products[0].pk, "warehouse": warehouse.pk}
    )

    # then
    assert response.status_code == 200
    [level] = response.json()["results"]
    assert {k: level[k] for k in ("product", "warehouse", "on_hand", "reserved", "available")} == {
        "product": products[0].pk,
        "warehouse": warehouse.pk,
        "on_hand": "100.000",
        "reserved": "3.000",
        "available": "97.000",
    }
    assert api_as(personas["rep1"]).get("/api/v1/stock-levels/", {"product": products[0].pk}).json()["count"] == 2


def test_stock_levels_are_read_only(personas):
    warehouse, products = stocked_products(1)
    client = api_as(personas["admin"])
    level = StockLevel.objects.get()

    assert client.post("/api/v1/stock-levels/", {}, format="json").status_code == 405
    assert client.get(f"/api/v1/stock-levels/{level.pk}/").status_code == 404


def test_a_receipt_adds_to_stock_and_is_recorded(personas):
    # given
    warehouse, products = stocked_products(1)

    # when
    response = api_as(personas["warehouse1"]).post(
        "/api/v1/stock-moves/",
        {"kind": "receipt", "product": products[0].pk, "warehouse": warehouse.pk, "quantity": "25", "note": "到货"},
        format="json",
    )

    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["quantity"], body["note"], body["actor"]) == ("receipt", "25.000", "到货", "warehouse1")
    assert StockLevel.objects.get().on_hand == Decimal("125")
    events = api_as(personas["warehouse1"]).get(f"/api/v1/stock-moves/{body['id']}/events/").json()["results"]
    assert [e["verb"] for e in events] == ["stock.receipt"]


def test_moves_that_follow_orders_cannot_be_entered_by_hand(personas):
    warehouse, products = stocked_products(1)

    response = api_as(personas["warehouse1"]).post(
        "/api/v1/stock-moves/",
        {"kind": "reservation", "product": products[0].pk, "warehouse": warehouse.pk, "quantity": "1"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["kind"]
    assert StockMove.objects.count() == 0


def test_an_adjustment_below_what_is_reserved_is_409_insufficient_stock(personas):
    # given: 100 on hand, 90 reserved
    warehouse, products = stocked_products(1)
    order_submit(order=draft_order(personas["rep1"], products, ["90"]), actor=personas["rep1"])

    # when
    response = api_as(personas["warehouse1"]).post(
        "/api/v1/stock-moves/",
        {"kind": "adjustment", "product": products[0].pk, "warehouse": warehouse.pk, "quantity": "-11"},
        format="json",
    )

    # then
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["available"]) == ("insufficient_stock", "10.000")
    assert StockLevel.objects.get().on_hand == Decimal("100")


def test_a_receipt_must_be_positive(personas):
    warehouse, products = stocked_products(1)

    response = api_as(personas["warehouse1"]).post(
        "/api/v1/stock-moves/",
        {"kind": "receipt", "product": products[0].pk, "warehouse": warehouse.pk, "quantity": "-5"},
        format="json",
    )

    assert (response.status_code, list(response.json())) == (400, ["quantity"])


def test_a_rep_cannot_move_stock(personas):
    warehouse, products = stocked_products(1)

    response = api_as(personas["rep1"]).post(
        "/api/v1/stock-moves/",
        {"kind": "receipt", "product": products[0].pk, "warehouse": warehouse.pk, "quantity": "5"},
        format="json",
    )

    assert response.status_code == 403
    assert StockMove.objects.count() == 0


def test_stock_level_list_queries_do_not_grow(personas, django_assert_num_queries):
    warehouse = WarehouseFactory(code="SH")
    StockLevelFactory(warehouse=warehouse)
    client = api_as(personas["rep1"])

    # token, 2 × permissions, count, levels with products and warehouses
    with django_assert_num_queries(5):
        assert client.get("/api/v1/stock-levels/").json()["count"] == 1
    for product in ProductFactory.create_batch(4):
        StockLevelFactory(product=product, warehouse=warehouse)
    with django_assert_num_queries(5):
        assert client.get("/api/v1/stock-levels/").json()["count"] == 5


def test_stock_move_and_warehouse_list_queries_do_not_grow(personas, django_assert_num_queries):
    warehouse, products = stocked_products(1)
    clerk = personas["warehouse1"]
    client = api_as(clerk)
    move = {"kind": "receipt", "product": products[0].pk, "warehouse": warehouse.pk, "quantity": "1"}
    client.post("/api/v1/stock-moves/", move, format="json")

    # token, 2 × permissions, count, moves with product, warehouse and actor
    with django_assert_num_queries(5):
        assert client.get("/api/v1/stock-moves/").json()["count"] == 1
    with django_assert_num_queries(5):
        assert client.get("/api/v1/warehouses/").json()["count"] == 1
    for _ in range(4):
        client.post("/api/v1/stock-moves/", move, format="json")
        WarehouseFactory()
    with django_assert_num_queries(5):
        assert client.get("/api/v1/stock-moves/").json()["count"] == 5
    with django_assert_num_queries(5):
        assert client.get("/api/v1/warehouses/").json()["count"] == 5
    move_id = StockMove.objects.first().pk
    # token, 2 × permissions, move
    with django_assert_num_queries(4):
        assert client.get(f"/api/v1/stock-moves/{move_id}/").status_code == 200
