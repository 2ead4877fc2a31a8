"""Drill-down: a number's link opens the list the rest of the site uses, filtered to exactly the records the metric
counts (`Metric.records`), as the reader sees them."""

import pytest
from django.urls import reverse

from gendan.analytics.drilldown import drill_url
from gendan.analytics.metrics import get_metric
from gendan.finance.models import Payment
from gendan.sales.models import Order

from .conftest import Q1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def listed(client, user, url: str) -> set:
    """The ids of the rows the list at `url` shows `user` (every row: the quarter's lists fit on a page)."""
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    assert not response.context["filter"].form.errors, url
    page = response.context["page_obj"]
    assert not page.has_next()
    return {record.pk for record in page.object_list}


def behind(user, name: str, start=Q1[0], end=Q1[1], *, field: str = "pk", part=None, **row) -> set:
    """The ids of the records behind the number (their `field`: a line's order, an allocation's payment)."""
    return set(get_metric(name).records(user, start, end, part=part, **row).values_list(field, flat=True))


def row_of(quarter, group_by, name) -> dict:
    """{group_by: key} of the row the fixture's `name` stands for (a person, a team, a customer, a product, a region)."""
    if group_by is None:
        return {}
    if group_by == "region":
        return {group_by: name}
    return {group_by: (quarter.people.get(name) or getattr(quarter, name)).pk}


def link(name, group_by, filters, **kwargs):
    return drill_url(name, *Q1, group_by=group_by, key=filters.get(group_by), **kwargs)


ORDER_ROWS = [
    ("boss1", None, None),
    ("boss1", "owner", "rep1"),
    ("boss1", "owner", "rep3"),
    ("boss1", "team", "east"),
    ("boss1", "team", "north"),
    ("boss1", "region", "华东"),
    ("boss1", "region", "华北"),
    ("boss1", "product", "p2"),
    ("boss1", "customer", "c1"),
    ("rep1", None, None),
    ("manager1", "owner", "rep3"),
    ("follower1", None, None),
]


# Buying customers are not grouped by customer.
ORDER_CASES = [
    (name, *case)
    for name in ("sales", "orders", "gross_margin", "valid_customers")
    for case in ORDER_ROWS
    if (name, case[1]) != ("valid_customers", "customer")
]


@pytest.mark.parametrize(("name", "reader", "group_by", "row"), ORDER_CASES)
def test_sales_and_orders_drill_down_to_the_orders_confirmed_in_the_period(
    client, quarter, name, reader, group_by, row
):
    user = quarter.people[reader]
    filters = row_of(quarter, group_by, row)
    url = link(name, group_by, filters)

    field = "order_id" if name in ("sales", "gross_margin") else "pk"
    expected = behind(user, name, field=field, **filters)
    assert expected, "a row with records"
    assert listed(client, user, url) == expected
    assert url.startswith(reverse("sales:order_list"))


def test_a_month_of_the_trend_drills_down_to_that_month_within_the_period(client, quarter):
    url = drill_url("sales", *Q1, group_by="month", key="2026-02-01")

    assert "confirmed_from=2026-02-01" in url and "confirmed_to=2026-02-28" in url
    february = get_metric("orders").records(quarter.boss1, Q1[0].replace(month=2), Q1[0].replace(month=2, day=28))
    assert listed(client, quarter.boss1, url) == set(february.values_list("pk", flat=True))
    # The first week of the quarter starts in December: its days in the period only.
    week = drill_url("sales", *Q1, group_by="week", key="2025-12-29")
    assert "confirmed_from=2026-01-01" in week and "confirmed_to=2026-01-04" in week
    assert listed(client, quarter.boss1, week) == {Order.objects.get(lines__amount=100, owner=quarter.rep1).pk}


