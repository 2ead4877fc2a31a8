"""Where work stalls: the days in each stage of an order's road read from the event log, by hand, in the reader's
scope; rework; the stages page with a fixed number of queries; the slowest stage named on a manager's dashboard."""

from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gendan.analytics.metrics import Period, get_metric
from gendan.analytics.stalls import deal_stage_times, overdue_by_stage, stage_times
from gendan.automation.models import Task, TaskStatus
from gendan.core import events
from gendan.crm.models import Customer, Opportunity
from gendan.finance.models import Invoice
from gendan.sales.models import Order, OrderStatus
from tests.factories import ProductFactory

from . import builders as b
from .builders import at, d

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MARCH = (d("2026-03-01"), d("2026-03-31"))


def happened(actor, verb, record, moment, root=None, data=None):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        events.record(actor, verb, record, root=root, data=data)


@pytest.fixture
def road(personas):
    """Three orders through March (times on the company's clock):

    A (rep1): entered 1 Mar 10:00, submitted 12:00 and confirmed; shipped 4 Mar 12:00, delivered 6 Mar 12:00,
      invoiced 7 Mar 12:00, paid 27 Mar 12:00; a change applied 10 Mar.
    B (rep1): entered 2 Mar 08:00, submitted 10:00, approved 3 Mar 10:00; shipped in part 5 Mar 10:00, the rest
      8 Mar (the stage was left at the first shipment).
    C (rep3): entered 27 Feb, submitted 28 Feb 10:00 and sent back 16:00 (February); submitted again 1 Mar 04:00,
      approved 10:00; shipped 11 Mar 10:00.
    """
    rep1, rep3 = personas["rep1"], personas["rep3"]
    product = ProductFactory()
    mine, theirs = b.customer(rep1, region="华东"), b.customer(rep3, region="华南")
    a = b.order(rep1, mine, [(product, 1, "100")], confirmed=at(d("2026-03-01"), 12))
    bb = b.order(rep1, mine, [(product, 1, "100")], confirmed=at(d("2026-03-03"), 10))
    c = b.order(rep3, theirs, [(product, 1, "100")], confirmed=at(d("2026-03-01"), 10))
    invoice = b.invoice(a, "113", issued=at(d("2026-03-07"), 12))
    for verb, record, moment, root in [
        ("order.created", a, at(d("2026-03-01"), 10), None),
        ("order.submitted", a, at(d("2026-03-01"), 12), None),
        ("order.confirmed", a, at(d("2026-03-01"), 12), None),
        ("order.shipped", a, at(d("2026-03-04"), 12), None),
        ("order.delivered", a, at(d("2026-03-06"), 12), None),
        ("invoice.issued", invoice, at(d("2026-03-07"), 12), a),
        ("order.change_applied", a, at(d("2026-03-10"), 9), None),
        ("order.paid", a, at(d("2026-03-27"), 12), None),
        ("order.created", bb, at(d("2026-03-02"), 8), None),
        ("order.submitted", bb, at(d("2026-03-02"), 10), None),
        ("order.approved", bb, at(d("2026-03-03"), 10), None),
        ("order.confirmed", bb, at(d("2026-03-03"), 10), None),
        ("order.partially_shipped", bb, at(d("2026-03-05"), 10), None),
        ("order.shipped", bb, at(d("2026-03-08"), 10), None),
        ("order.created", c, at(d("2026-02-27"), 10), None),
        ("order.submitted", c, at(d("2026-02-28"), 10), None),
        ("order.rejected", c, at(d("2026-02-28"), 16), None),
        ("order.submitted", c, at(d("2026-03-01"), 4), None),
        ("order.approved", c, at(d("2026-03-01"), 10), None),
        ("order.confirmed", c, at(d("2026-03-01"), 10), None),
        ("order.shipped", c, at(d("2026-03-11"), 10), None),
    ]:
        happened(record.owner if hasattr(record, "owner") else rep1, verb, record, moment, root)
    return {"a": a, "b": bb, "c": c, "invoice": invoice}


def days(name, user, start, end, **options):
    return get_metric(name).compute(user, start, end, **options)


