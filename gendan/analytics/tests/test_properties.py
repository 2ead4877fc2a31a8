"""For any small history: each sum or count is the aggregate of its records, its rows add up to it, each row is the
aggregate of its own records (the drill-down); and a metric costs the same queries for 3 orders as for 30."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gendan.accounts.models import User
from gendan.analytics.metrics import METRICS, TIME_GROUPINGS, get_metric, metrics_for
from gendan.automation.models import TaskStatus
from gendan.crm.models import Opportunity
from gendan.sales.models import Order, OrderStatus
from tests.factories import ProductFactory

from . import builders as b
from .builders import at, d

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

START = d("2026-05-01")
DAYS = 60
CENT = Decimal("0.01")
SUMS = [name for name, metric in METRICS.items() if not metric.is_ratio]
REGIONS = ["华东", "", "华北"]

ORDERS = st.lists(
    st.tuples(
        st.sampled_from(["rep1", "rep3"]),
        st.integers(0, 2),  # the customer
        st.integers(0, DAYS - 1),  # the day confirmed
        st.integers(0, 23),  # the hour: late ones fall on the next day in UTC terms of the company's
        st.booleans(),  # cancelled
        st.lists(st.tuples(st.integers(0, 1), st.integers(1, 4), st.integers(1, 300)), min_size=1, max_size=3),
        st.integers(0, 3),  # how far it went: confirmed, half paid, credited and half paid, paid with money left over
    ),
    max_size=8,
)
TASKS = st.lists(st.tuples(st.sampled_from(["rep1", "rep3"]), st.integers(-72, 72), st.booleans()), max_size=4)


@pytest.fixture
def products():
    return [ProductFactory(cost=Decimal("33.33")), ProductFactory(cost=Decimal("12"))]


def write_history(people, products, customer_days, orders, tasks):
    customers = [
        b.customer(people[owner], region=region, created=at(START + datetime.timedelta(days=day), 23, 30))
        for owner, region, day in zip(["rep1", "rep1", "rep3"], REGIONS, customer_days, strict=True)
    ]
    for owner, buyer, day, hour, cancelled, lines, progress in orders:
        when = at(START + datetime.timedelta(days=day), hour, 30)
        made = b.order(
            people[owner],
            customers[buyer],
            [(products[product], quantity, price) for product, quantity, price in lines],
            confirmed=when,
            status=OrderStatus.CANCELLED if cancelled else None,
        )
        b.follow_up(customers[buyer], people["manager1" if progress == 2 else owner], when)
        if cancelled or not progress:
            continue
        credited = (made.total / 10).quantize(CENT) if progress == 2 else Decimal(0)
        paid = made.total - credited if progress == 3 else (made.total / 2).quantize(CENT)
        invoice = b.invoice(made, made.total, issued=when + datetime.timedelta(days=1), paid=paid, credited=credited)
        if credited:
            b.credit_note(invoice, credited, issued=when + datetime.timedelta(days=2))
        extra = Decimal(20 if progress == 3 else 0)
        received = (when + datetime.timedelta(days=3)).date()
        money = b.payment(customers[buyer], paid + extra, received, allocations=[(invoice, paid)], refunded=extra / 4)
        if extra:
            b.refund(money, extra / 4, received + datetime.timedelta(days=2))
    now = timezone.now()
    for assignee, hours, open_ in tasks:
        due = now + datetime.timedelta(hours=hours)
        b.task(people[assignee], due, status=TaskStatus.OPEN if open_ else TaskStatus.DONE)


def records_total(metric, user, start, end, **filters):
    """The metric's figure added up from its records, part by part: what a drill-down lists."""
    total = 0
    for part in metric.parts:
        found = metric.records(user, start, end, part=part.name, **filters).aggregate(figure=part.numerator)["figure"]
        total += part.sign * (found or 0)
    return total


def bucket_periods(rows, start, end):
    """Each time row's days within the period: from its first day (or the start) to the next row's eve (or the end)."""
    firsts = [d(row.key) for row in rows]
    ends = [later - datetime.timedelta(days=1) for later in firsts[1:]] + [end]
    return [(max(first, start), min(last, end)) for first, last in zip(firsts, ends, strict=True)]


