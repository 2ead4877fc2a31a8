from decimal import Decimal

import pytest
from django.urls import reverse

from gendan.core.models import Event
from gendan.inventory.models import StockLevel, StockMove
from gendan.inventory.services import stock_move_record
from tests.factories import ProductFactory, StockLevelFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize("name", ["inventory:stock_list", "inventory:move_list", "inventory:move_create"])
def test_anonymous_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_stock_levels_by_product_and_warehouse_with_filters(client, personas):
    # given
    bolt, nut = ProductFactory(sku="BOLT", name="螺栓"), ProductFactory(sku="NUT", name="螺母")
    shanghai, beijing = WarehouseFactory(code="SH", name="上海仓"), WarehouseFactory(code="BJ", name="北京仓")
    StockLevelFactory(product=bolt, warehouse=shanghai, on_hand=Decimal("30"), reserved=Decimal("12"))
    StockLevelFactory(product=bolt, warehouse=beijing, on_hand=Decimal("5"))
    StockLevelFactory(product=nut, warehouse=shanghai, on_hand=Decimal("8"))
    client.force_login(personas["rep1"])

    # when
    everything = client.get(reverse("inventory:stock_list"))
    in_shanghai = client.get(reverse("inventory:stock_list"), {"warehouse": shanghai.pk})
    bolts = client.get(reverse("inventory:stock_list"), {"q": "螺栓"})

    # then
    assert [
        (level.product.sku, level.warehouse.code, level.on_hand, level.reserved, level.available_quantity)
        for level in everything.context["page_obj"]
    ] == [
        ("BOLT", "BJ", Decimal("5"), Decimal("0"), Decimal("5")),
        ("BOLT", "SH", Decimal("30"), Decimal("12"), Decimal("18")),
        ("NUT", "SH", Decimal("8"), Decimal("0"), Decimal("8")),
    ]
    assert "上海仓" in everything.content.decode() and ">18<" in everything.content.decode()
    assert [(lv.product.sku, lv.warehouse.code) for lv in in_shanghai.context["page_obj"]] == [
        ("BOLT", "SH"),
        ("NUT", "SH"),
    ]
    assert [(lv.product.sku, lv.warehouse.code) for lv in bolts.context["page_obj"]] == [("BOLT", "BJ"), ("BOLT", "SH")]


def test_move_ledger_with_kind_filter(client, personas):
    product, warehouse = ProductFactory(sku="BOLT"), WarehouseFactory(code="SH")
    stock_move_record(actor=personas["warehouse1"], kind="receipt", product=product, warehouse=warehouse, quantity=50)
    stock_move_record(
        actor=personas["warehouse1"], kind="adjustment", product=product, warehouse=warehouse, quantity=-2, note="破损"
    )
    client.force_login(personas["rep1"])

    everything = client.get(reverse("inventory:move_list"))
    adjustments = client.get(reverse("inventory:move_list"), {"kind": "adjustment"})

    assert [(m.kind, m.quantity) for m in everything.context["page_obj"]] == [
        ("adjustment", Decimal("-2")),
        ("receipt", Decimal("50")),
    ]
    assert [m.note for m in adjustments.context["page_obj"]] == ["破损"]
    assert "破损" in adjustments.content.decode()


@pytest.mark.parametrize("count", [1, 10])
def test_list_query_counts_do_not_grow_with_rows(client, personas, django_assert_num_queries, count):
    warehouse = WarehouseFactory(code="SH")
    for _ in range(count):
        stock_move_record(
            actor=personas["warehouse1"], kind="receipt", product=ProductFactory(), warehouse=warehouse, quantity=5
        )
    client.force_login(personas["rep1"])

    # session, user, 2 for the permission check, count, page rows, warehouse choices (products are
    # looked up as people type)
    with django_assert_num_queries(7):
        levels = client.get(reverse("inventory:stock_list"))
    with django_assert_num_queries(7):
        moves = client.get(reverse("inventory:move_list"))

    assert len(levels.context["page_obj"]) == count
    assert len(moves.context["page_obj"]) == count


def test_the_ledger_names_only_the_orders_the_user_may_see(client, personas):
    # given: a reservation for rep1's order and one for rep3's (another team)
    from gendan.sales.services import order_submit
    from tests.backbone import draft_order, stocked_products

    _warehouse, products = stocked_products(1)
    own = order_submit(order=draft_order(personas["rep1"], products), actor=personas["rep1"])
    other = order_submit(order=draft_order(personas["rep3"], products), actor=personas["rep3"])
    client.force_login(personas["rep1"])

    # when
    page = client.get(reverse("inventory:move_list"), {"kind": "reservation"}).content.decode()

    # then: both moves are listed (stock is everyone's), only rep1's order is named
    assert own.number in page
    assert other.number not in page
    assert page.count('title="An order outside the ones you can see"') == 1


def test_a_rep_may_not_record_stock_moves(client, personas):
    client.force_login(personas["rep1"])

    page = client.get(reverse("inventory:move_create"))
    post = client.post(reverse("inventory:move_create"), {"kind": "receipt"})

    assert (page.status_code, post.status_code) == (403, 403)
    assert 'data-testid="new-move"' not in client.get(reverse("inventory:stock_list")).content.decode()


def test_warehouse_records_a_receipt(client, personas):
    product, warehouse = ProductFactory(sku="BOLT"), WarehouseFactory(code="SH")
    client.force_login(personas["warehouse1"])

    response = client.post(
        reverse("inventory:move_create"),
        {"kind": "receipt", "product": product.pk, "warehouse": warehouse.pk, "quantity": "25.5", "note": "采购入库"},
    )

    assert response.status_code == 302
    assert response.url == f"{reverse('inventory:stock_list')}?product={product.pk}&warehouse={warehouse.pk}"
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (Decimal("25.5"), Decimal("0"))
    move = StockMove.objects.get()
    assert (move.kind, move.quantity, move.note, move.actor) == (
        "receipt",
        Decimal("25.5"),
        "采购入库",
        personas["warehouse1"],
    )


def test_a_negative_receipt_is_a_field_error_and_writes_nothing(client, personas):
    product, warehouse = ProductFactory(), WarehouseFactory(code="SH")
    client.force_login(personas["warehouse1"])

    response = client.post(
        reverse("inventory:move_create"),
        {"kind": "receipt", "product": product.pk, "warehouse": warehouse.pk, "quantity": "-3"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"quantity": ["Enter a quantity above zero."]}
    assert "is-invalid" in response.content.decode()
    assert not StockMove.objects.exists() and not Event.objects.exists()


def test_removing_more_than_is_available_is_refused_on_the_page(client, personas):
    product, warehouse = ProductFactory(sku="BOLT"), WarehouseFactory(code="SH")
    StockLevelFactory(product=product, warehouse=warehouse, on_hand=Decimal("10"), reserved=Decimal("8"))
    client.force_login(personas["warehouse1"])

    response = client.post(
        reverse("inventory:move_create"),
        {"kind": "adjustment", "product": product.pk, "warehouse": warehouse.pk, "quantity": "-5"},
    )

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert len(errors) == 1 and "only 2 are available" in errors[0]
    assert 'data-testid="form-error"' in response.content.decode()
    level = StockLevel.objects.get()
    assert (level.on_hand, level.reserved) == (Decimal("10"), Decimal("8"))
    assert not StockMove.objects.exists()


def test_bad_input_shows_field_errors(client, personas):
    client.force_login(personas["warehouse1"])

    response = client.post(reverse("inventory:move_create"), {"kind": "shipment", "quantity": "abc"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"kind", "product", "warehouse", "quantity"}
    assert not StockMove.objects.exists()
