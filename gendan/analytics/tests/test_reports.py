"""Self-service reports against the first quarter of 2026 (conftest.quarter): each figure worked out by hand, read in
the reader's scope; saving, sharing, the XLSX download, the schedule and the API.

Mia (manager1) heads the Sales department, above Alice's and Bob's East team and Carol's North team. In the quarter
Alice sold A (100) and B (250), Carol I (20) and C (40); in the week of 30 March Carol's C (31 March, 40) and Alice's E
(1 April, 70) were confirmed.
"""

import datetime
import io
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from gendan.analytics.models import ReportSchedule, SavedReport
from gendan.analytics.reports import run_report
from gendan.analytics.sending import is_due, send_due_reports
from gendan.analytics.services_reports import report_create, report_delete, report_subscribe, report_update
from gendan.automation.models import Notification
from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from tests.api_client import api_as

from .builders import SHANGHAI

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

QUARTER = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}


def mias_report(quarter, **fields):
    """Mia's report of sales and orders by rep over the quarter, shared with her department."""
    return report_create(
        actor=quarter.manager1,
        **{
            "name": "Sales by rep",
            "dimensions": ["owner"],
            "measures": ["sales", "orders"],
            "filters": QUARTER,
            "shared_with": quarter.sales.pk,
            **fields,
        },
    )


def table(result):
    return [[*row.labels, *row.values] for row in result.rows]


# --- running -------------------------------------------------------------------------------------------------------


def test_a_report_puts_its_measures_side_by_side_with_their_totals(quarter):
    result = run_report(mias_report(quarter), quarter.manager1)

    assert [column["name"] for column in result.columns] == ["owner", "sales", "orders"]
    assert table(result) == [["rep1", Decimal("350.00"), 2], ["rep3", Decimal("60.00"), 2]]
    assert result.totals == [Decimal("410.00"), 4]
    assert result.hidden == []


def test_a_shared_report_is_counted_over_what_its_reader_may_see(quarter):
    report = mias_report(quarter, measures=["sales", "orders", "gross_margin"])

    # Alice sees her own orders only, and no margin (she may not see costs): it is left out, not shown empty.
    result = run_report(report, quarter.rep1)

    assert table(result) == [["rep1", Decimal("350.00"), 2]]
    assert result.totals == [Decimal("350.00"), 2]
    assert result.hidden == ["gross_margin"]
    # Mia sees the margin: A 40, B 100; C 10, I −10.
    assert run_report(report, quarter.manager1).totals == [Decimal("410.00"), 4, Decimal("140.00")]


def test_a_report_by_two_groupings_narrowed_by_a_filter(quarter):
    report = mias_report(
        quarter, dimensions=["month", "product"], measures=["sales"], filters={**QUARTER, "team": [quarter.east.pk]}
    )

    result = run_report(report, quarter.manager1)

    # East's A (P1 100) in January, B (P1 200, P2 50) in February.
    assert table(result) == [
        ["January 2026", "P1 阀门", Decimal("100.00")],
        ["February 2026", "P1 阀门", Decimal("200.00")],
        ["February 2026", "P2 管件", Decimal("50.00")],
    ]
    assert result.totals == [Decimal("350.00")]


def test_a_relative_period_is_read_as_of_the_day_it_is_run(quarter):
    report = mias_report(quarter, filters={"period": "last_week"})

    result = run_report(report, quarter.manager1, today=datetime.date(2026, 4, 6))

    assert (result.period.start, result.period.end) == (datetime.date(2026, 3, 30), datetime.date(2026, 4, 5))
    assert table(result) == [["rep1", Decimal("70.00"), 1], ["rep3", Decimal("40.00"), 1]]


