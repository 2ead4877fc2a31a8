"""The leaderboard (排行榜): reps and teams ranked by a metric over a period, with their attainment (the `march`
fixture: Alice 1,000 against 1,200, Carol 700 against 500, Bob 300, Mia 100; East 1,300 against 2,000, North 700)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from gendan.analytics.targets import Standing, ranked
from tests.api_client import api_as

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MARCH = {"metric": "sales", "period": "month", "year": "2026", "month": "3"}


def standings(ranks) -> list:
    return [(rank, row.label, row.actual, row.attainment, row.mine) for rank, row in ranks]


def test_reps_and_teams_are_ranked_with_their_attainment(client, march, django_assert_num_queries):
    people, _targets = march
    client.force_login(people["manager1"])

    # the session and the reader (4), the tree (1), the targets (1), the scope's tree (3), sales by owner (3), people (1)
    with django_assert_num_queries(13):
        response = client.get(reverse("analytics:leaderboard"), MARCH)

    assert response.status_code == 200
    assert standings(response.context["reps"]) == [
        (1, "rep1", Decimal("1000.00"), Decimal("83.3"), False),
        (2, "rep3", Decimal("700.00"), Decimal("140.0"), False),
        (3, "rep2", Decimal("300.00"), None, False),
        (4, "manager1", Decimal("100.00"), None, True),
        (5, "follower1", Decimal("0.00"), None, False),
    ]
    # Sales has teams below it: its figure is theirs added up, not a team to rank beside them.
    assert standings(response.context["teams"]) == [
        (1, "East", Decimal("1300.00"), Decimal("65.0"), False),
        (2, "North", Decimal("700.00"), None, False),
    ]
    assert b'data-testid="rank-rep-' + str(people["manager1"].pk).encode() + b'" aria-current="true"' in (
        response.content
    )


def test_a_rep_ranks_alone_among_what_they_see(client, march):
    people, _targets = march
    client.force_login(people["rep2"])

    response = client.get(reverse("analytics:leaderboard"), MARCH)

    assert standings(response.context["reps"]) == [(1, "rep2", Decimal("300.00"), None, True)]
    assert response.context["teams"] == []


def test_equal_figures_share_a_rank_and_the_next_rank_skips():
    rows = [Standing("rep", pk, name, Decimal(actual)) for pk, name, actual in [(1, "b", 5), (2, "a", 5), (3, "c", 1)]]

    assert [(rank, row.label) for rank, row in ranked(rows)] == [(1, "a"), (1, "b"), (3, "c")]


def test_the_leaderboard_api_with_and_without_a_targets_period(march):
    people, targets = march
    client = api_as(people["admin"])

    month = client.get("/api/v1/leaderboard/", {"metric": "sales", "start": "2026-03-01", "end": "2026-03-31"}).json()
    days = client.get("/api/v1/leaderboard/", {"metric": "sales", "start": "2026-03-01", "end": "2026-03-15"}).json()

    assert month["period"] == "month"
    assert [(item["rank"], item["name"], item["actual"], item["target"], item["attainment"]) for item in month["reps"]][
        :2
    ] == [(1, "rep1", "1000.00", "1200.00", "83.3"), (2, "rep3", "700.00", "500.00", "140.0")]
    assert [(item["name"], item["actual"]) for item in month["teams"]] == [
        ("East", "1300.00"),
        ("North", "700.00"),
        ("Operations", "0.00"),
    ]
    # Not a year, quarter or month: the ranks without targets (Bob's order was on the 20th).
    assert days["period"] is None
    assert [(item["name"], item["actual"], item["target"]) for item in days["reps"]][:3] == [
        ("rep1", "1000.00", None),
        ("rep3", "700.00", None),
        ("manager1", "100.00", None),
    ]


def test_the_leaderboard_api_refuses_a_bad_period_by_field(march):
    people, _targets = march

    answer = api_as(people["admin"]).get("/api/v1/leaderboard/", {"start": "2026-03-31", "end": "2026-03-01"})

    assert answer.status_code == 400
    assert list(answer.json()) == ["end"]