@pytest.mark.parametrize(
    ("reader", "name", "group_by", "row"),
    [
        ("boss1", "invoiced", None, None),
        ("boss1", "invoiced", "owner", "rep3"),
        ("boss1", "invoiced", "customer", "c2"),
        ("rep1", "invoiced", None, None),
        ("finance1", "collection_rate", None, None),
        ("boss1", "receivables", None, None),
        ("boss1", "receivables", "owner", "rep1"),
        ("rep3", "receivables", None, None),
        ("boss1", "new_customers", None, None),
        ("boss1", "new_customers", "owner", "rep3"),
        ("rep1", "new_customers", None, None),
        ("boss1", "follow_ups", None, None),
        ("boss1", "follow_ups", "owner", "manager1"),
        ("rep1", "follow_ups", None, None),
        ("boss1", "overdue_tasks", None, None),
        ("boss1", "overdue_tasks", "owner", "rep3"),
        ("manager1", "overdue_tasks", "team", "east"),
        ("rep1", "overdue_tasks", None, None),
        ("boss1", "quotation_conversion", None, None),
        ("rep3", "quotation_conversion", None, None),
        ("boss1", "quotation_conversion", "customer", "c3"),
    ],
)
def test_each_list_shows_exactly_the_records_behind_the_number(client, quarter, reader, name, group_by, row):
    user = quarter.people[reader]
    filters = row_of(quarter, group_by, row)
    url = link(name, group_by, filters)

    expected = behind(user, name, **filters)
    assert expected, "a row with records"
    assert listed(client, user, url) == expected


@pytest.mark.parametrize(
    ("reader", "group_by", "row"),
    [
        ("boss1", None, None),
        ("boss1", "owner", "rep1"),
        ("boss1", "owner", "rep3"),
        ("boss1", "team", "north"),
        ("boss1", "customer", "c1"),
        ("rep1", None, None),
        ("rep3", None, None),
        ("follower1", None, None),
    ],
)
def test_collected_drills_down_to_the_payments_whose_money_it_counts(client, quarter, reader, group_by, row):
    user = quarter.people[reader]
    filters = row_of(quarter, group_by, row)
    url = link("collected", group_by, filters)

    # Money applied to invoices (the allocations' payments) and money on account; refunds are on no list.
    expected = behind(user, "collected", part="allocations", field="payment_id", **filters) | behind(
        user, "collected", part="unallocated", **filters
    )
    assert expected
    assert listed(client, user, url) == expected
    assert drill_url("collected", *Q1, part="refunds") is None


def test_carols_money_paid_by_alices_customer_is_on_carols_list(client, quarter):
    url = drill_url("collected", *Q1, group_by="owner", key=quarter.rep3.pk)

    shown = Payment.objects.filter(pk__in=listed(client, quarter.boss1, url))
    assert sorted((payment.customer_id, str(payment.amount)) for payment in shown) == sorted(
        [(quarter.c1.pk, "22.60"), (quarter.c3.pk, "30.00")]
    )


def test_what_has_no_list_has_no_link_and_a_ratio_links_to_its_denominator(quarter):
    for name in ("credited", "on_time_delivery", "cycle_order_to_ship", "cycle_ship_to_cash", "shipments"):
        assert drill_url(name, *Q1) is None, name
    # "No team" and "No region" have no filter on the lists.
    assert drill_url("sales", *Q1, group_by="team", key=None) is None
    assert drill_url("sales", *Q1, group_by="region", key="") is None
    # Nor does a grouping the list has no filter for.
    assert drill_url("new_customers", *Q1, group_by="region", key="华东") is None
    assert drill_url("collection_rate", *Q1) == drill_url("invoiced", *Q1)
    assert drill_url("dso", *Q1).startswith(reverse("finance:invoice_list") + "?issued_from=")


def test_the_dashboard_links_each_card_and_bar_to_its_drill_down(client, quarter):
    client.force_login(quarter.manager1)
    response = client.get(reverse("analytics:dashboard"), {"start": "2026-01-01", "end": "2026-03-31"})

    by_metric = {card.metric.name: card.url for card in response.context["cards"]}
    assert by_metric["sales"] == drill_url("sales", *Q1)
    assert by_metric["overdue_tasks"] == drill_url("overdue_tasks", *Q1)
    assert by_metric["sales"] in response.content.decode().replace("&amp;", "&")
    by_team = next(chart for chart in response.context["charts"] if chart.key.endswith("sales-team"))
    teams = by_team.config["series"][0]
    east = by_team.config["categories"].index("East")
    assert teams["urls"][east] == drill_url("sales", *Q1, group_by="team", key=quarter.east.pk)


def test_a_team_is_picked_by_name_and_named_on_the_list_it_filters(client, quarter):
    client.force_login(quarter.manager1)

    found = client.get(reverse("lookup_departments"), {"q": "ea"}).json()
    response = client.get(drill_url("sales", *Q1, group_by="team", key=quarter.east.pk))

    assert found == [{"id": quarter.east.pk, "label": "East"}]
    assert 'data-lookup-label="East"' in response.content.decode()
