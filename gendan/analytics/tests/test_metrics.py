"""Every metric against the first quarter of 2026 (conftest.quarter), each figure worked out by hand from it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gendan.analytics.metrics import METRICS, Period, get_metric, metrics_for
from gendan.analytics.metrics.stages import DEAL_STAGES, ORDER_STAGES, stage_metric_name
from gendan.finance.receivables import dso

from .builders import d
from .conftest import Q1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

JAN, FEB, MAR = "2026-01-01", "2026-02-01", "2026-03-01"
# The Mondays of the quarter's ISO weeks that hold anything (the first is 29 December 2025, the last 30 March 2026).
W = {
    "dec29": "2025-12-29",
    "jan05": "2026-01-05",
    "jan12": "2026-01-12",
    "jan19": "2026-01-19",
    "jan26": "2026-01-26",
    "feb02": "2026-02-02",
    "feb09": "2026-02-09",
    "feb16": "2026-02-16",
    "feb23": "2026-02-23",
    "mar02": "2026-03-02",
    "mar09": "2026-03-09",
    "mar30": "2026-03-30",
}

# {metric: {"total": figure, group_by: rows}} for the quarter, as the executive (who sees everything, tasks too) sees
# it. Rows are [(key, value), ...] in their order; by week and by day, {key: value} of the buckets that hold
# anything, every other bucket being empty. Keys name the fixture's people, teams, customers and products; regions,
# weeks and days are as they are.
EXPECTED = {
    "sales": {
        "total": "410.00",
        "month": [(JAN, "100"), (FEB, "250"), (MAR, "60")],
        "week": {W["dec29"]: "100", W["feb02"]: "250", W["mar02"]: "20", W["mar30"]: "40"},
        "day": {"2026-01-01": "100", "2026-02-05": "250", "2026-03-03": "20", "2026-03-31": "40"},
        "owner": [("rep1", "350"), ("rep3", "60")],
        "team": [("east", "350"), ("north", "60")],
        "region": [("华北", "250"), ("华东", "120"), ("", "40")],
        "product": [("p1", "300"), ("p2", "110")],
        "customer": [("c2", "250"), ("c1", "120"), ("c3", "40")],
    },
    "orders": {
        "total": 4,
        "month": [(JAN, 1), (FEB, 1), (MAR, 2)],
        "week": {W["dec29"]: 1, W["feb02"]: 1, W["mar02"]: 1, W["mar30"]: 1},
        "day": {"2026-01-01": 1, "2026-02-05": 1, "2026-03-03": 1, "2026-03-31": 1},
        "owner": [("rep1", 2), ("rep3", 2)],
        "team": [("east", 2), ("north", 2)],
        "region": [("华东", 2), ("", 1), ("华北", 1)],
        # B holds both products: the rows add up to more than the total.
        "product": [("p2", 3), ("p1", 2)],
        "customer": [("c1", 2), ("c3", 1), ("c2", 1)],
    },
    "invoiced": {
        "total": "463.30",
        "month": [(JAN, "113"), (FEB, "282.50"), (MAR, "67.80")],
        "week": {W["jan12"]: "113", W["feb16"]: "282.50", W["mar02"]: "22.60", W["mar30"]: "45.20"},
        "day": {"2026-01-15": "113", "2026-02-20": "282.50", "2026-03-05": "22.60", "2026-03-31": "45.20"},
        "owner": [("rep1", "395.50"), ("rep3", "67.80")],
        "team": [("east", "395.50"), ("north", "67.80")],
        "region": [("华北", "282.50"), ("华东", "135.60"), ("", "45.20")],
        "customer": [("c2", "282.50"), ("c1", "135.60"), ("c3", "45.20")],
    },
    "credited": {
        "total": "50.00",
        "month": [(JAN, "0"), (FEB, "0"), (MAR, "50")],
        # 1 March is a Sunday.
        "week": {W["feb23"]: "50"},
        "day": {"2026-03-01": "50"},
        "owner": [("rep1", "50")],
        "team": [("east", "50")],
        "region": [("华北", "50")],
        "customer": [("c2", "50")],
    },
    "collected": {
        # Allocations 113 + 100 + 22.60, money on account 50 + 30, less the refund of 20.
        "total": "295.60",
        "month": [(JAN, "113"), (FEB, "150"), (MAR, "32.60")],
        "week": {W["jan19"]: "113", W["feb23"]: "150", W["mar02"]: "22.60", W["mar09"]: "10"},
        "day": {
            "2026-01-20": "113",
            "2026-02-25": "150",
            "2026-03-06": "22.60",
            "2026-03-10": "-20",
            "2026-03-15": "30",
        },
        "owner": [("rep1", "243"), ("rep3", "52.60")],
        "team": [("east", "243"), ("north", "52.60")],
        "region": [("华东", "135.60"), ("华北", "130"), ("", "30")],
        "customer": [("c1", "135.60"), ("c2", "130"), ("c3", "30")],
    },
    "receivables": {
        # Open now: 282.50 − 100 − 50, 45.20, and April's 79.10.
        "total": "256.80",
        "owner": [("rep1", "211.60"), ("rep3", "45.20")],
        "team": [("east", "211.60"), ("north", "45.20")],
        "region": [("华北", "132.50"), ("华东", "79.10"), ("", "45.20")],
        "customer": [("c2", "132.50"), ("c1", "79.10"), ("c3", "45.20")],
    },
    "gross_margin": {
        # A 100 − 60, B 200 − 120 + 50 − 30, C 40 − 30, I 20 − 30.
        "total": "140.00",
        "month": [(JAN, "40"), (FEB, "100"), (MAR, "0")],
        "week": {W["dec29"]: "40", W["feb02"]: "100", W["mar02"]: "-10", W["mar30"]: "10"},
        "day": {"2026-01-01": "40", "2026-02-05": "100", "2026-03-03": "-10", "2026-03-31": "10"},
        "owner": [("rep1", "140"), ("rep3", "0")],
        "team": [("east", "140"), ("north", "0")],
        "region": [("华北", "100"), ("华东", "30"), ("", "10")],
        "product": [("p1", "120"), ("p2", "20")],
        "customer": [("c2", "100"), ("c1", "30"), ("c3", "10")],
    },
    "new_customers": {
        "total": 3,
        "month": [(JAN, 1), (FEB, 1), (MAR, 1)],
        "week": {W["jan05"]: 1, W["feb09"]: 1, W["mar30"]: 1},
        "day": {"2026-01-10": 1, "2026-02-15": 1, "2026-03-31": 1},
        "owner": [("rep1", 1), ("rep2", 1), ("rep3", 1)],
        "team": [("east", 2), ("north", 1)],
        "region": [("", 1), ("华东", 1), ("华北", 1)],
    },
    "valid_customers": {
        "total": 3,
        "month": [(JAN, 1), (FEB, 1), (MAR, 2)],
        "week": {W["dec29"]: 1, W["feb02"]: 1, W["mar02"]: 1, W["mar30"]: 1},
        "day": {"2026-01-01": 1, "2026-02-05": 1, "2026-03-03": 1, "2026-03-31": 1},
        "owner": [("rep1", 2), ("rep3", 2)],
        "team": [("east", 2), ("north", 2)],
        "region": [("", 1), ("华东", 1), ("华北", 1)],
        "product": [("p2", 3), ("p1", 2)],
    },
    "lead_conversion": {
        "total": "50.0",
        "month": [(JAN, "50.0"), (FEB, "0.0"), (MAR, "100.0")],
        "week": {W["jan05"]: "100.0", W["jan19"]: "0.0", W["feb02"]: "0.0", W["mar02"]: "100.0"},
        "day": {"2026-01-05": "100.0", "2026-01-20": "0.0", "2026-02-03": "0.0", "2026-03-08": "100.0"},
        "owner": [("rep3", "100.0"), ("rep1", "33.3")],
        "team": [("north", "100.0"), ("east", "33.3")],
        "region": [("华东", "100.0"), ("华北", "100.0"), ("", "0.0")],
    },
    "quotation_conversion": {
        "total": "60.0",
        "month": [(JAN, "100.0"), (FEB, "50.0"), (MAR, "50.0")],
        # 1 February is a Sunday: its two quotations are in the week of 26 January.
        "week": {W["jan26"]: "66.7", W["mar09"]: "50.0"},
        "day": {"2026-01-26": "100.0", "2026-02-01": "50.0", "2026-03-10": "0.0", "2026-03-12": "100.0"},
        "owner": [("rep1", "66.7"), ("rep3", "50.0")],
        "team": [("east", "66.7"), ("north", "50.0")],
        "region": [("华东", "100.0"), ("", "50.0"), ("华北", "50.0")],
        "customer": [("c1", "100.0"), ("c3", "50.0"), ("c2", "50.0")],
    },
    "cycle_quote_to_order": {
        "total": "11.5",
        "month": [(JAN, "5.0"), (FEB, "10.0"), (MAR, "19.5")],
        "week": {W["dec29"]: "5.0", W["feb02"]: "10.0", W["mar30"]: "19.5"},
        "day": {"2026-01-01": "5.0", "2026-02-05": "10.0", "2026-03-31": "19.5"},
        "owner": [("rep3", "19.5"), ("rep1", "7.5")],
        "team": [("north", "19.5"), ("east", "7.5")],
        "region": [("", "19.5"), ("华北", "10.0"), ("华东", "5.0")],
        "customer": [("c3", "19.5"), ("c2", "10.0"), ("c1", "5.0")],
    },
    "cycle_order_to_ship": {
        "total": "6.6",
        "month": [(JAN, "8.5"), (FEB, "7.5"), (MAR, "1.0")],
        "week": {W["dec29"]: "2.5", W["jan12"]: "14.5", W["feb09"]: "7.5", W["mar02"]: "1.0"},
        "day": {
            "2026-01-03": "2.5",
            "2026-01-15": "14.5",
            "2026-02-10": "5.0",
            "2026-02-15": "10.0",
            "2026-03-04": "1.0",
        },
        "owner": [("rep1", "8.0"), ("rep3", "1.0")],
        "team": [("east", "8.0"), ("north", "1.0")],
        "region": [("华北", "7.5"), ("华东", "6.0")],
        "customer": [("c2", "7.5"), ("c1", "6.0")],
    },
    "shipments": {
        # A and F in January, B's two parts in February, I in March; C's is still being packed.
        "total": 5,
        "month": [(JAN, 2), (FEB, 2), (MAR, 1)],
        "week": {W["dec29"]: 1, W["jan12"]: 1, W["feb09"]: 2, W["mar02"]: 1},
        "day": {"2026-01-03": 1, "2026-01-15": 1, "2026-02-10": 1, "2026-02-15": 1, "2026-03-04": 1},
        "owner": [("rep1", 4), ("rep3", 1)],
        "team": [("east", 4), ("north", 1)],
        "region": [("华东", 3), ("华北", 2)],
        "customer": [("c1", 3), ("c2", 2)],
    },
    "cycle_ship_to_cash": {
        "total": "9.5",
        "month": [(JAN, "17.0"), (FEB, None), (MAR, "2.0")],
        "week": {W["jan19"]: "17.0", W["mar02"]: "2.0"},
        "day": {"2026-01-20": "17.0", "2026-03-06": "2.0"},
        "owner": [("rep1", "17.0"), ("rep3", "2.0")],
        "team": [("east", "17.0"), ("north", "2.0")],
        "region": [("华东", "9.5")],
        "customer": [("c1", "9.5")],
    },
    "on_time_delivery": {
        "total": "33.3",
        "month": [(JAN, "100.0"), (FEB, None), (MAR, "0.0")],
        "week": {W["jan05"]: "100.0", W["mar02"]: "0.0"},
        "day": {"2026-01-05": "100.0", "2026-03-02": "0.0", "2026-03-05": "0.0"},
        "owner": [("rep1", "50.0"), ("rep3", "0.0")],
        "team": [("east", "50.0"), ("north", "0.0")],
        "region": [("华东", "50.0"), ("华北", "0.0")],
        "customer": [("c1", "50.0"), ("c2", "0.0")],
    },
    "collection_rate": {
        # (113 + 100 + 22.60) / (113 + 282.50 − 50 + 45.20 + 22.60)
        "total": "57.0",
        "month": [(JAN, "100.0"), (FEB, "43.0"), (MAR, "33.3")],
        "week": {W["jan12"]: "100.0", W["feb16"]: "43.0", W["mar02"]: "100.0", W["mar30"]: "0.0"},
        "day": {"2026-01-15": "100.0", "2026-02-20": "43.0", "2026-03-05": "100.0", "2026-03-31": "0.0"},
        "owner": [("rep1", "61.6"), ("rep3", "33.3")],
        "team": [("east", "61.6"), ("north", "33.3")],
        "region": [("华东", "100.0"), ("华北", "43.0"), ("", "0.0")],
        "customer": [("c1", "100.0"), ("c2", "43.0"), ("c3", "0.0")],
    },
    "follow_ups": {
        "total": 3,
        "month": [(JAN, 1), (FEB, 1), (MAR, 1)],
        "week": {W["jan05"]: 1, W["feb02"]: 1, W["mar02"]: 1},
        "day": {"2026-01-08": 1, "2026-02-02": 1, "2026-03-03": 1},
        # Who recorded it: Mia wrote up a call with Alice's customer.
        "owner": [("manager1", 1), ("rep1", 1), ("rep3", 1)],
        "team": [("east", 1), ("north", 1), ("sales", 1)],
        "region": [("", 1), ("华东", 1), ("华北", 1)],
        "customer": [("c1", 1), ("c3", 1), ("c2", 1)],
    },
    "overdue_tasks": {
        "total": 2,
        "owner": [("rep1", 1), ("rep3", 1)],
        "team": [("east", 1), ("north", 1)],
    },
}


def key_of(quarter, name):
    """The row key a name of EXPECTED stands for: a record's id, or the key itself (a region, a month)."""
    if name and hasattr(quarter, name):
        return getattr(quarter, name).pk
    return name


