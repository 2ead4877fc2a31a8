"""What each reader's metrics count: their own records for a rep, the team's or the department's for those above."""

from decimal import Decimal

import pytest

from gendan.analytics.metrics import METRICS, get_metric

from .conftest import Q1

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# Metrics whose owner row is the record's owner in the scope's sense: a reader sees exactly their rows.
OWNED = [name for name in METRICS if name not in {"dso", "follow_ups", "overdue_tasks"}]


def _row(result, key):
    """The value of the row keyed `key`, or what a group without records amounts to."""
    found = [row.value for row in result.rows if row.key == key]
    return found[0] if found else (None if result.metric.is_ratio else 0)


@pytest.mark.parametrize("name", OWNED)
def test_a_reps_figure_is_their_own_row_of_the_companys_and_counts_nobody_elses(quarter, name):
    metric = get_metric(name)
    company = metric.compute(quarter.boss1, *Q1, group_by="owner")

    for rep in (quarter.rep1, quarter.rep2, quarter.rep3):
        own = metric.compute(rep, *Q1, group_by="owner")
        assert own.total == _row(company, rep.pk), rep
        assert {row.key for row in own.rows} <= {rep.pk}, rep


@pytest.mark.parametrize("name", OWNED)
def test_a_team_follower_sees_the_teams_figure_and_the_departments_leader_the_departments(quarter, name):
    metric = get_metric(name)
    teams = metric.compute(quarter.boss1, *Q1, group_by="team")

    assert metric.compute(quarter.follower1, *Q1).total == _row(teams, quarter.east.pk)
    assert metric.compute(quarter.manager1, *Q1).total == metric.compute(quarter.boss1, *Q1).total


def test_money_applied_to_a_reps_invoice_is_theirs_whoever_owns_the_paying_customer(quarter):
    collected = get_metric("collected")

    # Alice: her invoices' 113 and 100, her customer's 50 on account, less its refund of 20. Carol: the 22.60 Alice's
    # customer paid on Carol's invoice, and her customer's 30 on account.
    assert collected.compute(quarter.rep1, *Q1).total == Decimal("243")
    assert collected.compute(quarter.rep3, *Q1).total == Decimal("52.60")


def test_follow_ups_are_seen_with_the_customer_and_tasks_with_their_assignee_or_leader(quarter):
    follow_ups, tasks = get_metric("follow_ups"), get_metric("overdue_tasks")

    # Mia's call with Alice's customer is one of Alice's customer's follow-ups.
    assert [follow_ups.compute(quarter.people[rep], *Q1).total for rep in ("rep1", "rep2", "rep3")] == [2, 0, 1]
    assert [tasks.compute(quarter.people[rep], *Q1).total for rep in ("rep1", "rep2", "rep3")] == [1, 0, 1]
    # Mia leads the sales department.
    assert tasks.compute(quarter.manager1, *Q1).total == 2
