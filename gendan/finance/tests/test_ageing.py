"""The ageing of receivables (FIN-3): buckets by days past due, per customer and per owner, scoped; its page with
drill-down and downloads, and /api/v1/receivables/ageing/; DSO."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from gendan.finance.models import Invoice
from gendan.finance.receivables import BUCKETS, ageing, ageing_totals, dso
from gendan.finance.services import payment_record
from gendan.finance.tables_receivables import CustomerAgeingTable
from gendan.finance.tests.test_lists import invoice_of
from tests.api_client import api_as
from tests.factories import customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate()
# Each invoice is 113.00 a unit (100 and 13% tax).
UNIT = Decimal("113.00")


def days_ago(days):
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture
def owed(personas):
    """rep1's invoices in every bucket (one part paid, one paid in full, one a draft), and one of rep3's."""
    rep1, rep3, clerk, finance = personas["rep1"], personas["rep3"], personas["warehouse1"], personas["finance1"]

    def issued(rep, units, due):
        return invoice_of(rep, clerk, finance, quantity=str(units), issue_due=due)

    found = {
        "current": issued(rep1, 1, TODAY),
        "days_1_30": issued(rep1, 2, days_ago(1)),
        "days_31_60": issued(rep1, 3, days_ago(31)),
        "days_61_90": issued(rep1, 4, days_ago(90)),
        "over_90": issued(rep1, 5, days_ago(91)),
        "paid": issued(rep1, 6, days_ago(200)),
        "draft": invoice_of(rep1, clerk, finance, quantity="7"),
        "rep3": issued(rep3, 8, days_ago(45)),
    }
    # Part of the 1-30 day invoice is paid; the old one in full.
    for invoice, amount in ((found["days_1_30"], Decimal("26.00")), (found["paid"], 6 * UNIT)):
        payment_record(
            actor=finance,
            customer=invoice.customer,
            amount=amount,
            received_on=TODAY,
            allocations=[{"invoice": invoice, "amount": amount}],
        )
    return found


def test_each_open_invoice_falls_in_one_bucket_by_its_days_past_due_on_the_bucket_edges(personas):
    rep1, clerk, finance = personas["rep1"], personas["warehouse1"], personas["finance1"]
    customer = customer_ready_to_order(rep1)
    # (days past due, the bucket): each edge on both sides.
    edges = [(-30, "current"), (0, "current"), (1, "days_1_30"), (30, "days_1_30"), (31, "days_31_60")]
    edges += [(60, "days_31_60"), (61, "days_61_90"), (90, "days_61_90"), (91, "over_90"), (400, "over_90")]
    for late, _bucket in edges:
        invoice = invoice_of(rep1, clerk, finance, issue_due=days_ago(late))
        Invoice.objects.filter(pk=invoice.pk).update(customer=customer)

    for late, bucket in edges:
        expected = {b.key: Decimal("0") for b in BUCKETS}
        expected[bucket] = UNIT
        found = {b.key: Invoice.objects.filter(b.condition(TODAY), due_date=days_ago(late)).count() for b in BUCKETS}
        assert found == {key: int(bool(amount)) for key, amount in expected.items()}, late
    [row] = ageing(user=personas["admin"], group_by="customer")
    assert row["total"] == UNIT * len(edges) == sum(row[b.key] for b in BUCKETS)
    assert row["current"] == 2 * UNIT and row["over_90"] == 2 * UNIT


def test_the_ageing_adds_up_open_amounts_per_customer_and_per_owner_in_the_readers_scope(personas, owed):
    rows = list(ageing(user=personas["admin"], group_by="owner", named=True))

    by_owner = {row["code"]: row for row in rows}
    assert set(by_owner) == {"rep1", "rep3"}
    rep1 = by_owner["rep1"]
    # Paid in full and drafts owe nothing; the part paid is off its bucket.
    assert rep1["current"] == UNIT
    assert rep1["days_1_30"] == 2 * UNIT - Decimal("26.00")
    assert rep1["days_31_60"] == 3 * UNIT and rep1["days_61_90"] == 4 * UNIT and rep1["over_90"] == 5 * UNIT
    assert rep1["total"] == 15 * UNIT - Decimal("26.00")
    assert rep1["name"] == "rep1" and rep1["key"] == personas["rep1"].pk
    # The largest debt first.
    assert [row["code"] for row in rows] == ["rep1", "rep3"]
    assert by_owner["rep3"]["days_31_60"] == by_owner["rep3"]["total"] == 8 * UNIT

    # Each of rep1's invoices was for a customer of its own.
    mine = list(ageing(user=personas["rep1"], group_by="customer"))
    assert len(mine) == 5
    assert {row["key"] for row in mine} == {owed[b.key].customer_id for b in BUCKETS}
    assert all(row["total"] == sum(row[b.key] for b in BUCKETS) for row in mine)
    totals = ageing_totals(user=personas["rep1"])
    assert totals["total"] == rep1["total"] and totals["over_90"] == 5 * UNIT
    assert ageing_totals(user=personas["admin"])["total"] == rep1["total"] + 8 * UNIT


def test_dso_is_what_is_owed_over_the_last_ninety_days_sales_times_ninety(personas, owed):
    invoiced = sum((invoice.total for key, invoice in owed.items() if key != "draft"), Decimal("0"))
    owed_now = ageing_totals(user=personas["admin"])["total"]

    assert dso(user=personas["admin"]) == (owed_now / invoiced * 90).quantize(Decimal("0.1"))
    # Nothing invoiced in those days: no figure, rather than a division by nothing.
    assert dso(user=personas["rep2"]) is None


def test_the_ageing_page_links_every_amount_to_the_invoices_behind_it(client, personas, owed):
    client.force_login(personas["finance1"])

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("finance:ageing"))
    assert response.status_code == 200
    # Session and user, the totals, DSO's two sums, the page's count and rows, the navigation's permissions.
    assert len(queries) <= 10
    # Grouped by the key alone, from the open invoices' index; the page's rows named in one query afterwards.
    grouped = [query["sql"] for query in queries.captured_queries if "GROUP BY" in query["sql"]]
    assert grouped and not any("JOIN" in sql for sql in grouped)
    table = response.context["table"]
    # The largest debt first: rep3's customer owes eight units, rep1's most indebted five.
    assert [row.record["name"] for row in table.rows][:2] == [owed[key].customer.name for key in ("rep3", "over_90")]
    page = response.content.decode()
    assert "Receivables ageing" in page and "Over 90 days" in page

    # The over-90 bucket of the company, and of one customer: the invoice list shows exactly those invoices.
    over_90 = next(bucket for bucket in BUCKETS if bucket.key == "over_90")
    everyone = table.invoices_url(bucket=over_90)
    assert escape(everyone) in page
    listed = client.get(everyone).context["table"]
    assert [row.record.number for row in listed.rows] == [owed["over_90"].number]
    one = table.invoices_url(owed["days_31_60"].customer_id, next(b for b in BUCKETS if b.key == "days_31_60"))
    assert escape(one) in page
    assert [row.record.number for row in client.get(one).context["table"].rows] == [owed["days_31_60"].number]

    by_owner = client.get(reverse("finance:ageing"), {"group_by": "owner"})
    assert [row.record["code"] for row in by_owner.context["table"].rows] == ["rep1", "rep3"]


def test_a_rep_sees_the_ageing_of_their_own_invoices(client, personas, owed):
    client.force_login(personas["rep3"])
    response = client.get(reverse("finance:ageing"))
    assert [row.record["key"] for row in response.context["table"].rows] == [owed["rep3"].customer_id]


def test_the_ageing_downloads_with_a_column_per_bucket(client, personas, owed):
    client.force_login(personas["finance1"])

    response = client.get(reverse("finance:ageing"), {"group_by": "owner", "export": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Username", "Owner", *(str(b.label) for b in BUCKETS), "Total owed"]
    assert rows[1][0] == "rep1" and Decimal(rows[1][-1]) == 15 * UNIT - Decimal("26.00")
    assert rows[2][:2] == ["rep3", "rep3"] and Decimal(rows[2][3]) == Decimal("0")


def test_the_api_answers_the_ageing_with_its_buckets_totals_and_dso(personas, owed):
    response = api_as(personas["finance1"]).get("/api/v1/receivables/ageing/", {"group_by": "owner"})

    assert response.status_code == 200
    body = response.json()
    assert body["group_by"] == "owner" and body["as_of"] == TODAY.isoformat()
    assert [bucket["key"] for bucket in body["buckets"]] == [b.key for b in BUCKETS]
    assert body["count"] == 2 and body["next"] is None
    first = body["rows"][0]
    assert set(first) == {"key", "name", "code", "current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total"}
    assert first["code"] == "rep1" and Decimal(first["over_90"]) == 5 * UNIT
    assert Decimal(body["totals"]["total"]) == 23 * UNIT - Decimal("26.00")
    assert body["dso"] is not None

    mine = api_as(personas["rep3"]).get("/api/v1/receivables/ageing/").json()
    assert [row["key"] for row in mine["rows"]] == [owed["rep3"].customer_id]
    assert Decimal(mine["totals"]["total"]) == 8 * UNIT


def test_the_api_refuses_an_unknown_grouping_by_field(personas):
    response = api_as(personas["finance1"]).get("/api/v1/receivables/ageing/", {"group_by": "region"})
    assert response.status_code == 400
    assert "group_by" in str(response.json())
    assert response.json()["group_by"]
    assert APIClient().get("/api/v1/receivables/ageing/").status_code == 401


def test_the_customer_page_shows_what_they_owe_and_how_overdue_each_part_a_link(client, personas, owed):
    customer = owed["over_90"].customer
    client.force_login(personas["rep1"])

    page = client.get(reverse("crm:customer_detail", args=[customer.pk])).content.decode()

    assert 'data-testid="customer-receivables"' in page
    assert f"¥{5 * UNIT}" in page and "Overdue" in page
    over_90 = next(bucket for bucket in BUCKETS if bucket.key == "over_90")
    link = CustomerAgeingTable([]).invoices_url(customer.pk, over_90)
    assert escape(link) in page
    listed = client.get(link).context["table"]
    assert [row.record.number for row in listed.rows] == [owed["over_90"].number]
    # A customer who owes nothing shows no card; nor does one whose invoices the reader does not see.
    paid = owed["paid"].customer
    assert (
        'data-testid="customer-receivables"'
        not in client.get(reverse("crm:customer_detail", args=[paid.pk])).content.decode()
    )
