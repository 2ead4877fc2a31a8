"""/api/v1/metrics/ and /api/v1/metrics/{name}/: the contract's paths and fields, bad input, what each caller sees."""

import pytest
from rest_framework.test import APIClient

from gendan.analytics.metrics import company_today
from tests.api_client import api_as

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

QUARTER = {"start": "2026-01-01", "end": "2026-03-31"}


def test_the_list_names_each_metric_the_caller_may_see_with_its_definition(personas):
    rep = api_as(personas["rep1"]).get("/api/v1/metrics/")
    manager = api_as(personas["manager1"]).get("/api/v1/metrics/")

    assert rep.status_code == manager.status_code == 200
    sales = next(metric for metric in rep.json() if metric["name"] == "sales")
    assert sales == {
        "name": "sales",
        "label": "Sales",
        "definition": sales["definition"],
        "unit": "money",
        "group_bys": ["month", "week", "day", "owner", "team", "region", "product", "customer"],
        "compares": ["previous", "last_year"],
        "point_in_time": False,
    }
    assert sales["definition"].startswith("The amount of the orders confirmed in the period")
    assert "gross_margin" not in {metric["name"] for metric in rep.json()}
    assert "gross_margin" in {metric["name"] for metric in manager.json()}
    receivables = next(metric for metric in rep.json() if metric["name"] == "receivables")
    assert (receivables["group_bys"], receivables["compares"], receivables["point_in_time"]) == (
        ["owner", "team", "region", "customer"],
        [],
        True,
    )


def test_a_metric_by_month_against_last_year_with_amounts_as_decimal_strings(quarter):
    response = api_as(quarter.boss1).get(
        "/api/v1/metrics/sales/", {**QUARTER, "group_by": "month", "compare": "last_year"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "name": "sales",
        "label": "Sales",
        "definition": body["definition"],
        "unit": "money",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "as_of": None,
        "group_by": "month",
        "compare": "last_year",
        "compare_start": "2025-01-01",
        "compare_end": "2025-03-31",
        "rows": [
            {"key": "2026-01-01", "label": "January 2026", "value": "100.00", "compare_value": "0.00"},
            {"key": "2026-02-01", "label": "February 2026", "value": "250.00", "compare_value": "90.00"},
            {"key": "2026-03-01", "label": "March 2026", "value": "60.00", "compare_value": "0.00"},
        ],
        "total": "410.00",
        "compare_total": "90.00",
        "rows_add_up": True,
    }


def test_counts_are_integers_and_a_ratio_of_nothing_is_null(quarter):
    client = api_as(quarter.boss1)

    orders = client.get("/api/v1/metrics/orders/", {**QUARTER, "group_by": "owner"}).json()
    on_time = client.get("/api/v1/metrics/on_time_delivery/", {**QUARTER, "group_by": "month"}).json()
    by_product = client.get("/api/v1/metrics/orders/", {**QUARTER, "group_by": "product"}).json()

    assert orders["total"] == 4
    assert [(row["key"], row["label"], row["value"]) for row in orders["rows"]] == [
        (quarter.rep1.pk, "rep1", 2),
        (quarter.rep3.pk, "rep3", 2),
    ]
    assert [row["value"] for row in on_time["rows"]] == ["100.0", None, "0.0"]
    assert (on_time["total"], on_time["rows_add_up"]) == ("33.3", False)
    assert by_product["rows_add_up"] is False


def test_the_period_is_this_month_so_far_unless_given(quarter):
    today = company_today()
    client = api_as(quarter.boss1)

    unsaid = client.get("/api/v1/metrics/orders/").json()
    to_february = client.get("/api/v1/metrics/orders/", {"end": "2026-02-20"}).json()

    assert (unsaid["start"], unsaid["end"]) == (today.replace(day=1).isoformat(), today.isoformat())
    # The end's month up to the end: B, confirmed on 5 February.
    assert (to_february["start"], to_february["total"]) == ("2026-02-01", 1)


def test_a_point_in_time_metric_says_as_of_when(quarter):
    body = api_as(quarter.boss1).get("/api/v1/metrics/receivables/", {"group_by": "owner"}).json()

    assert body["as_of"] == company_today().isoformat()
    assert body["total"] == "256.80"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-02-30"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"group_by": "colour"}, "group_by"),
        ({"compare": "next_year"}, "compare"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "end"),
        ({"start": "1850-01-01", "end": "1850-01-31"}, "start"),
    ],
)
def test_bad_input_is_a_400_keyed_by_the_field(personas, query, field):
    response = api_as(personas["rep1"]).get("/api/v1/metrics/sales/", query)

    assert response.status_code == 400
    assert field in response.json()
    assert all(isinstance(message, str) for message in response.json()[field])


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("invoiced", {"group_by": "product"}, "group_by"),
        ("receivables", {"group_by": "month"}, "group_by"),
        ("dso", {"group_by": "owner"}, "group_by"),
        ("receivables", {"compare": "previous"}, "compare"),
    ],
)
def test_a_grouping_or_comparison_the_metric_does_not_offer_is_a_400(personas, name, query, field):
    response = api_as(personas["finance1"]).get(f"/api/v1/metrics/{name}/", query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_an_unknown_metric_and_one_the_caller_may_not_see_are_404(personas):
    rep, manager = api_as(personas["rep1"]), api_as(personas["manager1"])

    assert rep.get("/api/v1/metrics/turnover/").status_code == 404
    assert rep.get("/api/v1/metrics/gross_margin/").status_code == 404
    assert rep.get("/api/v1/metrics/gross_margin/", {"group_by": "colour"}).status_code == 404
    assert api_as(personas["finance1"]).get("/api/v1/metrics/follow_ups/").status_code == 404
    assert manager.get("/api/v1/metrics/gross_margin/").status_code == 200


def test_anonymous_callers_are_refused(db):
    assert APIClient().get("/api/v1/metrics/").status_code == 401
    assert APIClient().get("/api/v1/metrics/sales/").status_code == 401


@pytest.mark.parametrize(
    ("role", "total", "owners"),
    [
        ("rep1", "350.00", ["rep1"]),
        ("rep2", "0.00", []),
        ("rep3", "60.00", ["rep3"]),
        ("follower1", "350.00", ["rep1"]),
        ("manager1", "410.00", ["rep1", "rep3"]),
    ],
)
def test_each_caller_gets_the_figures_of_the_records_in_their_scope(quarter, role, total, owners):
    body = api_as(quarter.people[role]).get("/api/v1/metrics/sales/", {**QUARTER, "group_by": "owner"}).json()

    assert body["total"] == total
    assert [row["label"] for row in body["rows"]] == owners