def figure(value):
    return Decimal(value) if isinstance(value, str) else value


CASES = [(name, group_by) for name, groups in EXPECTED.items() for group_by in groups]


@pytest.mark.parametrize(("name", "group_by"), CASES)
def test_each_metric_and_grouping_gives_the_figures_worked_out_by_hand(quarter, name, group_by):
    expected = EXPECTED[name]
    metric = get_metric(name)

    result = metric.compute(quarter.boss1, *Q1, group_by=None if group_by == "total" else group_by)

    assert result.total == figure(expected["total"])
    found = [(row.key, row.value) for row in result.rows]
    if group_by in ("week", "day"):
        empty = None if metric.is_ratio else 0
        buckets = [day.isoformat() for day in Period(*Q1).buckets(group_by)]
        assert found == [(key, figure(expected[group_by].get(key, empty))) for key in buckets]
    elif group_by != "total":
        assert found == [(key_of(quarter, key), figure(value)) for key, value in expected[group_by]]


def test_every_metric_is_worked_out_above_in_every_grouping_it_offers():
    # DSO is finance's own figure; the stage times and rework are worked out from event logs in test_stages.py.
    elsewhere = {"dso", "rework", *(stage_metric_name(stage) for stage in (*ORDER_STAGES, *DEAL_STAGES))}
    assert set(EXPECTED) | elsewhere == set(METRICS)
    for name, groups in EXPECTED.items():
        assert set(groups) - {"total"} == set(get_metric(name).group_bys), name


