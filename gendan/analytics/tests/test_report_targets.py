"""Sales against target in a report: "target:sales" beside "sales", the targets spread over the report's dates day by
day from the finest target set for each day, in the reader's sight (conftest.quarter's people and sales).

Targets: Alice (rep1) 31,000 for March 2026 (1,000 a day) and 30,000 for April (1,000 a day); Bob (rep2) 62,000 for
March (2,000 a day); the company 365,000 for 2026 (1,000 a day).
"""

import datetime
from decimal import Decimal

import pytest

from gendan.analytics.models import SavedReport
from gendan.analytics.reports import measures_for, run_report
from gendan.analytics.services_reports import report_create
from gendan.analytics.services_targets import target_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

WEEK = {"period": "custom", "start": "2026-03-02", "end": "2026-03-08"}


@pytest.fixture
def targets(quarter):
    boss, manager = quarter.boss1, quarter.manager1
    target_set(actor=manager, metric="sales", period="month", year=2026, month=3, amount="31000", owner=quarter.rep1)
    target_set(actor=manager, metric="sales", period="month", year=2026, month=4, amount="30000", owner=quarter.rep1)
    target_set(actor=manager, metric="sales", period="month", year=2026, month=3, amount="62000", owner=quarter.rep2)
    target_set(actor=boss, metric="sales", period="year", year=2026, amount="365000")
    return quarter


def report(dimensions, filters, measures=("sales", "target:sales")):
    return SavedReport(name="x", dimensions=list(dimensions), measures=list(measures), filters=filters)


def test_a_week_of_sales_by_rep_against_the_months_targets(targets):
    result = run_report(report(["owner"], WEEK), targets.boss1)

    by_rep = {row.labels[0]: row.values[1] for row in result.rows}
    # Carol sold that week and has no target: her row shows none.
    assert by_rep == {"rep1": Decimal("7000.00"), "rep2": Decimal("14000.00"), "rep3": None}
    # The company's own target for the week: seven days of its year's.
    assert result.totals[1] == Decimal("7000.00")
    assert [str(measure.label) for measure in result.measures] == ["Sales", "Target: Sales"]


def test_a_week_across_two_months_takes_each_days_month(targets):
    result = run_report(
        report(["week", "owner"], {"period": "custom", "start": "2026-03-30", "end": "2026-04-05"}), targets.boss1
    )

    targets_by_rep = {row.labels[1]: row.values[1] for row in result.rows if row.values[1] is not None}
    # Alice: 2 days of March and 5 of April at 1,000; Bob: 2 days of March at 2,000 (none set for April).
    assert targets_by_rep == {"rep1": Decimal("7000.00"), "rep2": Decimal("4000.00")}


def test_a_rep_reads_their_own_target_only(targets):
    result = run_report(report(["owner"], WEEK), targets.rep1)

    assert [(row.labels[0], row.values[1]) for row in result.rows if row.values[1] is not None] == [
        ("rep1", Decimal("7000.00"))
    ]
    assert result.totals[1] == Decimal("7000.00")


def test_narrowed_to_some_reps_the_total_is_theirs(targets):
    result = run_report(report(["owner"], {**WEEK, "owner": [targets.rep2.pk]}), targets.boss1)

    assert result.totals[1] == Decimal("14000.00")


def test_a_manager_saves_a_weekly_report_of_sales_by_rep_against_target_for_the_team(targets):
    saved = report_create(
        actor=targets.manager1,
        name="周报：销售对目标",
        dimensions=["owner"],
        measures=["sales", "target:sales"],
        filters={"period": "last_week"},
        shared_with=targets.sales.pk,
        schedule="weekly",
    )

    assert "target:sales" in [measure.name for measure in measures_for(targets.manager1)]
    monday = datetime.date(2026, 3, 9)
    result = run_report(saved, targets.manager1, today=monday)
    assert (result.period.start, result.period.end) == (datetime.date(2026, 3, 2), datetime.date(2026, 3, 8))
    assert {row.labels[0]: row.values[1] for row in result.rows} == {
        "rep1": Decimal("7000.00"),
        "rep2": Decimal("14000.00"),
        "rep3": None,
    }