def check_sums_and_rows(metric, user, start, end):
    whole = metric.compute(user, start, end)
    assert whole.total == records_total(metric, user, start, end), metric.name
    for group_by in metric.group_bys:
        result = metric.compute(user, start, end, group_by=group_by)
        assert result.total == whole.total
        if result.rows_add_up:
            assert sum(row.value for row in result.rows) == result.total, (metric.name, group_by)
        if group_by in TIME_GROUPINGS:
            for row, (first, last) in zip(result.rows, bucket_periods(result.rows, start, end), strict=True):
                assert row.value == metric.compute(user, first, last).total, (metric.name, group_by, row.key)
        else:
            for row in result.rows:
                drilled = records_total(metric, user, start, end, **{group_by: row.key})
                assert row.value == drilled, (metric.name, group_by, row.key)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    customer_days=st.lists(st.integers(0, DAYS - 1), min_size=3, max_size=3),
    orders=ORDERS,
    tasks=TASKS,
    first=st.integers(0, DAYS - 1),
    length=st.integers(0, DAYS - 1),
)
def test_sums_and_counts_add_up_to_their_records_and_their_rows(
    personas, products, customer_days, orders, tasks, first, length
):
    start = START + datetime.timedelta(days=first)
    end = start + datetime.timedelta(days=length)
    with transaction.atomic():
        write_history(personas, products, customer_days, orders, tasks)
        for name in SUMS:
            for viewer in ("boss1", "rep1"):
                check_sums_and_rows(get_metric(name), personas[viewer], start, end)
        transaction.set_rollback(True)


def test_sales_and_collected_are_what_the_history_says(personas, products):
    # Two orders of rep1 on 1 May at 23:30, one paid with 20 over (5 of it refunded two days later), one cancelled.
    lines = [(0, 2, 100), (1, 1, 50)]
    write_history(
        personas, products, [0, 0, 0], [("rep1", 0, 0, 23, False, lines, 3), ("rep1", 0, 0, 23, True, lines, 3)], []
    )

    sales = get_metric("sales").compute(personas["boss1"], START, START)
    collected = get_metric("collected").compute(personas["boss1"], START, START + datetime.timedelta(days=5))

    assert sales.total == Decimal("250.00")
    # 250 and 13% tax, and 20 over; 5 paid back.
    assert collected.total == Decimal("282.50") + 20 - 5


def history_of(size: int):
    return [
        ("rep1" if n % 2 else "rep3", n % 3, n % DAYS, n % 24, n % 7 == 0, [(n % 2, 1 + n % 3, 10 + n)], n % 4)
        for n in range(size)
    ]


@pytest.mark.parametrize("name", list(METRICS))
def test_a_metric_costs_as_many_queries_for_thirty_orders_as_for_three(personas, products, name):
    metric = get_metric(name)
    group_bys = [group_by for group_by in ("month", "owner", "team", "product") if group_by in metric.group_bys]
    compare = metric.compares[0] if metric.compares else None
    end = START + datetime.timedelta(days=DAYS - 1)

    def queries(size) -> dict:
        with transaction.atomic():
            write_history(personas, products, [0, 1, 2], history_of(size), [("rep1", -5, True)] * size)
            counts = {}
            for viewer in ("boss1", "manager1"):
                # Read afresh, as for each request: a user keeps the permissions it has read.
                user = User.objects.get(pk=personas[viewer].pk)
                # As the API does: which metrics they may see, first.
                assert metric in metrics_for(user)
                for group_by in [None, *group_bys]:
                    with CaptureQueriesContext(connection) as captured:
                        metric.compute(user, START, end, group_by=group_by, compare=compare)
                    counts[viewer, group_by] = len(captured)
            transaction.set_rollback(True)
        return counts

    # The stage times find their events by content type, which Django reads once per process and keeps.
    ContentType.objects.get_for_models(Order, Opportunity)
    few, many = queries(3), queries(30)

    assert few == many
    # A total and a grouped query per part and period, one for the rows' labels, and what a part's scope reads once
    # (the teams a person leads, for tasks; a department's tree of teams, one query a level).
    periods = 2 if compare else 1
    most = max(len(metric.parts), 1) * (periods * 2 + 1) + 1
    assert max(count for (viewer, _group_by), count in many.items() if viewer == "boss1") <= most