def test_each_stage_averages_the_orders_that_left_it_in_the_period(personas, road):
    boss = personas["boss1"]

    # Waiting to ship: A 3 days, B 2 (its first shipment; the second is not a new passage), C 10.
    to_ship = days("stage_to_ship", boss, *MARCH, group_by="owner")
    assert to_ship.total == Decimal("5.0")
    assert {row.label: row.value for row in to_ship.rows} == {"rep1": Decimal("2.5"), "rep3": Decimal("10.0")}
    # Being entered: A 2 h, B 2 h, C 12 h from its rejection to its second submission (its first was in February).
    assert days("stage_draft", boss, *MARCH).total == Decimal("0.2")
    assert days("stage_draft", boss, d("2026-02-01"), d("2026-02-28")).total == Decimal("1.0")
    # Waiting for approval: only the orders an approver decided, B 1 day and C 6 h; C's rejection was February's.
    assert days("stage_approval", boss, *MARCH).total == Decimal("0.6")
    assert days("stage_approval", boss, d("2026-02-01"), d("2026-02-28")).total == Decimal("0.3")
    assert days("stage_in_transit", boss, *MARCH).total == Decimal("2.0")
    # The invoice is the order's child: its event names the order as root.
    assert days("stage_to_invoice", boss, *MARCH).total == Decimal("1.0")
    assert days("stage_to_cash", boss, *MARCH).total == Decimal("20.0")
    # Nothing left a stage in April.
    assert days("stage_to_ship", boss, d("2026-04-01"), d("2026-04-30")).total is None


def test_a_rep_counts_only_the_orders_they_see(personas, road):
    rep1 = personas["rep1"]

    assert days("stage_to_ship", rep1, *MARCH).total == Decimal("2.5")
    assert days("stage_approval", rep1, *MARCH).total == Decimal("1.0")


def test_deals_at_each_stage_of_the_funnel(personas):
    rep1, rep3 = personas["rep1"], personas["rep3"]
    mine, theirs = b.customer(rep1, region="华东"), b.customer(rep3, region="华南")
    first = Opportunity.objects.create(customer=mine, name="产线改造", owner=rep1, stage="proposal")
    second = Opportunity.objects.create(customer=mine, name="备件", owner=rep1, stage="lost", lost_reason="价格")
    third = Opportunity.objects.create(customer=theirs, name="新厂", owner=rep3, stage="first_visit")
    for deal, verb, moment, data in [
        # first: a lead for 3 days, at the first visit for 6
        (first, "opportunity.created", at(d("2026-03-01")), {"stage": "lead"}),
        (first, "opportunity.stage_changed", at(d("2026-03-04")), {"stage": "first_visit", "from": "lead"}),
        (first, "opportunity.stage_changed", at(d("2026-03-10")), {"stage": "proposal", "from": "first_visit"}),
        # second: lost after a day as a lead
        (second, "opportunity.created", at(d("2026-03-02")), {"stage": "lead"}),
        (second, "opportunity.stage_changed", at(d("2026-03-03")), {"stage": "lost", "from": "lead"}),
        # third: created at the first visit, still there
        (third, "opportunity.created", at(d("2026-03-05")), {"stage": "first_visit"}),
    ]:
        happened(deal.owner, verb, deal, moment, root=deal.customer, data=data)

    lead = days("deal_stage_lead", personas["boss1"], *MARCH, group_by="owner")
    assert lead.total == Decimal("2.0")
    assert [(row.label, row.value) for row in lead.rows] == [("rep1", Decimal("2.0"))]
    assert days("deal_stage_first_visit", personas["boss1"], *MARCH).total == Decimal("6.0")
    assert days("deal_stage_proposal", personas["boss1"], *MARCH).total is None
    assert days("deal_stage_lead", rep3, *MARCH).total is None
    rows = {row.stage.key: row for row in deal_stage_times(personas["boss1"], Period(*MARCH), "previous")}
    assert (rows["first_visit"].waiting, rows["proposal"].waiting) == (1, 1)
    assert rows["first_visit"].waiting_url == reverse("crm:opportunity_list") + "?stage=first_visit"