def test_each_figure_links_to_the_list_of_its_records_with_the_reports_filters(quarter):
    report = mias_report(quarter, filters={**QUARTER, "customer": [quarter.c1.pk]})

    result = run_report(report, quarter.manager1)

    # A 100 (Alice's) and I 20 (Carol's), both to Alice's customer.
    assert table(result) == [["rep1", Decimal("100.00"), 1], ["rep3", Decimal("20.00"), 1]]
    url = urlsplit(result.rows[0].urls[0])
    query = parse_qs(url.query)
    assert url.path == reverse("sales:order_list")
    assert query["owner"] == [str(quarter.rep1.pk)]
    assert query["customer"] == [str(quarter.c1.pk)]
    assert (query["confirmed_from"], query["confirmed_to"]) == (["2026-01-01"], ["2026-03-31"])
    # "No region" has no filter on the list: a report narrowed by region links nowhere.
    by_region = run_report(mias_report(quarter, name="By region", filters={**QUARTER, "region": [""]}), quarter.boss1)
    assert by_region.rows[0].urls == [None, None]


# --- saving and sharing ------------------------------------------------------------------------------------------


def test_saving_a_report_records_its_event(quarter):
    report = mias_report(quarter, schedule="weekly", send_at="07:30")

    assert (report.owner, report.shared_with, report.schedule) == (quarter.manager1, quarter.sales, "weekly")
    assert report.send_at == datetime.time(7, 30)
    assert report.filters == QUARTER
    event = Event.objects.get(verb="report.created")
    assert (event.object_id, event.actor_id) == (report.pk, quarter.manager1.pk)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"name": " ", "dimensions": [], "measures": []},
            {
                "name": ["Name the report."],
                "measures": ["Choose at least one measure."],
                "dimensions": ["Choose what the rows are grouped by."],
            },
        ),
        (
            {"dimensions": ["colour"], "measures": ["sales", "profit"]},
            {
                "measures": ["There is no measure named “profit”."],
                "dimensions": ["The rows cannot be grouped by colour."],
            },
        ),
        ({"dimensions": ["owner", "team", "month"]}, {"dimensions": ["Group the rows by one or two things."]}),
        ({"measures": ["gross_margin"]}, {"measures": ["You may not see Gross margin, so you cannot report it."]}),
        (
            {"measures": ["receivables"], "dimensions": ["month"]},
            {"dimensions": ["Receivables cannot be grouped by Month."]},
        ),
        (
            {"filters": {"product": [10**9], "colour": "red"}},
            {"filters": ["Not a filter of a report: colour.", "Product: not found."]},
        ),
        ({"filters": {"period": "someday"}}, {"filters": ["Not a period of a report: someday."]}),
        ({"filters": {"period": "custom", "start": "2026-02-30"}}, {"filters": ["From: enter a day as YYYY-MM-DD."]}),
        (
            {"filters": {"period": "custom", "start": "2026-03-01", "end": "2026-02-01"}},
            {"filters": ["The end cannot be before the start."]},
        ),
        ({"filters": {"owner": ["rep3"]}}, {"filters": ["Owner: send ids."]}),
        (
            {"filters": ["period"]},
            {"filters": ['Send the filters as an object, e.g. {"period": "last_week", "team": [3]}.']},
        ),
        ({"shared_with": "north"}, {"shared_with": ["Share it with your team or a team below it."]}),
        ({"shared_with": True}, {"shared_with": ["Share it with your team or a team below it."]}),
        (
            {"schedule": "hourly", "send_at": "25:00"},
            {"schedule": ["Choose how often to send it."], "send_at": ["Enter a time of day as HH:MM."]},
        ),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(quarter, fields, errors):
    # given: Alice (no costs, East team)
    definition = {"name": "Mine", "dimensions": ["owner"], "measures": ["sales"], **fields}

    # when
    with pytest.raises(ValidationError) as refused:
        report_create(actor=quarter.rep1, **definition)

    # then
    assert refused.value.message_dict == errors
    assert not SavedReport.objects.exists()
    assert not Event.objects.filter(verb__startswith="report.").exists()


def test_a_customer_out_of_the_owners_sight_cannot_be_a_filter(quarter):
    with pytest.raises(ValidationError) as refused:
        report_create(
            actor=quarter.rep1,
            name="Carol's",
            dimensions=["month"],
            measures=["sales"],
            filters={"customer": [quarter.c3.pk]},
        )

    assert refused.value.message_dict == {"filters": ["Customer: not found."]}


def test_a_filter_every_measure_cannot_take_is_refused(quarter):
    with pytest.raises(ValidationError) as refused:
        report_create(
            actor=quarter.rep1,
            name="Invoiced P1",
            dimensions=["owner"],
            measures=["sales", "invoiced"],
            filters={"product": [quarter.p1.pk]},
        )

    assert refused.value.message_dict == {"filters": ["Invoiced cannot be narrowed by Product."]}
    assert not SavedReport.objects.exists()


