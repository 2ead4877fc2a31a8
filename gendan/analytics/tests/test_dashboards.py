"""The dashboard page: who gets which dashboard and which cards, the period picker, a rep's own figures, and a fixed
number of queries whatever the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gendan.accounts.roles import ROLE_PERMISSIONS, Role
from gendan.analytics.forms import LAST_30_DAYS, LAST_MONTH, THIS_MONTH, THIS_QUARTER, THIS_YEAR, preset_period
from gendan.analytics.metrics import Period, company_today, get_metric
from tests.factories import ProductFactory

from . import builders as b
from .builders import at, d
from .conftest import Q1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = reverse("analytics:dashboard")
QUARTER = {"start": "2026-01-01", "end": "2026-03-31"}
SELLER_CARDS = ["sales", "orders", "collected", "receivables", "follow_ups", "overdue_tasks"]


def page(client, user, **query):
    client.force_login(user)
    response = client.get(URL, query)
    assert response.status_code == 200
    return response


def cards(response) -> dict:
    return {card.metric.name: card for card in response.context["cards"]}


def charts(response) -> list:
    return [chart.key.split("-", 2)[2] for chart in response.context["charts"]]


@pytest.mark.parametrize(
    ("person", "boards"),
    [
        ("rep1", ["rep"]),
        ("follower1", ["team"]),
        ("manager1", ["department"]),
        ("boss1", ["executive"]),
        ("warehouse1", ["warehouse"]),
        ("logistics1", ["warehouse"]),
        ("finance1", ["finance"]),
        ("admin", ["executive", "finance"]),
    ],
)
def test_each_role_gets_the_dashboards_of_what_it_may_see_and_do(client, personas, person, boards):
    response = page(client, personas[person])

    assert [board.key for board, _query in response.context["tabs"]] == boards
    assert response.context["board"].key == boards[0]
    assert b'data-testid="nav-dashboard"' in response.content
    assert (b'data-testid="dashboard-tabs"' in response.content) == (len(boards) > 1)


def test_someone_with_no_dashboard_has_no_link_and_no_page(client, personas):
    client.force_login(personas["service1"])

    assert b'data-testid="nav-dashboard"' not in client.get(reverse("core:home")).content
    assert client.get(URL).status_code == 403


def test_a_tab_is_chosen_by_view_and_keeps_the_period(client, personas):
    response = page(client, personas["admin"], view="finance", **QUARTER)

    assert response.context["board"].key == "finance"
    assert list(cards(response)) == [
        "invoiced",
        "collected",
        "collection_rate",
        "receivables",
        "dso",
        "credited",
        "cycle_ship_to_cash",
    ]
    tab_queries = {board.key: query for board, query in response.context["tabs"]}
    assert "start=2026-01-01" in tab_queries["executive"]
    assert "view=executive" in tab_queries["executive"]
    # An unknown view opens the first.
    assert page(client, personas["admin"], view="nothing").context["board"].key == "executive"


@pytest.mark.parametrize(
    ("person", "expected_cards", "expected_charts"),
    [
        ("rep1", SELLER_CARDS, ["sales-month"]),
        ("follower1", SELLER_CARDS, ["sales-month", "sales-owner", "collected-owner", "targets-owner"]),
        (
            "manager1",
            SELLER_CARDS,
            ["sales-month", "sales-team", "collected-team", "sales-owner", "collected-owner", "targets-team"],
        ),
        (
            "boss1",
            [
                "sales",
                "gross_margin",
                "collected",
                "receivables",
                "dso",
                "new_customers",
                "valid_customers",
                "quotation_conversion",
            ],
            ["sales-month", "sales-region", "sales-product", "sales-customer", "targets-team"],
        ),
        (
            "warehouse1",
            ["shipments", "on_time_delivery", "cycle_order_to_ship"],
            ["shipments-month", "on_time_delivery-month"],
        ),
    ],
)
def test_each_dashboard_shows_its_cards_and_charts(client, quarter, person, expected_cards, expected_charts):
    response = page(client, quarter.people[person], **QUARTER)

    assert list(cards(response)) == expected_cards
    assert charts(response) == expected_charts
    for name in expected_cards:
        assert f'data-testid="kpi-{name}"' in response.content.decode()
    # The definition is on the page for every card.
    assert str(get_metric(expected_cards[0]).definition) in response.content.decode()


def test_gross_margin_shows_only_to_an_executive_who_may_see_costs(client, personas, monkeypatch):
    assert "gross_margin" in cards(page(client, personas["boss1"]))

    without_cost = [name for name in ROLE_PERMISSIONS[Role.EXECUTIVE] if name != "catalog.view_cost"]
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.EXECUTIVE, without_cost)

    response = page(client, personas["boss1"])
    assert "gross_margin" not in cards(response)
    assert "sales" in cards(response)


def test_a_reps_figures_are_their_own(client, quarter):
    everyone = {name: get_metric(name).compute(quarter.boss1, *Q1, group_by="owner") for name in ("sales", "orders")}

    for rep in ("rep1", "rep3"):
        shown = cards(page(client, quarter.people[rep], **QUARTER))
        owner = quarter.people[rep].pk
        for name in ("sales", "orders"):
            assert shown[name].result.total == next(row.value for row in everyone[name].rows if row.key == owner)
    # Alice: A and B (350); Carol: C and I (60); the company 410.
    assert cards(page(client, quarter.rep1, **QUARTER))["sales"].result.total == Decimal("350")
    assert cards(page(client, quarter.boss1, **QUARTER))["sales"].result.total == Decimal("410")


def test_a_card_shows_its_value_its_change_and_its_definition(client, quarter):
    february = cards(page(client, quarter.boss1, start="2026-02-01", end="2026-02-28", compare="previous"))
    response = page(client, quarter.boss1, start="2026-03-01", end="2026-03-31", compare="previous")
    march = cards(response)

    # February: B's 250 against the 28 days before it (4 to 31 January): A's 100 on 1 January is outside, and there
    # is no percent of nothing.
    assert (february["sales"].result.total, february["sales"].result.compare_total) == (Decimal("250"), 0)
    assert february["sales"].result.change is None
    # March: C's 40 and I's 20 against B's 250 in the 31 days before (29 January to 28 February): down 76 %, in red.
    assert march["sales"].result.change == Decimal("-76.0")
    assert march["sales"].good_news is False
    html = response.content.decode()
    sales_card = html[html.index('data-testid="kpi-sales"') : html.index('data-testid="kpi-gross_margin"')]
    assert "60.00" in sales_card
    assert "76.0%" in sales_card
    assert "bi-arrow-down" in sales_card
    assert "text-danger" in sales_card
    assert str(get_metric("sales").definition) in sales_card
    # Receivables are counted as things stand now.
    assert march["receivables"].result.as_of == company_today()


def test_a_shorter_cycle_is_good_news_and_a_percentage_changes_in_points(client, quarter):
    # 15 February to 31 March against the 45 days before: I paid 2 days after shipping, A 17 days.
    shown = cards(page(client, quarter.finance1, start="2026-02-15", end="2026-03-31", compare="previous"))

    cycle = shown["cycle_ship_to_cash"]
    assert (cycle.result.total, cycle.result.compare_total) == (Decimal("2.0"), Decimal("17.0"))
    assert cycle.result.change == Decimal("-88.2")
    assert cycle.good_news is True
    rate = shown["collection_rate"].result
    assert rate.change == rate.total - rate.compare_total


def test_the_period_picker_offers_named_periods_and_the_readers_own(client, personas):
    today = d("2026-05-14")

    assert preset_period(THIS_MONTH, today) == Period(d("2026-05-01"), today)
    assert preset_period(LAST_MONTH, today) == Period(d("2026-04-01"), d("2026-04-30"))
    assert preset_period(THIS_QUARTER, today) == Period(d("2026-04-01"), today)
    assert preset_period(THIS_YEAR, today) == Period(d("2026-01-01"), today)
    assert preset_period(LAST_30_DAYS, today) == Period(d("2026-04-15"), today)
    assert preset_period(LAST_MONTH, d("2026-01-31")) == Period(d("2025-12-01"), d("2025-12-31"))

    now = company_today()
    default = page(client, personas["rep1"])
    assert default.context["period"] == Period(now.replace(day=1), now)
    assert default.context["compared"] == default.context["period"].compared("previous")
    last_year = page(client, personas["rep1"], period="this_year", compare="last_year")
    assert last_year.context["period"] == Period(now.replace(month=1, day=1), now)
    assert last_year.context["compared"].start == now.replace(year=now.year - 1, month=1, day=1)
    custom = page(client, personas["rep1"], period="custom", **QUARTER)
    assert custom.context["period"] == Period(*Q1)
    # The trend charts cover the last twelve months whatever the period.
    trend = custom.context["trend"]
    assert trend.end == now
    assert len(trend.buckets("month")) == 12


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"start": "2026-02-30", "end": "2026-03-01"}, "start"),
        ({"period": "custom", "start": "2026-03-01"}, "end"),
        ({"start": "2019-01-01", "end": "2026-01-01"}, "end"),
        ({"start": "1850-01-01", "end": "1850-01-31"}, "start"),
        ({"period": "next_decade"}, "period"),
        ({"compare": "tomorrow"}, "compare"),
    ],
)
def test_a_bad_period_is_a_field_error_and_the_page_shows_this_month(client, personas, query, field):
    response = page(client, personas["rep1"], **query)

    form = response.context["form"]
    assert field in form.errors
    assert f'data-testid="period-error-{field}"' in response.content.decode()
    today = company_today()
    assert response.context["period"] == Period(today.replace(day=1), today)
    assert len(response.context["cards"]) == len(SELLER_CARDS)


def test_the_trend_chart_pairs_each_month_with_the_same_month_a_year_before(client, quarter):
    response = page(client, quarter.boss1, **QUARTER)
    trend = next(chart for chart in response.context["charts"] if chart.key.endswith("sales-month"))
    config = trend.config

    today = company_today()
    assert config["kind"] == "line"
    assert len(config["categories"]) == len(config["series"][0]["values"]) == 12
    assert [len(series["urls"]) for series in config["series"]] == [12, 12]
    values = dict(zip(response.context["trend"].buckets("month"), config["series"][0]["values"], strict=True))
    if today.year == 2026:
        assert values[d("2026-02-01")] == Decimal("250")
    january = response.context["trend"].start
    # Each bucket of the year before drills to its own month.
    assert f"confirmed_from={january.replace(year=january.year - 1).isoformat()}" in config["series"][1]["urls"][0]
    assert '<script id="' in response.content.decode()
    assert "vendor/echarts/echarts.min.js" in response.content.decode()


def test_top_ten_charts_keep_the_ten_largest_rows(client, quarter):
    products = [ProductFactory(sku=f"T{index}") for index in range(12)]
    buyer = b.customer(quarter.rep1, region="华南")
    for index, product in enumerate(products):
        b.order(quarter.rep1, buyer, [(product, 1, 10 + index)], confirmed=at(d("2026-02-10")))

    response = page(client, quarter.boss1, **QUARTER)
    top = next(chart for chart in response.context["charts"] if chart.key.endswith("sales-product"))

    assert top.config["horizontal"] is True
    assert len(top.config["categories"]) == 10
    # P1's 300 and P2's 110, then T11's 21 down to T4's 14; T3 to T0 are left out.
    values = top.config["series"][0]["values"]
    assert (values[0], values[1], values[2], values[-1]) == (Decimal("300"), Decimal("110"), 21, 14)
    assert top.config["categories"][0] == "P1 阀门"


def _more_history(quarter, count: int):
    """`count` more of everything in the quarter, for each rep, so that every row and label of every chart grows."""
    extra_product = ProductFactory(sku="X1", cost=Decimal("5"))
    for index in range(count):
        day = d("2026-01-05") + datetime.timedelta(days=index * 7)
        for rep in (quarter.rep1, quarter.rep2, quarter.rep3):
            buyer = b.customer(rep, region=f"区{index}", created=at(day))
            made = b.order(rep, buyer, [(extra_product, 2, 40), (quarter.p1, 1, 90)], confirmed=at(day), delivered=True)
            b.shipment(
                made, shipped=at(day + datetime.timedelta(days=1)), delivered=at(day + datetime.timedelta(days=2))
            )
            bill = b.invoice(made, "146.90", issued=at(day + datetime.timedelta(days=2)), paid="100.00")
            b.payment(buyer, "120.00", day + datetime.timedelta(days=3), allocations=[(bill, "100.00")])
            b.credit_note(bill, "10.00", issued=at(day + datetime.timedelta(days=4)))
            b.follow_up(buyer, rep, at(day))
            b.quotation(rep, buyer, sent=at(day))
            b.task(rep, timezone.now() - datetime.timedelta(hours=index + 1))


@pytest.mark.parametrize(
    ("person", "view", "expected"),
    [
        # Each card and chart is its metric's few grouped queries; the session, the user, the department tree
        # (read once per request) and one look at which daily figures are ready come on top. Sales against target
        # (analytics.targets): the tree, the targets, sales by owner and its labels, and the people.
        ("rep1", "rep", 22),
        # A manager's dashboard names the slowest stage: two queries for each of the six.
        ("follower1", "team", 48),
        ("manager1", "department", 63),
        ("boss1", "executive", 49),
        ("warehouse1", "warehouse", 15),
        ("finance1", "finance", 29),
    ],
)
def test_a_dashboard_costs_the_same_queries_for_a_small_and_a_larger_history(client, quarter, person, view, expected):
    client.force_login(quarter.people[person])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, {**QUARTER, "view": view}).status_code == 200
        return len(captured)

    # Once untimed: the process's first request reads the content types every later one finds cached.
    queries()
    small = queries()
    _more_history(quarter, 6)
    larger = queries()

    assert small == larger == expected