def test_sales_by_week_and_by_day_count_on_the_companys_calendar(quarter):
    sales = get_metric("sales")

    weeks = sales.compute(quarter.boss1, d("2026-02-01"), d("2026-02-10"), group_by="week")
    days = sales.compute(quarter.boss1, d("2026-03-30"), d("2026-04-01"), group_by="day")

    # ISO weeks from Monday: the period starts on a Sunday, in the week of 26 January; D (10 February) is cancelled.
    assert [(row.key, row.value) for row in weeks.rows] == [
        ("2026-01-26", 0),
        ("2026-02-02", Decimal("250")),
        ("2026-02-09", 0),
    ]
    assert [row.label for row in weeks.rows] == [
        "Week of Jan. 26, 2026",
        "Week of Feb. 2, 2026",
        "Week of Feb. 9, 2026",
    ]
    # C at 23:30 on 31 March and E at 00:10 on 1 April: in UTC both fall on 31 March.
    assert [(row.key, row.value) for row in days.rows] == [
        ("2026-03-30", 0),
        ("2026-03-31", Decimal("40")),
        ("2026-04-01", Decimal("70")),
    ]
    assert days.total == Decimal("110")


def test_sales_compared_with_the_previous_period_and_with_last_year(quarter):
    sales = get_metric("sales")

    previous = sales.compute(quarter.boss1, *Q1, group_by="month", compare="previous")
    last_year = sales.compute(quarter.boss1, *Q1, group_by="month", compare="last_year")
    by_owner = sales.compute(quarter.boss1, *Q1, group_by="owner", compare="last_year")

    # 90 days before the quarter: 3 October to 31 December 2025, which holds F (80); month k against month k.
    assert (previous.compare_start, previous.compare_end) == (d("2025-10-03"), d("2025-12-31"))
    assert previous.compare_total == Decimal("80")
    assert [(row.label, row.value, row.compare_value) for row in previous.rows] == [
        ("January 2026", Decimal("100"), 0),
        ("February 2026", Decimal("250"), 0),
        ("March 2026", Decimal("60"), Decimal("80")),
    ]
    # The first quarter of 2025 holds H (90, in February).
    assert (last_year.compare_start, last_year.compare_end) == (d("2025-01-01"), d("2025-03-31"))
    assert last_year.compare_total == Decimal("90")
    assert [row.compare_value for row in last_year.rows] == [0, Decimal("90"), 0]
    assert [(row.key, row.value, row.compare_value) for row in by_owner.rows] == [
        (quarter.rep1.pk, Decimal("350"), Decimal("90")),
        (quarter.rep3.pk, Decimal("60"), 0),
    ]