def test_a_name_is_unique_per_owner(quarter):
    mias_report(quarter)

    with pytest.raises(ValidationError) as refused:
        mias_report(quarter, name="sales BY rep")
    report_create(actor=quarter.rep1, name="Sales by rep", dimensions=["owner"], measures=["sales"])

    assert refused.value.message_dict == {"name": ["You already have a report named “sales BY rep”."]}
    assert SavedReport.objects.count() == 2


def test_a_report_shared_with_a_department_reaches_the_teams_below_it_and_nobody_else(quarter):
    shared = mias_report(quarter)
    norths = report_create(
        actor=quarter.rep3, name="North", dimensions=["owner"], measures=["sales"], shared_with=quarter.north.pk
    )
    alices = report_create(actor=quarter.rep1, name="Alice's", dimensions=["owner"], measures=["sales"])

    def seen(person):
        return set(SavedReport.objects.seen_by(quarter.people[person]))

    assert seen("rep1") == {shared, alices}
    assert seen("rep2") == {shared}
    assert seen("rep3") == {shared, norths}
    assert seen("warehouse1") == set()
    assert seen("boss1") == set()


def test_only_the_owner_changes_or_deletes_a_report(quarter):
    report = mias_report(quarter)

    with pytest.raises(ApplicationError):
        report_update(report=report, actor=quarter.rep1, name="Mine now")
    with pytest.raises(ApplicationError):
        report_delete(report=report, actor=quarter.rep1)

    report.refresh_from_db()
    assert report.name == "Sales by rep"
    assert list(Event.objects.values_list("verb", flat=True)) == ["report.created"]


def test_changing_a_report_records_what_changed(quarter):
    report = mias_report(quarter)

    report_update(report=report, actor=quarter.manager1, measures=["sales"], schedule="daily", shared_with=None)

    report.refresh_from_db()
    assert (report.measures, report.schedule, report.shared_with) == (["sales"], "daily", None)
    event = Event.objects.get(verb="report.updated")
    assert event.changes == {
        "measures": [["sales", "orders"], ["sales"]],
        "schedule": ["none", "daily"],
        "shared_with": [quarter.sales.pk, None],
    }
    # Shared with nobody now: Alice no longer reads it.
    assert not SavedReport.objects.seen_by(quarter.rep1).exists()


# --- the schedule ------------------------------------------------------------------------------------------------


def local(day: str, hour: int, minute: int = 0, zone=SHANGHAI) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=zone)


@pytest.mark.parametrize(
    ("schedule", "moment", "due"),
    [
        # 6 April 2026 is a Monday.
        ("weekly", local("2026-04-06", 8, 0), True),
        ("weekly", local("2026-04-06", 7, 59), False),
        # A worker that was down all morning catches up the same day...
        ("weekly", local("2026-04-06", 23, 59), True),
        # ... and not the day after.
        ("weekly", local("2026-04-07", 8, 0), False),
        ("monthly", local("2026-04-01", 9, 0), True),
        ("monthly", local("2026-04-06", 9, 0), False),
        ("daily", local("2026-04-07", 8, 0), True),
        ("none", local("2026-04-06", 9, 0), False),
    ],
)
def test_a_report_is_due_on_its_day_from_its_time(schedule, moment, due):
    assert is_due(SavedReport(schedule=schedule, send_at=datetime.time(8, 0)), moment) is due


