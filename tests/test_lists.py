"""Every list page sorts by each of its sortable columns, and shrugs off a sort key it does not know."""

import pytest
from django.urls import reverse

from gendan.catalog.tables import ProductTable
from gendan.crm.tables import ContractTable, CustomerTable, FollowUpTable, LeadTable, MeetingTable, OpportunityTable
from gendan.inventory.tables import StockLevelTable, StockMoveTable
from gendan.sales.tables import OrderTable, QuotationTable
from tests.backbone import draft_order, stocked_products

LISTS = [
    ("crm:customer_list", CustomerTable),
    ("crm:lead_list", LeadTable),
    ("crm:opportunity_list", OpportunityTable),
    ("crm:contract_list", ContractTable),
    ("crm:followup_list", FollowUpTable),
    ("crm:meeting_list", MeetingTable),
    ("catalog:product_list", ProductTable),
    ("inventory:stock_list", StockLevelTable),
    ("inventory:move_list", StockMoveTable),
    ("sales:order_list", OrderTable),
    ("quotations:list", QuotationTable),
]


def _sort_keys(table_class):
    return [name for name, column in table_class.base_columns.items() if column.orderable]


@pytest.mark.parametrize(("url_name", "table_class"), LISTS, ids=[name for name, _ in LISTS])
def test_every_sortable_column_sorts_and_an_unknown_key_is_ignored(client, personas, url_name, table_class):
    # given an order, so that most lists have a row to show
    _warehouse, products = stocked_products(1)
    draft_order(personas["rep1"], products)
    client.force_login(personas["admin"])
    url = reverse(url_name)

    # when / then
    for key in _sort_keys(table_class):
        for sort in (key, f"-{key}"):
            response = client.get(url, {"sort": sort})
            assert (response.status_code, response.context["sort"]) == (200, sort)
    unknown = client.get(url, {"sort": "-password"})
    assert (unknown.status_code, unknown.context["sort"]) == (200, table_class.default_sort)


def test_a_sort_parameter_reorders_the_rows(client, personas):
    _warehouse, products = stocked_products(3)
    client.force_login(personas["admin"])

    ascending = client.get(reverse("catalog:product_list"), {"sort": "sku"})
    descending = client.get(reverse("catalog:product_list"), {"sort": "-sku"})

    skus = [product.sku for product in ascending.context["page_obj"]]
    assert skus == sorted(p.sku for p in products)
    assert [product.sku for product in descending.context["page_obj"]] == skus[::-1]


def test_cost_and_the_edit_button_are_hidden_from_a_role_that_may_not_use_them(client, personas):
    stocked_products(1)
    client.force_login(personas["rep1"])

    response = client.get(reverse("catalog:product_list"))

    assert 'data-testid="cost-header"' not in response.content.decode()
    assert 'data-testid="edit-product"' not in response.content.decode()


@pytest.mark.parametrize(
    ("local_time", "query", "listed"),
    [
        ("2026-11-05 23:30", {"created_from": "2026-11-05", "created_to": "2026-11-05"}, True),
        ("2026-11-05 23:30", {"created_from": "2026-11-06"}, False),
        ("2026-11-06 00:10", {"created_from": "2026-11-06"}, True),
        ("2026-11-06 00:10", {"created_to": "2026-11-05"}, False),
    ],
)
def test_a_day_filter_counts_days_on_the_readers_clock_and_compares_the_column_itself(
    client, personas, local_time, query, listed
):
    import datetime
    import zoneinfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gendan.sales.models import Order

    _warehouse, products = stocked_products(count=1)
    order = draft_order(personas["rep1"], products)
    moment = datetime.datetime.fromisoformat(local_time).replace(tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    Order.objects.filter(pk=order.pk).update(created_at=moment)
    personas["rep1"].time_zone = "Asia/Shanghai"
    personas["rep1"].save()
    client.force_login(personas["rep1"])

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("sales:order_list"), query)

    assert (order in response.context["page_obj"].object_list) is listed
    listing = [q["sql"] for q in queries if '"sales_order"."created_at" >' in q["sql"] or '"created_at" <' in q["sql"]]
    # A range on created_at (which its index serves), not the date of every row computed and compared.
    assert listing and not any(marker in sql for sql in listing for marker in ("cast_date", "::date", "AT TIME ZONE"))
