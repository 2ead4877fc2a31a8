"""The daily figures (metrics.rollups) say what the records say: built from them, kept right by every change the
services make, read in each reader's scope, and left alone when they cannot answer."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gendan.accounts.models import User
from gendan.analytics.metrics import get_metric, rollups
from gendan.analytics.metrics.periods import company_today
from gendan.analytics.models import DailyFigure, RollupState, StaleRecord
from gendan.demo.company import PASSWORD_ENV
from gendan.sales.models import Order, OrderStatus
from tests.factories import ProductFactory

from . import builders as b
from .builders import at, d

pytestmark = pytest.mark.django_db

ROLLED = sorted({metric.name for metric, _part in rollups.rolled_parts()})
GROUPINGS = [None, "month", "week", "day", "owner", "team"]


def from_records(metric, *args, **kwargs):
    """The metric as it reads its records, whatever figures are built."""
    saved = rollups.sources_for
    rollups.sources_for = lambda *_args: None
    try:
        return metric.compute(*args, **kwargs)
    finally:
        rollups.sources_for = saved


def assert_same(metric, user, start, end, group_by=None, compare=None):
    rolled = metric.compute(user, start, end, group_by=group_by, compare=compare)
    read = from_records(metric, user, start, end, group_by=group_by, compare=compare)
    where = (metric.name, user.username, start, end, group_by)
    assert (rolled.total, rolled.compare_total) == (read.total, read.compare_total), where
    assert [(row.key, row.value, row.compare_value) for row in rolled.rows] == [
        (row.key, row.value, row.compare_value) for row in read.rows
    ], where


def assert_everything_same(users, periods):
    for name in ROLLED:
        metric = get_metric(name)
        for user in users:
            if not metric.visible_to(user):
                continue
            for start, end in periods:
                for group_by in GROUPINGS:
                    assert_same(metric, user, start, end, group_by=group_by)
                assert_same(metric, user, start, end, compare="last_year")


def figures() -> list:
    return sorted(DailyFigure.objects.values_list("part", "day", "owner", "amount", "count"), key=str)


@pytest.fixture
def demo(tmp_path, settings, monkeypatch):
    """The demo company written through the services, its figures built while it was empty: every figure it has
    comes from the events its services wrote."""
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    assert rollups.build() == [rollups.part_key(metric, part) for metric, part in rollups.rolled_parts()]
    call_command("load_demo_data", "--history-months=0", stdout=io.StringIO())
    return {user.username: user for user in User.objects.all()}


def test_figures_kept_by_the_services_events_are_those_counted_from_scratch(demo):
    today = company_today()
    periods = [(today.replace(day=1), today), (today - datetime.timedelta(days=120), today)]
    users = [demo[name] for name in ("admin", "boss1", "manager1", "follower1", "rep1", "rep2", "finance1")]

    assert_everything_same(users, periods)

    # The first read recounted what the events touched; counting everything again finds the same rows.
    assert not StaleRecord.objects.exists()
    kept = figures()
    assert kept
    rollups.build(force=True)
    assert figures() == kept


def test_a_cancelled_and_a_reassigned_order_are_recounted_on_their_day(demo):
    from gendan.sales.services import order_assign, order_cancel

    boss, manager = demo["boss1"], demo["manager1"]
    today = company_today()
    period = (today - datetime.timedelta(days=120), today)
    open_orders = Order.objects.filter(status=OrderStatus.CONFIRMED, confirmed_at__isnull=False).order_by("pk")
    cancelled, reassigned = open_orders[0], open_orders[1]
    new_owner = User.objects.filter(username="rep3").first() or demo["rep1"]
    if reassigned.owner_id == new_owner.pk:
        new_owner = demo["rep2"]
    sales = get_metric("sales")
    before = sales.compute(boss, *period).total

    order_cancel(order=cancelled, actor=demo["admin"], reason="客户取消")
    order_assign(order=reassigned, actor=demo["admin"], owner=new_owner, reason="调岗")

    assert StaleRecord.objects.exists()
    after = sales.compute(boss, *period)
    assert after.total == before - sum(line.amount for line in cancelled.lines.all() if line.quantity > 0)
    assert_everything_same([boss, manager, demo["rep1"], demo["rep2"], new_owner], [period])


def test_a_rolled_back_change_leaves_nothing_to_recount(demo):
    sales = get_metric("sales")
    sales.compute(demo["boss1"], company_today(), company_today())
    assert not StaleRecord.objects.exists()

    order = Order.objects.filter(status=OrderStatus.CONFIRMED).first()
    from gendan.sales.services import order_cancel

    with transaction.atomic():
        order_cancel(order=order, actor=demo["admin"], reason="试一下")
        assert StaleRecord.objects.exists()
        transaction.set_rollback(True)

    assert not StaleRecord.objects.exists()


def test_unbuilt_parts_and_figures_of_another_time_zone_are_not_read(personas, settings):
    rep = personas["rep1"]
    buyer = b.customer(rep, created=at(d("2026-03-01")))
    b.order(rep, buyer, [(ProductFactory(), 2, 50)], confirmed=at(d("2026-03-02")))
    sales = get_metric("sales")
    march = (d("2026-03-01"), d("2026-03-31"))

    assert rollups.sources_for(sales, rep, (), None) is None
    rollups.build()
    assert rollups.sources_for(sales, rep, (), None) is not None
    assert sales.compute(rep, *march).total == Decimal("100.00")
    # Not for what the figures do not hold: a filter, a product.
    assert rollups.sources_for(sales, rep, ("product",), None) is None
    assert rollups.sources_for(sales, rep, (), {"customer": [buyer.pk]}) is None

    settings.TIME_ZONE = "UTC"
    assert rollups.sources_for(sales, rep, (), None) is None
    assert sales.compute(rep, *march).total == Decimal("100.00")
    assert rollups.build() == [rollups.part_key(metric, part) for metric, part in rollups.rolled_parts()]
    assert set(RollupState.objects.values_list("time_zone", flat=True)) == {"UTC"}


def test_each_reader_adds_up_the_figures_of_the_owners_in_their_scope_only(personas):
    product = ProductFactory()
    for name, amount in (("rep1", 10), ("rep2", 20), ("rep3", 40), ("manager1", 80)):
        person = personas[name]
        b.order(
            person,
            b.customer(person, created=at(d("2026-03-01"))),
            [(product, 1, amount)],
            confirmed=at(d("2026-03-02")),
        )
    rollups.build()
    sales = get_metric("sales")
    march = (d("2026-03-01"), d("2026-03-31"))

    totals = {name: sales.compute(personas[name], *march).total for name in ("rep1", "follower1", "manager1", "boss1")}

    assert totals == {
        name: from_records(sales, personas[name], *march).total for name in ("rep1", "follower1", "manager1", "boss1")
    }
    assert totals["rep1"] == Decimal("10.00")
    assert totals["boss1"] == Decimal("150.00")


def test_a_year_by_month_is_as_few_queries_for_a_thousand_orders_as_for_one(personas):
    product = ProductFactory()
    rep = personas["rep1"]
    buyer = b.customer(rep, created=at(d("2025-01-01")))
    rollups.build()
    sales = get_metric("sales")
    year = (d("2025-01-01"), d("2025-12-31"))

    def queries() -> int:
        user = User.objects.get(pk=personas["boss1"].pk)
        with CaptureQueriesContext(connection) as captured:
            sales.compute(user, *year, group_by="month", compare="last_year")
        return len(captured)

    b.order(rep, buyer, [(product, 1, 10)], confirmed=at(d("2025-03-01")))
    rollups.build(force=True)
    one = queries()
    for day in range(0, 360, 3):
        b.order(rep, buyer, [(product, 1, 10)], confirmed=at(d("2025-01-01") + datetime.timedelta(days=day)))
    rollups.build(force=True)

    assert queries() == one
    # Whether figures are ready (one), then each period's rows (two): a total is the sum of its months.
    assert one == 3
    assert sales.compute(personas["boss1"], *year).total == Decimal("1210.00")


def test_the_workers_job_builds_every_part_then_only_recounts(personas):
    from gendan.analytics.jobs import keep_rollups

    rep = personas["rep1"]
    b.order(
        rep, b.customer(rep, created=at(d("2026-03-01"))), [(ProductFactory(), 1, 10)], confirmed=at(d("2026-03-02"))
    )

    assert keep_rollups.call_local() == 0

    assert RollupState.objects.filter(built_at__isnull=False).count() == len(rollups.rolled_parts())
    assert DailyFigure.objects.get(part="sales.lines").amount == Decimal("10.00")
    built_at = set(RollupState.objects.values_list("built_at", flat=True))
    keep_rollups.call_local()
    assert set(RollupState.objects.values_list("built_at", flat=True)) == built_at