def test_a_weekly_report_reaches_the_owner_and_subscribers_each_in_their_scope_once(quarter):
    # given: Mia's weekly report of last week, Alice and Carol asked for it; Carol reads on Berlin's clock
    report = mias_report(quarter, filters={"period": "last_week"}, schedule="weekly", send_at="08:00")
    report_subscribe(report=report, actor=quarter.rep1, subscribed=True)
    report_subscribe(report=report, actor=quarter.rep3, subscribed=True)
    quarter.rep3.time_zone = "Europe/Berlin"
    quarter.rep3.save(update_fields=["time_zone"])

    # when: Monday 08:10 in Shanghai (02:10 in Berlin), twice
    with time_machine.travel(local("2026-04-06", 8, 10), tick=False):
        sent = send_due_reports()
        again = send_due_reports()

    # then: Mia and Alice once each, Carol not yet
    assert (sent, again) == (2, 0)
    notices = {notice.recipient.username: notice for notice in Notification.objects.select_related("recipient")}
    assert set(notices) == {"manager1", "rep1"}
    url = reverse("analytics:report_run", kwargs={"pk": report.pk})
    alices = notices["rep1"]
    assert (alices.kind, alices.url) == ("report", url)
    assert alices.title == "Report “Sales by rep”, 03/30/2026 to 04/05/2026"
    assert alices.body == (
        "03/30/2026 to 04/05/2026\n\n"
        "rep1 — Sales: 70.00; Orders: 1\n"
        "Total — Sales: 70.00; Orders: 1\n\n"
        f"Open it: {url} · XLSX: {url}?format=xlsx"
    )
    assert notices["manager1"].body.splitlines()[2:5] == [
        "rep1 — Sales: 70.00; Orders: 1",
        "rep3 — Sales: 40.00; Orders: 1",
        "Total — Sales: 110.00; Orders: 2",
    ]
    report.refresh_from_db()
    assert report.last_sent_at == local("2026-04-06", 8, 10)

    # when: 08:05 in Berlin, Carol's turn; she reads her own sales only
    with time_machine.travel(
        local("2026-04-06", 8, 5, zone=datetime.timezone(datetime.timedelta(hours=2))), tick=False
    ):
        assert send_due_reports() == 1
    assert Notification.objects.get(recipient=quarter.rep3).body.splitlines()[2:4] == [
        "rep3 — Sales: 40.00; Orders: 1",
        "Total — Sales: 40.00; Orders: 1",
    ]


def test_a_subscriber_who_can_no_longer_read_the_report_does_not_receive_it(quarter):
    report = mias_report(quarter, schedule="daily")
    report_subscribe(report=report, actor=quarter.rep1, subscribed=True)
    quarter.rep1.department = quarter.people["warehouse1"].department
    quarter.rep1.save(update_fields=["department"])

    with time_machine.travel(local("2026-04-07", 9, 0), tick=False):
        assert send_due_reports() == 1

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["manager1"]


def test_the_owner_cannot_subscribe_and_an_outsider_cannot_either(quarter):
    report = mias_report(quarter)

    with pytest.raises(ValidationError):
        report_subscribe(report=report, actor=quarter.manager1, subscribed=True)
    with pytest.raises(ApplicationError):
        report_subscribe(report=report, actor=quarter.people["warehouse1"], subscribed=True)

    assert not report.subscribers.exists()


# --- pages ----------------------------------------------------------------------------------------------------------


def test_the_run_page_shows_the_table_and_the_chart_in_a_fixed_number_of_queries(
    quarter, client, django_assert_num_queries
):
    report = mias_report(quarter, measures=["sales", "orders", "gross_margin"])
    client.force_login(quarter.rep1)
    url = reverse("analytics:report_run", kwargs={"pk": report.pk})

    # session, user, the department tree (shared with), the report, her permissions (two), whether she subscribed,
    # then per measure she may see its total, its rows and their labels
    with django_assert_num_queries(13):
        response = client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-chart="report-chart"' in page
    assert response.context["chart"]["series"][0]["values"] == [Decimal("350.00")]
    assert [cells[0][0] for _labels, cells in response.context["result"].lines] == [Decimal("350.00")]
    assert "One measure of this report is left out: you may not see it." in page
    assert "<script>" not in page


def test_the_run_page_takes_other_dates(quarter, client):
    client.force_login(quarter.manager1)
    url = reverse("analytics:report_run", kwargs={"pk": mias_report(quarter).pk})

    response = client.get(url, {"start": "2026-01-01", "end": "2026-01-31"})

    assert table(response.context["result"]) == [["rep1", Decimal("100.00"), 1]]