def test_rework_counts_changes_applied_and_submissions_sent_back(personas, road):
    boss = personas["boss1"]

    march = days("rework", boss, *MARCH, group_by="owner", compare="previous")
    assert march.total == 1
    assert [(row.label, row.value, row.compare_value) for row in march.rows] == [("rep1", 1, 0), ("rep3", 0, 1)]
    assert march.compare_total == 1  # C sent back on 28 February
    assert days("rework", personas["rep3"], *MARCH).total == 0


def test_the_slowest_stage_and_what_waits_in_each_now(personas, road):
    boss = personas["boss1"]
    road["c"].status = OrderStatus.SHIPPED
    road["c"].save(update_fields=["status"])

    rows = stage_times(boss, Period(*MARCH), "previous")

    assert [row.stage.key for row in rows] == ["draft", "approval", "to_ship", "in_transit", "to_invoice", "to_cash"]
    by_key = {row.stage.key: row for row in rows}
    assert by_key["to_ship"].waiting == 2  # A and B are confirmed in the fixture
    assert by_key["in_transit"].waiting == 1
    assert by_key["in_transit"].waiting_url == reverse("sales:order_list") + "?status=shipped"
    assert max(rows, key=lambda row: row.result.total or 0).stage.key == "to_cash"


def test_overdue_tasks_by_the_stage_of_their_order(personas, road):
    rep1 = personas["rep1"]
    order_type, customer_type = ContentType.objects.get_for_model(Order), ContentType.objects.get_for_model(Customer)
    overdue = at(d("2026-03-02"))
    for record, record_type in [(road["a"], order_type), (road["b"], order_type), (road["a"].customer, customer_type)]:
        task = b.task(rep1, overdue)
        Task.objects.filter(pk=task.pk).update(content_type=record_type, object_id=record.pk)
    b.task(rep1, overdue, status=TaskStatus.DONE)

    rows = {str(row.label): row.count for row in overdue_by_stage(personas["boss1"])}

    assert rows == {"Confirmed": 2, "customer": 1}
    # A rep of another team sees none of them.
    assert overdue_by_stage(personas["rep3"]) == []


def test_the_stages_page_and_the_managers_dashboard(client, personas, road):
    manager = personas["manager1"]
    client.force_login(manager)
    query = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("analytics:stages"), query)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="stage-to_ship"' in html
    assert "Waiting for the money" in html and "20.0 days" in html
    assert len(queries) == STAGES_PAGE_QUERIES
    dashboard = client.get(reverse("analytics:dashboard"), query)
    assert dashboard.context["slowest_stage"].stage.key == "to_cash"
    assert 'data-testid="slowest-stage"' in dashboard.content.decode()
    # A rep's own dashboard names no stage; the stages page shows them their own orders only.
    client.force_login(personas["rep1"])
    assert client.get(reverse("analytics:dashboard"), query).context["slowest_stage"] is None
    rep_rows = client.get(reverse("analytics:stages"), query).context["rows"]
    assert {row.stage.key: row.result.total for row in rep_rows}["to_ship"] == Decimal("2.5")


def test_the_stages_page_asks_the_same_queries_whatever_the_data(client, personas, road):
    client.force_login(personas["manager1"])
    query = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
    product = ProductFactory()
    for index in range(5):
        buyer = b.customer(personas["rep2"], region=f"R{index}")
        extra = b.order(personas["rep2"], buyer, [(product, 1, "50")], confirmed=at(d("2026-03-05")))
        happened(personas["rep2"], "order.confirmed", extra, at(d("2026-03-05")))
        happened(personas["rep2"], "order.shipped", extra, at(d("2026-03-09")))

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("analytics:stages"), query).status_code == 200

    assert len(queries) == STAGES_PAGE_QUERIES


# Each stage's count of what waits in it is the order or deal list's own filter set: each one's custom fields are read
# once for all its stages (the request's memo, core.custom_fields.fields_of).
STAGES_PAGE_QUERIES = 67


def test_an_invoice_without_an_order_event_before_it_is_not_a_passage(personas, road):
    # An invoice issued before delivery: the order never waited for it after delivery.
    early = Invoice.objects.get(pk=road["invoice"].pk)
    happened(personas["rep1"], "invoice.issued", early, at(d("2026-03-02"), 9), root=road["b"])

    assert days("stage_to_invoice", personas["boss1"], *MARCH).total == Decimal("1.0")