def test_a_key_found_only_in_the_period_compared_with_still_has_its_row(quarter):
    result = get_metric("sales").compute(
        quarter.boss1, d("2026-04-01"), d("2026-04-30"), group_by="customer", compare="previous"
    )

    # April holds E (c1, 70); March held C (c3, 40), B nothing, I (c1, 20).
    assert [(row.key, row.value, row.compare_value) for row in result.rows] == [
        (quarter.c1.pk, Decimal("70"), Decimal("20")),
        (quarter.c3.pk, 0, Decimal("40")),
    ]


def test_last_year_of_29_february_is_28_february(quarter):
    result = get_metric("sales").compute(quarter.boss1, d("2028-02-29"), d("2028-02-29"), compare="last_year")

    assert (result.compare_start, result.compare_end) == (d("2027-02-28"), d("2027-02-28"))


def test_a_compared_period_with_fewer_buckets_leaves_the_last_rows_without_a_counterpart(quarter):
    # A Sunday and a Monday: two ISO weeks; the two days before (Friday, Saturday) are one.
    result = get_metric("orders").compute(
        quarter.boss1, d("2026-02-01"), d("2026-02-02"), group_by="week", compare="previous"
    )

    assert [(row.key, row.compare_value) for row in result.rows] == [("2026-01-26", 0), ("2026-02-02", None)]