def test_the_xlsx_download_holds_the_table_and_its_totals(quarter, client):
    report = mias_report(quarter, measures=["sales", "orders", "gross_margin"])
    client.force_login(quarter.manager1)

    response = client.get(reverse("analytics:report_run", kwargs={"pk": report.pk}), {"format": "xlsx"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Owner", "Sales", "Orders", "Gross margin"],
        ["rep1", 350, 2, 140],
        ["rep3", 60, 2, 0],
        ["Total", 410, 4, 140],
    ]


def test_a_report_not_shared_with_the_reader_is_not_found(quarter, client):
    report = report_create(actor=quarter.rep1, name="Alice's", dimensions=["owner"], measures=["sales"])
    client.force_login(quarter.rep2)

    assert client.get(reverse("analytics:report_run", kwargs={"pk": report.pk})).status_code == 404
    assert client.get(reverse("analytics:report_edit", kwargs={"pk": report.pk})).status_code == 404


def test_the_builder_shows_a_report_before_saving_and_saves_it(quarter, client):
    client.force_login(quarter.manager1)
    form = {
        "name": "By team",
        "dimension": "team",
        "measures": ["sales"],
        "period": "custom",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "shared_with": str(quarter.sales.pk),
        "schedule": "weekly",
        "send_at": "08:00",
    }

    shown = client.post(reverse("analytics:report_new"), {**form, "action": "show"})
    assert table(shown.context["result"]) == [["East", Decimal("350.00")], ["North", Decimal("60.00")]]
    assert not SavedReport.objects.exists()

    saved = client.post(reverse("analytics:report_new"), {**form, "action": "save"})
    report = SavedReport.objects.get()
    assert saved.url == reverse("analytics:report_run", kwargs={"pk": report.pk})
    assert (report.dimensions, report.measures, report.schedule, report.shared_with) == (
        ["team"],
        ["sales"],
        "weekly",
        quarter.sales,
    )


def test_the_builder_shows_the_services_errors_on_its_fields(quarter, client):
    client.force_login(quarter.rep1)

    response = client.post(
        reverse("analytics:report_new"),
        {
            "name": "",
            "dimension": "month",
            "measures": ["receivables"],
            "period": "this_month",
            "schedule": "none",
            "send_at": "08:00",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["Name the report."],
        "dimension": ["Receivables cannot be grouped by Month."],
    }
    assert not SavedReport.objects.exists()


def test_a_reader_saves_a_shared_report_as_their_own(quarter, client):
    report = mias_report(quarter)
    client.force_login(quarter.rep1)

    client.post(
        reverse("analytics:report_edit", kwargs={"pk": report.pk}),
        {
            "name": "My copy",
            "dimension": "owner",
            "measures": ["sales"],
            "period": "this_month",
            "schedule": "none",
            "send_at": "08:00",
            "action": "save",
        },
    )

    copy = SavedReport.objects.get(name="My copy")
    assert copy.owner == quarter.rep1
    report.refresh_from_db()
    assert report.measures == ["sales", "orders"]


def test_the_list_shows_mine_and_those_shared_with_me(quarter, client):
    mias_report(quarter)
    report_create(actor=quarter.rep2, name="Bob's", dimensions=["owner"], measures=["sales"])
    client.force_login(quarter.rep1)

    response = client.get(reverse("analytics:report_list"))

    assert [report.name for report in response.context["reports"]] == ["Sales by rep"]


# --- the API --------------------------------------------------------------------------------------------------------


def test_the_api_creates_a_report_and_refuses_bad_input_field_by_field(quarter):
    client = api_as(quarter.manager1)

    created = client.post(
        "/api/v1/reports/",
        {
            "name": "Weekly",
            "dimensions": ["owner"],
            "measures": ["sales"],
            "filters": {"period": "last_week"},
            "shared_with": quarter.sales.pk,
            "schedule": "weekly",
        },
        format="json",
    )
    refused = client.post(
        "/api/v1/reports/",
        {"name": "Bad", "dimensions": ["colour"], "measures": "sales", "filters": {"period": 7}, "schedule": "hourly"},
        format="json",
    )

    assert created.status_code == 201
    body = created.json()
    assert {key: body[key] for key in ("name", "dimensions", "measures", "filters", "shared_with", "schedule")} == {
        "name": "Weekly",
        "dimensions": ["owner"],
        "measures": ["sales"],
        "filters": {"period": "last_week"},
        "shared_with": quarter.sales.pk,
        "schedule": "weekly",
    }
    assert (body["owner"], body["send_at"], body["mine"]) == (quarter.manager1.pk, "08:00", True)
    assert refused.status_code == 400
    assert set(refused.json()) == {"dimensions", "measures", "filters", "schedule"}
    assert SavedReport.objects.count() == 1


def test_the_api_lists_mine_and_shared_finds_no_other_and_forbids_editing_anothers(quarter):
    report = mias_report(quarter)
    bobs = report_create(actor=quarter.rep2, name="Bob's", dimensions=["owner"], measures=["sales"])
    alice = api_as(quarter.rep1)

    listed = alice.get("/api/v1/reports/").json()
    assert [each["id"] for each in listed["results"]] == [report.pk]
    assert alice.get(f"/api/v1/reports/{bobs.pk}/").status_code == 404
    assert alice.get(f"/api/v1/reports/{bobs.pk}/run/").status_code == 404
    assert alice.patch(f"/api/v1/reports/{report.pk}/", {"name": "Mine"}, format="json").status_code == 403
    assert alice.delete(f"/api/v1/reports/{report.pk}/").status_code == 403
    report.refresh_from_db()
    assert report.name == "Sales by rep"


def test_the_api_runs_a_report_in_the_callers_scope_in_a_fixed_number_of_queries(quarter, django_assert_num_queries):
    report = mias_report(quarter)
    alice = api_as(quarter.rep1)

    # the token, the department tree, the report, her permissions (two), then per measure its total, its rows and
    # their labels
    with django_assert_num_queries(11):
        response = alice.get(f"/api/v1/reports/{report.pk}/run/", {"start": "2026-01-01", "end": "2026-02-28"})

    assert response.json() == {
        "start": "2026-01-01",
        "end": "2026-02-28",
        "columns": [
            {"name": "owner", "label": "Owner", "type": "dimension"},
            {"name": "sales", "label": "Sales", "type": "measure", "unit": "money"},
            {"name": "orders", "label": "Orders", "type": "measure", "unit": "count"},
        ],
        "rows": [{"keys": [quarter.rep1.pk], "labels": ["rep1"], "values": ["350.00", 2]}],
        "totals": ["350.00", 2],
        "hidden": [],
    }
    bad = alice.get(f"/api/v1/reports/{report.pk}/run/", {"start": "2026-03-01", "end": "2026-02-01"})
    assert (bad.status_code, bad.json()) == (400, {"end": ["The end cannot be before the start."]})
    assert alice.get(f"/api/v1/reports/{report.pk}/run/", {"start": "2026-03-01"}).json() == {
        "end": ["Send start and end together."]
    }


def test_a_reader_subscribes_through_the_api(quarter):
    report = mias_report(quarter, schedule="weekly")

    response = api_as(quarter.rep1).post(f"/api/v1/reports/{report.pk}/subscribe/", {"subscribed": True}, format="json")

    assert response.status_code == 200
    assert list(report.subscribers.all()) == [quarter.rep1]
    assert Event.objects.filter(verb="report.subscribed", actor=quarter.rep1).count() == 1


def test_the_schedule_constraint_holds_in_the_database(quarter):
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedReport.objects.create(
            owner=quarter.rep1, name="x", dimensions=["owner"], measures=["sales"], schedule="hourly"
        )
    assert ReportSchedule.values == ["none", "daily", "weekly", "monthly"]


def test_the_builder_offers_the_readers_measures_and_pickers_that_list_no_records(quarter, client):
    report = mias_report(quarter, filters={**QUARTER, "customer": [quarter.c1.pk]})
    client.force_login(quarter.rep1)

    response = client.get(reverse("analytics:report_edit", kwargs={"pk": report.pk}))

    page = response.content.decode()
    form = response.context["form"]
    assert response.status_code == 200
    # No margin for a rep; the shared report's customer named by the picker, not listed among every customer.
    assert "gross_margin" not in dict(form.fields["measures"].choices)
    assert f'data-lookup-label="{quarter.c1.name}"' in page
    assert quarter.c2.name not in page
    assert 'data-testid="report-save"' in page and "Save as my report" in page
