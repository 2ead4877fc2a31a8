"""The forecast from the pipeline and the funnel, on a pipeline built by hand.

Forecast, as of 15 June 2026 (win rates over the deals closed from 15 June 2025): Alice (rep1) won 4 of 5 (80 %),
Carol (rep3) 1 of 5 (20 %), Bob (rep2) 2 of 2 (too few to tell: factor 1); the company 7 of 12 (58.33 %). Alice's
factor is 0.8 / 0.5833 = 1.37, Carol's 0.2 / 0.5833 = 0.34.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from gendan.analytics.forecast import forecast
from gendan.analytics.funnel import funnel
from gendan.analytics.metrics import company_today
from gendan.crm.models import Opportunity, Stage
from gendan.crm.services_pipeline import opportunity_create, opportunity_move
from tests.api_client import api_as

from . import builders as b
from .builders import at, d

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = d("2026-06-15")


def deal(owner, buyer, amount, stage, *, probability=None, expected=None, closed=None):
    return Opportunity.objects.create(
        customer=buyer,
        owner=owner,
        name=f"{owner}-{amount}-{stage}",
        amount=Decimal(amount),
        stage=stage,
        probability=probability if probability is not None else {"won": 100, "lost": 0}.get(stage, 10),
        expected_close_on=expected,
        closed_on=closed,
        lost_reason="价格" if stage == Stage.LOST else "",
    )


@pytest.fixture
def pipeline(personas):
    rep1, rep2, rep3 = personas["rep1"], personas["rep2"], personas["rep3"]
    alices, bobs, carols = b.customer(rep1), b.customer(rep2), b.customer(rep3)
    for stage in [Stage.WON] * 4 + [Stage.LOST]:
        deal(rep1, alices, "100", stage, closed=d("2026-01-10"))
    # Closed before the window: not counted.
    deal(rep1, alices, "100", Stage.LOST, closed=d("2025-06-14"))
    for stage in [Stage.WON] + [Stage.LOST] * 4:
        deal(rep3, carols, "100", stage, closed=d("2025-06-15"))
    deal(rep2, bobs, "100", Stage.WON, closed=d("2026-06-15"))
    deal(rep2, bobs, "100", Stage.WON, closed=d("2026-03-01"))
    return {
        "a": deal(rep1, alices, "10000", Stage.QUOTE, probability=60, expected=d("2026-07-10")),
        "b": deal(rep1, alices, "5000", Stage.NEGOTIATION, probability=80, expected=d("2026-07-20")),
        "c": deal(rep3, carols, "20000", Stage.PROPOSAL, probability=40, expected=d("2026-08-05")),
        "d": deal(rep2, bobs, "3000", Stage.FIRST_VISIT, probability=20, expected=d("2026-05-31")),
        "e": deal(rep3, carols, "8000", Stage.LEAD, probability=10),
    }


def test_each_deal_is_weighted_by_its_probability_and_its_owners_win_rate(personas, pipeline):
    found = forecast(personas["admin"], today=TODAY)

    weighted = {deal.opportunity.pk: (deal.factor, deal.chance, deal.weighted) for deal in found.deals + found.undated}
    assert weighted == {
        pipeline["a"].pk: (Decimal("1.37"), Decimal("82.2"), Decimal("8220.00")),
        # 80 % × 1.37 is more than certain: never more than the amount.
        pipeline["b"].pk: (Decimal("1.37"), Decimal("100"), Decimal("5000.00")),
        pipeline["c"].pk: (Decimal("0.34"), Decimal("13.6"), Decimal("2720.00")),
        pipeline["d"].pk: (Decimal("1"), Decimal("20"), Decimal("600.00")),
        pipeline["e"].pk: (Decimal("0.34"), Decimal("3.4"), Decimal("272.00")),
    }
    assert (found.baseline_won, found.baseline_closed, found.baseline) == (7, 12, Decimal("58.3"))


def test_the_forecast_by_month_and_by_owner_add_up_and_leave_undated_deals_apart(personas, pipeline):
    found = forecast(personas["admin"], today=TODAY)

    assert [(m.key, m.deals, m.amount, m.weighted, m.past) for m in found.by_month] == [
        (d("2026-05-01"), 1, Decimal("3000"), Decimal("600.00"), True),
        (d("2026-07-01"), 2, Decimal("15000"), Decimal("13220.00"), False),
        (d("2026-08-01"), 1, Decimal("20000"), Decimal("2720.00"), False),
    ]
    assert [(o.label, o.deals, o.weighted, o.rate.won, o.rate.closed) for o in found.by_owner] == [
        ("rep1", 2, Decimal("13220.00"), 4, 5),
        ("rep3", 1, Decimal("2720.00"), 1, 5),
        ("rep2", 1, Decimal("600.00"), 2, 2),
    ]
    assert (found.amount, found.weighted) == (Decimal("38000"), Decimal("16540.00"))
    assert [deal.opportunity.pk for deal in found.undated] == [pipeline["e"].pk]
    assert found.undated_weighted == Decimal("272.00")


def test_a_reps_forecast_is_their_own_deals_against_their_own_rate(personas, pipeline):
    found = forecast(personas["rep1"], today=TODAY)

    # Their rate is the baseline of what they see: a factor of 1.
    assert [(deal.opportunity.pk, deal.factor, deal.weighted) for deal in found.deals] == [
        (pipeline["a"].pk, Decimal("1.00"), Decimal("6000.00")),
        (pipeline["b"].pk, Decimal("1.00"), Decimal("4000.00")),
    ]
    assert found.undated == []


def test_too_few_deals_closed_in_all_leave_every_factor_at_one(personas):
    rep1 = personas["rep1"]
    buyer = b.customer(rep1)
    for _index in range(4):
        deal(rep1, buyer, "100", Stage.WON, closed=d("2026-01-10"))
    open_deal = deal(rep1, buyer, "1000", Stage.QUOTE, probability=60, expected=d("2026-07-01"))

    found = forecast(personas["admin"], today=TODAY)

    assert [(item.opportunity.pk, item.factor, item.weighted) for item in found.deals] == [
        (open_deal.pk, Decimal("1"), Decimal("600.00"))
    ]


def test_the_forecast_page_writes_out_the_method_in_a_fixed_number_of_queries(
    client, personas, pipeline, django_assert_num_queries
):
    client.force_login(personas["manager1"])

    # the session and the reader (4), the scope's tree (3), the win rates (1), the open deals (1)
    with django_assert_num_queries(9):
        response = client.get(reverse("analytics:forecast"))

    assert response.status_code == 200
    assert b'data-testid="forecast-method"' in response.content
    assert "win-rate factor" in response.context["forecast"].method()
    assert client.get(reverse("analytics:forecast")).status_code == 200
    client.force_login(personas["warehouse1"])
    assert client.get(reverse("analytics:forecast")).status_code == 403


def test_the_forecast_api(personas, pipeline):
    with time_machine.travel(at(TODAY)):
        answer = api_as(personas["admin"]).get("/api/v1/forecast/")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["amount"], body["weighted"], body["baseline_won"], body["baseline_closed"]) == (
        "38000.00",
        "16540.00",
        7,
        12,
    )
    assert [(month["month"], month["weighted"], month["past"]) for month in body["by_month"]] == [
        ("2026-05-01", "600.00", True),
        ("2026-07-01", "13220.00", False),
        ("2026-08-01", "2720.00", False),
    ]
    assert [(owner["name"], owner["factor"]) for owner in body["by_owner"]] == [
        ("rep1", "1.37"),
        ("rep3", "0.34"),
        ("rep2", "1.00"),
    ]
    assert [item["id"] for item in body["undated"]] == [pipeline["e"].pk]
    assert "factor" in body["method"]
    assert api_as(personas["warehouse1"]).get("/api/v1/forecast/").status_code == 403


# --- the funnel -------------------------------------------------------------------------------------------------


@pytest.fixture
def funnel_deals(personas):
    """Five of Alice's deals entered today, moved through the stages by the services (which record the events)."""
    rep1 = personas["rep1"]
    buyer = b.customer(rep1)

    def made(stage=Stage.LEAD):
        return opportunity_create(customer=buyer, actor=rep1, name="商机", amount=Decimal("100"), stage=stage)

    def moved(opportunity, *stages):
        for stage in stages:
            opportunity = opportunity_move(
                opportunity=opportunity, actor=rep1, stage=stage, lost_reason="价格" if stage == Stage.LOST else ""
            )
        return opportunity

    moved(made(), Stage.FIRST_VISIT, Stage.PROPOSAL, Stage.QUOTE, Stage.NEGOTIATION, Stage.WON)
    moved(made(), Stage.FIRST_VISIT, Stage.LOST)
    moved(made(Stage.PROPOSAL), Stage.QUOTE)
    made()
    moved(made(), Stage.NEGOTIATION, Stage.PROPOSAL)
    # Entered a year ago, and Carol's: neither counts for Alice this month.
    old = made()
    Opportunity.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    carols = b.customer(personas["rep3"])
    opportunity_create(customer=carols, actor=personas["rep3"], name="别人的", amount=Decimal("1"))