def test_rows_are_labelled_in_the_readers_words(quarter):
    sales = get_metric("sales")

    labels = {
        group_by: [row.label for row in sales.compute(quarter.boss1, *Q1, group_by=group_by).rows]
        for group_by in ("month", "owner", "team", "region", "product", "customer")
    }
    no_team = get_metric("overdue_tasks").compute(quarter.boss1, *Q1, group_by="team")

    assert labels == {
        "month": ["January 2026", "February 2026", "March 2026"],
        "owner": ["rep1", "rep3"],
        "team": ["East", "North"],
        "region": ["华北", "华东", "No region"],
        "product": ["P1 阀门", "P2 管件"],
        "customer": ["二号客户", "一号客户", "三号客户"],
    }
    assert [row.label for row in no_team.rows] == ["East", "North"]


def test_people_without_a_team_are_one_row(quarter):
    boss = quarter.boss1
    quarter.rep3.department = None
    quarter.rep3.save(update_fields=["department"])

    result = get_metric("sales").compute(boss, *Q1, group_by="team")

    assert [(row.key, row.label, row.value) for row in result.rows] == [
        (quarter.east.pk, "East", Decimal("350")),
        (None, "No team", Decimal("60")),
    ]


def test_a_ratio_of_nothing_is_none_and_an_empty_sum_is_zero(quarter):
    start, end = d("2024-06-01"), d("2024-06-30")

    assert get_metric("on_time_delivery").compute(quarter.boss1, start, end).total is None
    assert get_metric("cycle_order_to_ship").compute(quarter.boss1, start, end).total is None
    assert get_metric("sales").compute(quarter.boss1, start, end).total == Decimal("0.00")
    assert get_metric("orders").compute(quarter.boss1, start, end).total == 0


def test_dso_is_the_finance_figure_as_of_today(quarter):
    # Nothing of the quarter was invoiced in the last 90 days.
    assert get_metric("dso").compute(quarter.boss1, *Q1).total is None
    assert get_metric("dso").compute(quarter.boss1, *Q1).total == dso(user=quarter.boss1)


