from decimal import Decimal

import pytest
from django.urls import reverse

from tests.backbone import draft_order
from tests.factories import ProductFactory, StockLevelFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("catalog:product_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_products_show_prices_and_stock_available_over_all_warehouses(client, personas):
    # given: a product with stock in two warehouses, 3 units reserved by a confirmed order
    product = ProductFactory(sku="BOLT-01", name="六角螺栓", list_price=Decimal("12.50"), floor_price=Decimal("10"))
    shanghai, beijing = WarehouseFactory(code="SH"), WarehouseFactory(code="BJ")
    StockLevelFactory(product=product, warehouse=shanghai, on_hand=Decimal("40"), reserved=Decimal("3"))
    StockLevelFactory(product=product, warehouse=beijing, on_hand=Decimal("7"))
    ProductFactory(sku="NUT-01", name="螺母")

    # when
    client.force_login(personas["rep1"])
    response = client.get(reverse("catalog:product_list"))

    # then
    assert response.status_code == 200
    rows = {p.sku: p for p in response.context["page_obj"]}
    assert rows["BOLT-01"].available_total == Decimal("44")
    assert rows["BOLT-01"].on_hand_total == Decimal("47")
    assert rows["NUT-01"].available_total == Decimal("0")
    content = response.content.decode()
    assert "六角螺栓" in content and "12.50" in content and ">44<" in content


def test_cost_is_hidden_from_a_rep_and_shown_to_a_manager(client, personas):
    ProductFactory(sku="P-1", list_price=Decimal("100"), floor_price=Decimal("80"), cost=Decimal("61.37"))

    client.force_login(personas["rep1"])
    rep_page = client.get(reverse("catalog:product_list")).content.decode()
    client.force_login(personas["manager1"])
    manager_page = client.get(reverse("catalog:product_list")).content.decode()

    assert "61.37" not in rep_page and 'data-testid="cost-header"' not in rep_page
    assert "61.37" in manager_page and 'data-testid="cost-header"' in manager_page


def test_search_by_sku_or_name(client, personas):
    ProductFactory(sku="BOLT-01", name="六角螺栓")
    ProductFactory(sku="NUT-01", name="螺母")
    ProductFactory(sku="GEAR-9", name="齿轮")
    client.force_login(personas["rep1"])

    by_sku = client.get(reverse("catalog:product_list"), {"q": "bolt"})
    by_name = client.get(reverse("catalog:product_list"), {"q": "螺"})

    assert [p.sku for p in by_sku.context["page_obj"]] == ["BOLT-01"]
    assert [p.sku for p in by_name.context["page_obj"]] == ["BOLT-01", "NUT-01"]


@pytest.mark.parametrize("count", [1, 10])
def test_query_count_does_not_grow_with_rows(client, personas, django_assert_num_queries, count):
    warehouse = WarehouseFactory(code="SH")
    for _ in range(count):
        StockLevelFactory(product=ProductFactory(), warehouse=warehouse)
    client.force_login(personas["rep1"])

    # session, user, 2 for the permission check, the products' custom fields (filters), count, page rows
    with django_assert_num_queries(7):
        response = client.get(reverse("catalog:product_list"))

    assert len(response.context["page_obj"]) == count


def test_reserved_stock_of_an_order_is_not_available(client, personas):
    from gendan.sales.services import order_submit

    warehouse = WarehouseFactory(code="SH")
    product = ProductFactory(sku="P-9")
    StockLevelFactory(product=product, warehouse=warehouse, on_hand=Decimal("10"))
    order = draft_order(personas["rep1"], [product], quantities=["4"], warehouse=warehouse)
    order_submit(order=order, actor=personas["rep1"])
    client.force_login(personas["rep1"])

    response = client.get(reverse("catalog:product_list"))

    assert [(p.sku, p.available_total) for p in response.context["page_obj"]] == [("P-9", Decimal("6"))]


def test_filter_by_active_status(client, personas):
    ProductFactory(sku="OLD", is_active=False)
    ProductFactory(sku="NEW")
    client.force_login(personas["rep1"])

    active = client.get(reverse("catalog:product_list"), {"status": "active"})
    inactive = client.get(reverse("catalog:product_list"), {"status": "inactive"})
    everything = client.get(reverse("catalog:product_list"))

    assert [p.sku for p in active.context["page_obj"]] == ["NEW"]
    assert [p.sku for p in inactive.context["page_obj"]] == ["OLD"]
    assert [p.sku for p in everything.context["page_obj"]] == ["NEW", "OLD"]
