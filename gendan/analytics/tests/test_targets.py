"""Targets: who sets which, what each reader sees, and actual against target with the gap, computed by hand.

March 2026 of the personas' company: Alice (rep1) sold 1,000 and Bob (rep2) 300 in the East team, Carol (rep3) 700 in
the North team, and Mia (manager1), who heads the sales department above both teams, 100 herself: 2,100 in all.
Alice also sold 500 in February.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from gendan.analytics.models import Target
from gendan.analytics.services_targets import target_delete, target_set, target_set_months
from gendan.analytics.targets import TargetPeriod, board, year_plan
from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from tests.api_client import api_as

from .builders import at, d

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MARCH = (d("2026-03-01"), d("2026-03-31"))
LIST = "/api/v1/targets/"


def rows(found) -> dict:
    return {(row.subject, row.label): (row.amount, row.actual, row.gap, row.attainment) for row in found.rows}


def test_the_company_sees_every_subject_with_its_target_actual_gap_and_attainment(march):
    people, _targets = march

    found = board(people["admin"], metric="sales", start=MARCH[0], end=MARCH[1])

    assert rows(found) == {
        ("company", "Company"): (Decimal("2500.00"), Decimal("2100.00"), Decimal("400.00"), Decimal("84.0")),
        ("team", "Operations"): (None, Decimal("0.00"), None, None),
        ("team", "Sales"): (None, Decimal("2100.00"), None, None),
        ("team", "East"): (Decimal("2000.00"), Decimal("1300.00"), Decimal("700.00"), Decimal("65.0")),
        ("rep", "rep1"): (Decimal("1200.00"), Decimal("1000.00"), Decimal("200.00"), Decimal("83.3")),
        ("rep", "rep2"): (None, Decimal("300.00"), None, None),
        ("rep", "follower1"): (None, Decimal("0.00"), None, None),
        ("team", "North"): (None, Decimal("700.00"), None, None),
        ("rep", "rep3"): (Decimal("500.00"), Decimal("700.00"), Decimal("-200.00"), Decimal("140.0")),
        ("rep", "manager1"): (None, Decimal("100.00"), None, None),
    }
    # Company, then each team above its own teams, each with its people.
    assert [row.label for row in found.rows] == [
        "Company",
        "Operations",
        "Sales",
        "manager1",
        "East",
        "follower1",
        "rep1",
        "rep2",
        "North",
        "rep3",
    ]


def test_a_quarter_is_read_against_the_quarters_targets(march):
    people, _targets = march

    found = board(people["admin"], metric="sales", start=d("2026-01-01"), end=d("2026-03-31"))

    assert found.period == TargetPeriod("quarter", 2026, quarter=1)
    north = next(row for row in found.rows if row.label == "North")
    east = next(row for row in found.rows if row.label == "East")
    assert (north.amount, north.actual, north.attainment) == (Decimal("1000.00"), Decimal("700.00"), Decimal("70.0"))
    # East has a month's target, not a quarter's: the quarter's actual alone.
    assert (east.amount, east.actual) == (None, Decimal("1800.00"))


def test_a_rep_sees_their_own_target_and_actual_only(march):
    people, _targets = march

    found = board(people["rep1"], metric="sales", start=MARCH[0], end=MARCH[1])

    assert rows(found) == {
        ("rep", "rep1"): (Decimal("1200.00"), Decimal("1000.00"), Decimal("200.00"), Decimal("83.3")),
    }


def test_a_team_leader_sees_the_team_and_its_reps_not_the_company_nor_another_team(march):
    people, _targets = march

    found = board(people["follower1"], metric="sales", start=MARCH[0], end=MARCH[1])

    assert rows(found) == {
        ("team", "East"): (Decimal("2000.00"), Decimal("1300.00"), Decimal("700.00"), Decimal("65.0")),
        ("rep", "follower1"): (None, Decimal("0.00"), None, None),
        ("rep", "rep1"): (Decimal("1200.00"), Decimal("1000.00"), Decimal("200.00"), Decimal("83.3")),
        ("rep", "rep2"): (None, Decimal("300.00"), None, None),
    }


def test_the_readers_year_by_quarter_and_month(march):
    people, targets = march
    target_set(actor=people["admin"], metric="sales", period="year", year=2026, amount="20000")

    plan = year_plan(people["admin"], metric="sales", year=2026)

    found = {row.period.label: (row.amount if row.target else None, row.actual) for row in plan.rows}
    assert found["Q1 2026"] == (None, Decimal("2600.00"))
    assert found["2026-02"] == (None, Decimal("500.00"))
    assert found["2026-03"] == (Decimal("2500.00"), Decimal("2100.00"))
    assert found["Q2 2026"] == (None, Decimal("0.00"))
    assert found["2026"] == (Decimal("20000.00"), Decimal("2600.00"))
    assert len(plan.rows) == 4 + 12 + 1
    # A rep's year is their own.
    mine = year_plan(people["rep1"], metric="sales", year=2026)
    assert (mine.subject, mine.rows[-1].actual) == ("rep", Decimal("1500.00"))


# --- setting targets ---------------------------------------------------------------------------------------


def test_setting_a_target_again_changes_its_amount_and_records_both(march):
    people, targets = march
    admin = people["admin"]

    again = target_set(
        actor=admin, metric="sales", period="month", year=2026, month=3, amount="1300", owner=people["rep1"]
    )

    assert again.pk == targets["rep1"].pk
    assert Target.objects.get(pk=again.pk).amount == Decimal("1300.00")
    verbs = list(
        Event.objects.filter(object_id=again.pk, verb__startswith="target.")
        .order_by("id")
        .values_list("verb", "changes")
    )
    assert verbs == [("target.created", {}), ("target.updated", {"amount": ["1200.00", "1300.00"]})]


@pytest.mark.parametrize(
    ("fields", "keys"),
    [
        ({"period": "month", "month": 13}, ["month"]),
        ({"period": "month", "month": 3, "quarter": 1}, ["quarter"]),
        ({"period": "quarter", "quarter": 5}, ["quarter"]),
        ({"period": "year", "month": 3}, ["month"]),
        ({"period": "week"}, ["period"]),
        ({"period": "year", "year": 1999}, ["year"]),
        ({"period": "year", "amount": "-1"}, ["amount"]),
        ({"period": "year", "amount": "abc"}, ["amount"]),
        ({"period": "year", "metric": "orders", "amount": "12.5"}, ["amount"]),
        ({"period": "year", "metric": "gross_margin"}, ["metric"]),
        ({"period": "year", "amount": "1" * 14}, ["amount"]),
    ],
)
def test_bad_input_is_refused_by_field_and_writes_nothing(personas, fields, keys):
    before = Target.objects.count(), Event.objects.count()
    arguments = {"metric": "sales", "year": 2026, "amount": "10", **fields}

    with pytest.raises(ValidationError) as refused:
        target_set(actor=personas["admin"], **arguments)

    assert sorted(refused.value.message_dict) == keys
    assert (Target.objects.count(), Event.objects.count()) == before


def test_a_team_and_a_rep_at_once_is_refused(personas):
    with pytest.raises(ValidationError) as refused:
        target_set(
            actor=personas["admin"],
            metric="sales",
            period="year",
            year=2026,
            amount="1",
            team=personas["rep1"].department,
            owner=personas["rep1"],
        )

    assert list(refused.value.message_dict) == ["owner"]


@pytest.mark.parametrize(
    ("actor", "subject", "allowed"),
    [
        ("admin", "company", True),
        ("boss1", "company", True),
        ("manager1", "company", False),
        ("manager1", "north", True),
        ("manager1", "sales", False),
        ("manager1", "rep3", True),
        ("manager1", "manager1", False),
        ("follower1", "rep2", True),
        ("follower1", "east", False),
        ("follower1", "rep3", False),
        ("follower1", "follower1", False),
        ("rep1", "rep1", False),
        ("finance1", "company", False),
    ],
)
def test_who_may_set_a_target_for_whom(personas, actor, subject, allowed):
    subjects = {
        "company": {},
        "north": {"team": personas["rep3"].department},
        "east": {"team": personas["rep1"].department},
        "sales": {"team": personas["manager1"].department},
        **{name: {"owner": personas[name]} for name in ("rep2", "rep3", "manager1", "follower1", "rep1")},
    }

    def attempt():
        return target_set(
            actor=personas[actor], metric="sales", period="year", year=2026, amount="100", **subjects[subject]
        )

    if allowed:
        assert attempt().amount == Decimal("100.00")
    else:
        with pytest.raises(ApplicationError):
            attempt()
        assert not Target.objects.exists()


def test_a_year_by_month_is_set_at_once_and_a_blank_month_removes_its_target(personas):
    admin, rep1 = personas["admin"], personas["rep1"]
    amounts = {month: str(month * 100) for month in range(1, 13)}

    target_set_months(actor=admin, metric="sales", year=2026, amounts=amounts, owner=rep1)
    target_set_months(actor=admin, metric="sales", year=2026, amounts={**amounts, 2: "", 3: "350"}, owner=rep1)

    found = dict(Target.objects.filter(owner=rep1).values_list("month", "amount"))
    assert found == {month: Decimal(month * 100) for month in range(1, 13) if month != 2} | {3: Decimal("350")}
    verbs = sorted(Event.objects.filter(verb__startswith="target.").values_list("verb", flat=True))
    assert verbs.count("target.created") == 12
    assert verbs.count("target.updated") == 1
    assert verbs.count("target.deleted") == 1


def test_a_bad_month_refuses_the_whole_year(personas):
    with pytest.raises(ValidationError) as refused:
        target_set_months(actor=personas["admin"], metric="sales", year=2026, amounts={1: "100", 5: "-1", 7: "x"})

    assert sorted(refused.value.message_dict) == ["month_5", "month_7"]
    assert not Target.objects.exists()


def test_deleting_a_target_records_it_and_only_those_who_may_set_it_can(march):
    people, targets = march

    with pytest.raises(ApplicationError):
        target_delete(actor=people["follower1"], target=targets["rep3"])
    target_delete(actor=people["manager1"], target=targets["rep3"])

    assert not Target.objects.filter(pk=targets["rep3"].pk).exists()
    assert Event.objects.filter(verb="target.deleted", object_id=targets["rep3"].pk).count() == 1


# --- the database's own guards -------------------------------------------------------------------------------


def _raw(**fields):
    values = {"metric": "sales", "subject": "company", "period": "year", "year": 2026, "amount": Decimal("1"), **fields}
    with transaction.atomic():
        Target.objects.create(**values)


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"subject": "team"}, "target_subject_fields"),
        ({"subject": "rep"}, "target_subject_fields"),
        ({"period": "month"}, "target_period_fields"),
        ({"period": "month", "month": 13}, "target_period_fields"),
        ({"period": "quarter", "quarter": 0}, "target_period_fields"),
        ({"period": "year", "quarter": 2}, "target_period_fields"),
        ({"amount": Decimal("-0.01")}, "target_amount_not_negative"),
        ({"year": 1999}, "target_year_in_range"),
        ({"metric": "gross_margin"}, "target_metric_known"),
    ],
)
def test_the_database_refuses_a_target_that_does_not_hold_together(db, fields, constraint):
    with pytest.raises(IntegrityError) as refused:
        _raw(**fields)

    assert constraint in str(refused.value) or connection.vendor == "sqlite"


def test_the_database_keeps_one_target_per_subject_and_period_nulls_included(personas):
    _raw()
    _raw(period="month", month=1)
    _raw(subject="rep", owner=personas["rep1"])

    for fields in ({}, {"period": "month", "month": 1}, {"subject": "rep", "owner": personas["rep1"]}):
        with pytest.raises(IntegrityError):
            _raw(**fields)
    assert Target.objects.count() == 3


# --- the pages ---------------------------------------------------------------------------------------------


def test_the_targets_page_shows_the_board_with_a_fixed_number_of_queries(client, march, django_assert_num_queries):
    people, _targets = march
    client.force_login(people["manager1"])
    url = reverse("analytics:targets")
    query = {"metric": "sales", "period": "month", "year": "2026", "month": "3"}

    # the session and the reader (4), the department tree (1), the targets (1), the scope's tree (3), sales by owner
    # (3), the people (1), the year by month (2) and the year's targets (1)
    with django_assert_num_queries(16):
        response = client.get(url, query)

    assert response.status_code == 200
    labels = [row.label for row in response.context["board"].rows]
    assert labels == ["Sales", "manager1", "East", "follower1", "rep1", "rep2", "North", "rep3"]
    assert b'data-testid="set-targets"' in response.content
    assert b'data-testid="target-row-company"' not in response.content


def test_a_rep_sees_the_page_without_the_editor(client, march):
    people, _targets = march
    client.force_login(people["rep1"])

    response = client.get(reverse("analytics:targets"), {"period": "month", "year": "2026", "month": "3"})

    assert response.status_code == 200
    assert b'data-testid="set-targets"' not in response.content
    assert client.get(reverse("analytics:target_edit")).status_code == 403


def test_the_editor_sets_a_year_by_month(client, personas):
    client.force_login(personas["follower1"])
    rep2 = personas["rep2"]
    data = {"form": "months", "subject": f"rep:{rep2.pk}", "metric": "sales", "year": "2026"}
    data |= {f"month_{month}": "" for month in range(1, 13)} | {"month_1": "100", "month_12": "1200"}

    response = client.post(reverse("analytics:target_edit"), data)

    assert response.status_code == 302
    assert dict(Target.objects.filter(owner=rep2).values_list("month", "amount")) == {
        1: Decimal("100"),
        12: Decimal("1200"),
    }


def test_the_editor_offers_only_the_subjects_one_may_set_and_shows_field_errors(client, personas):
    client.force_login(personas["follower1"])
    url = reverse("analytics:target_edit")

    offered = dict(client.get(url).context["subjects"])
    response = client.post(
        url,
        {
            "form": "one",
            "subject": f"rep:{personas['rep2'].pk}",
            "metric": "sales",
            "year": "2026",
            "period": "month",
            "amount": "10",
        },
    )

    assert sorted(offered) == [f"rep:{personas['rep1'].pk}", f"rep:{personas['rep2'].pk}"]
    assert response.status_code == 400
    assert response.context["one"].errors == {"month": ["Choose a month from 1 to 12."]}
    assert not Target.objects.exists()


def test_a_target_is_removed_from_the_page(client, march):
    people, targets = march
    client.force_login(people["admin"])

    response = client.post(reverse("analytics:target_delete", args=[targets["east"].pk]))

    assert response.status_code == 302
    assert not Target.objects.filter(pk=targets["east"].pk).exists()


# --- the API ----------------------------------------------------------------------------------------------


def test_the_api_lists_targets_with_their_actuals_in_a_fixed_number_of_queries(march, django_assert_num_queries):
    people, targets = march
    client = api_as(people["manager1"])

    # one computation per metric and period (March, Q1), whatever the number of targets: the token and the reader's
    # permissions (3), the department tree (1), the count and the page (2), the scope's tree (3), two computations by
    # owner (6) each after asking whether their daily figures are built (2), the tree again for the teams' actuals (1)
    # and the owners' teams (1)
    with django_assert_num_queries(17):
        response = client.get(LIST, {"year": 2026})
    target_set(
        actor=people["admin"], metric="sales", period="month", year=2026, month=3, amount="1", owner=people["rep2"]
    )
    with django_assert_num_queries(17):
        assert client.get(LIST, {"year": 2026}).json()["count"] == 5

    assert response.status_code == 200
    found = {
        item["id"]: (item["amount"], item["actual"], item["gap"], item["attainment"])
        for item in response.json()["results"]
    }
    assert found == {
        targets["east"].pk: ("2000.00", "1300.00", "700.00", "65.0"),
        targets["rep1"].pk: ("1200.00", "1000.00", "200.00", "83.3"),
        targets["rep3"].pk: ("500.00", "700.00", "-200.00", "140.0"),
        targets["north_q1"].pk: ("1000.00", "700.00", "300.00", "70.0"),
    }


def test_the_api_filters_by_period_metric_team_and_owner(march):
    people, targets = march
    client = api_as(people["admin"])

    def ids(**query):
        return sorted(item["id"] for item in client.get(LIST, query).json()["results"])

    assert ids(period="quarter") == [targets["north_q1"].pk]
    assert ids(team=people["rep1"].department_id) == [targets["east"].pk]
    assert ids(owner=people["rep3"].pk) == [targets["rep3"].pk]
    assert ids(metric="collected") == []
    assert ids(year=2025) == []


def test_a_rep_never_sees_another_reps_target_or_actual_through_the_api(march):
    people, targets = march
    client = api_as(people["rep1"])

    listed = client.get(LIST).json()["results"]

    assert [(item["id"], item["actual"]) for item in listed] == [(targets["rep1"].pk, "1000.00")]
    assert client.get(f"{LIST}{targets['rep3'].pk}/").status_code == 404
    assert client.get(f"{LIST}{targets['company'].pk}/").status_code == 404


def test_the_api_creates_updates_and_deletes_with_events(personas):
    client = api_as(personas["manager1"])
    north = personas["rep3"].department_id

    made = client.post(
        LIST,
        {"metric": "orders", "period": "quarter", "year": 2026, "quarter": 2, "team": north, "amount": "40"},
        format="json",
    )
    changed = client.patch(f"{LIST}{made.json()['id']}/", {"amount": "45"}, format="json")
    deleted = client.delete(f"{LIST}{made.json()['id']}/")

    assert made.status_code == 201
    assert made.json() | {"actual": 0, "gap": "40.00", "attainment": "0.0"} == made.json()
    assert (made.json()["start"], made.json()["end"], made.json()["subject"]) == ("2026-04-01", "2026-06-30", "team")
    assert changed.status_code == 200 and changed.json()["amount"] == "45.00"
    assert deleted.status_code == 204
    verbs = list(Event.objects.filter(verb__startswith="target.").order_by("id").values_list("verb", flat=True))
    assert verbs == ["target.created", "target.updated", "target.deleted"]


def test_the_api_answers_400_by_field_and_403_without_the_right(personas):
    before = Event.objects.count()

    bad = api_as(personas["admin"]).post(
        LIST, {"metric": "sales", "period": "month", "year": 2026, "amount": "-5"}, format="json"
    )
    not_allowed = api_as(personas["rep1"]).post(
        LIST, {"metric": "sales", "period": "year", "year": 2026, "amount": "5"}, format="json"
    )
    out_of_reach = api_as(personas["follower1"]).post(
        LIST,
        {"metric": "sales", "period": "year", "year": 2026, "amount": "5", "owner": personas["rep3"].pk},
        format="json",
    )

    assert bad.status_code == 400
    assert sorted(bad.json()) == ["amount", "month"]
    assert not_allowed.status_code == 403
    assert out_of_reach.status_code == 403
    assert not Target.objects.exists()
    assert Event.objects.count() == before


def test_period_of_a_target_is_its_calendar(db):
    assert TargetPeriod("quarter", 2024, quarter=1).dates() == (d("2024-01-01"), d("2024-03-31"))
    assert TargetPeriod("month", 2024, month=2).dates() == (d("2024-02-01"), d("2024-02-29"))
    assert TargetPeriod("year", 2024).dates() == (d("2024-01-01"), d("2024-12-31"))
    assert TargetPeriod.matching(d("2024-04-01"), d("2024-06-30")) == TargetPeriod("quarter", 2024, quarter=2)
    assert TargetPeriod.matching(d("2024-04-01"), d("2024-04-29")) is None
    assert TargetPeriod.matching(d("2024-12-01"), datetime.date(2024, 12, 31)) == TargetPeriod("month", 2024, month=12)


def test_the_executive_dashboard_shows_this_months_sales_against_target_by_team(client, march):
    people, _targets = march
    client.force_login(people["boss1"])

    with time_machine.travel(at(d("2026-03-25"))):
        response = client.get(reverse("analytics:dashboard"))

    (chart,) = [chart for chart in response.context["charts"] if "targets" in chart.key]
    assert chart.config["categories"] == ["Operations", "East", "North"]
    assert [series["values"] for series in chart.config["series"]] == [
        [None, Decimal("2000.00"), None],
        [Decimal("0.00"), Decimal("1300.00"), Decimal("700.00")],
    ]


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"team": 2**64}, "team"),
        ({"owner": 0}, "owner"),
        ({"year": 10**30}, "year"),
        ({"quarter": 10**30, "period": "quarter"}, "quarter"),
        ({"amount": "1e400"}, "amount"),
    ],
)
def test_the_api_answers_ids_and_numbers_out_of_range_with_a_field_error(personas, fields, key):
    body = {"metric": "sales", "period": "year", "year": 2026, "amount": "5", **fields}

    answer = api_as(personas["admin"]).post(LIST, body, format="json")

    assert answer.status_code == 400
    assert list(answer.json()) == [key]