def test_point_in_time_metrics_say_as_of_when_and_offer_no_comparison(quarter):
    result = get_metric("receivables").compute(quarter.boss1, *Q1, group_by="owner")

    assert result.as_of is not None and result.compare_total is None
    for name in ("receivables", "dso", "overdue_tasks"):
        with pytest.raises(ValidationError) as refused:
            get_metric(name).compute(quarter.boss1, *Q1, compare="previous")
        assert set(refused.value.message_dict) == {"compare"}, name


@pytest.mark.parametrize(
    ("name", "group_by"),
    [
        ("invoiced", "product"),
        ("receivables", "month"),
        ("dso", "owner"),
        ("new_customers", "customer"),
        ("sales", "colour"),
    ],
)
def test_a_grouping_a_metric_does_not_offer_is_refused_not_ignored(quarter, name, group_by):
    with pytest.raises(ValidationError) as refused:
        get_metric(name).compute(quarter.boss1, *Q1, group_by=group_by)

    assert set(refused.value.message_dict) == {"group_by"}


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [("2026-03-01", "2026-02-28", "end"), ("2020-01-01", "2025-01-01", "end"), ("1800-01-01", "1800-01-02", "start")],
)
def test_a_period_backwards_too_long_or_off_the_calendar_is_refused(quarter, start, end, field):
    with pytest.raises(ValidationError) as refused:
        get_metric("sales").compute(quarter.boss1, d(start), d(end))

    assert field in refused.value.message_dict


def test_gross_margin_is_listed_only_for_those_who_see_costs(personas):
    names = {role: [metric.name for metric in metrics_for(personas[role])] for role in ("rep1", "manager1", "finance1")}

    assert "gross_margin" not in names["rep1"]
    assert "gross_margin" in names["manager1"]
    assert "gross_margin" in names["finance1"]
    # Finance reads no leads nor follow-ups, so neither their metrics.
    assert {"lead_conversion", "follow_ups"} & set(names["finance1"]) == set()
    assert names["rep1"] == [name for name in METRICS if name in names["rep1"]]


def test_the_records_of_a_row_are_its_drill_down(quarter):
    sales = get_metric("sales")

    lines = sales.records(quarter.boss1, *Q1, product=quarter.p2.pk)
    orders = get_metric("orders").records(quarter.boss1, *Q1, product=quarter.p2.pk)
    refunds = get_metric("collected").records(quarter.boss1, *Q1, part="refunds")

    assert sorted(line.amount for line in lines) == [Decimal("20"), Decimal("40"), Decimal("50")]
    assert orders.count() == 3
    assert [refund.amount for refund in refunds] == [Decimal("20")]
    with pytest.raises(ValidationError):
        sales.records(quarter.boss1, *Q1, colour="red")


@pytest.mark.parametrize("name", ["sales", "orders"])
@pytest.mark.parametrize("group_by", ["customer", "owner", "product"])
def test_a_limit_keeps_the_largest_rows_as_the_whole_list_orders_them(quarter, name, group_by):
    metric = get_metric(name)
    if group_by not in metric.group_bys:
        pytest.skip(f"{name} is not grouped by {group_by}")
    whole = metric.compute(quarter.boss1, d("2025-01-01"), d("2026-12-31"), group_by=group_by, compare="previous")
    if (name, group_by) == ("orders", "product"):
        # Two rows of equal counts, which their names put in order: a limit of one cuts between them.
        assert [row.value for row in whole.rows] == [4, 4]

    for limit in range(1, len(whole.rows) + 1):
        limited = metric.compute(
            quarter.boss1, d("2025-01-01"), d("2026-12-31"), group_by=group_by, compare="previous", limit=limit
        )
        assert limited.rows == whole.rows[:limit]
        assert (limited.total, limited.compare_total) == (whole.total, whole.compare_total)


def test_a_total_by_groups_that_share_no_record_is_the_total_of_the_records(quarter):
    metric = get_metric("sales")
    alone = metric.compute(quarter.boss1, *Q1, compare="previous")

    for group_by in ("customer", "owner", "region", "product", "team"):
        grouped = metric.compute(quarter.boss1, *Q1, group_by=group_by, compare="previous")
        assert (grouped.total, grouped.compare_total) == (alone.total, alone.compare_total)
        assert sum(row.value for row in grouped.rows) == alone.total