def test_the_funnel_counts_the_deals_that_reached_each_stage_and_went_on(personas, funnel_deals):
    today = company_today()

    found = funnel(personas["rep1"], start=today.replace(day=1), end=today)

    assert found.entered == 5
    assert [
        (step.stage, step.reached, step.went_on, step.conversion, step.open_here, step.lost_here)
        for step in found.steps
    ] == [
        ("lead", 5, 4, Decimal("80.0"), 1, 0),
        ("first_visit", 4, 3, Decimal("75.0"), 0, 1),
        ("proposal", 3, 3, Decimal("100.0"), 0, 0),
        ("quote", 3, 2, Decimal("66.7"), 1, 0),
        # Moved back to proposal, still open: it reached negotiation all the same.
        ("negotiation", 2, 1, Decimal("50.0"), 1, 0),
        ("won", 1, None, None, 0, 0),
    ]
    assert found.win_rate == Decimal("20.0")


def test_the_funnel_page_in_a_fixed_number_of_queries(client, personas, funnel_deals, django_assert_num_queries):
    client.force_login(personas["rep1"])

    # the session and the reader (4), the deals (1), their stage changes (1)
    with django_assert_num_queries(6):
        response = client.get(reverse("analytics:funnel"), {"period": "this_month"})

    assert response.status_code == 200
    assert response.context["funnel"].entered == 5
    assert b'data-testid="funnel-won"' in response.content
