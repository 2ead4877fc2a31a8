"""Gendan's PostgreSQL backend: writes no one reads back leave with the next statement or the
commit, and timestamps are read by psycopg's own loader; neither changes what the code sees."""

import datetime
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from gendan.core import events, rows
from gendan.core.models import Event
from gendan.sales.models import Order, OrderLine
from tests.backbone import draft_order, stocked_products

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pipeline"),
]


@pytest.fixture
def order(personas):
    _warehouse, products = stocked_products(2)
    return draft_order(personas["rep1"], products, ["1", "2"])


@pytest.mark.django_db
def test_a_deferred_update_is_sent_before_the_next_statement_which_sees_it(order):
    with transaction.atomic(), CaptureQueriesContext(connection) as sent:
        order.notes = "deferred"
        rows.save_fields(order, ["notes"])
        assert [q for q in sent.captured_queries if "UPDATE" in q["sql"]] == []  # still queued

        assert Order.objects.get(pk=order.pk).notes == "deferred"
        assert [q["sql"].split()[0] for q in sent.captured_queries] == ["UPDATE", "SELECT"]


@pytest.mark.django_db
def test_a_deferred_insert_sets_primary_keys_when_sent(order, personas):
    with transaction.atomic():
        with events.batch():
            event = events.record(personas["rep1"], "test.deferred", order)
        assert event.pk is None and connection.deferred_writes
        assert Event.objects.filter(verb="test.deferred").count() == 1  # sends it first
        assert event.pk is not None and not event._state.adding


@pytest.mark.django_db
def test_a_rolled_back_transaction_drops_what_it_had_queued(order, personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        with events.batch():
            events.record(personas["rep1"], "test.never", order)
        raise RuntimeError("the service refused")

    assert connection.deferred_writes == []
    assert not Event.objects.filter(verb="test.never").exists()


@pytest.mark.django_db(transaction=True)
def test_the_commit_carries_the_queue_and_the_hand_over_gets_the_new_ids(order, personas, monkeypatch):
    handed_over = []
    monkeypatch.setattr(events, "_committed_handlers", [handed_over.extend])

    with transaction.atomic():
        with events.batch():
            events.record(personas["rep1"], "test.committed", order)
        order.notes = "with the commit"
        rows.save_fields(order, ["notes"])
        assert len(connection.deferred_writes) == 2

    assert connection.deferred_writes == []
    assert handed_over == list(Event.objects.filter(verb="test.committed").values_list("pk", flat=True))
    assert Order.objects.get(pk=order.pk).notes == "with the commit"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("refused_by", ["unique number, as it runs", "foreign key, at the commit"])
def test_a_failing_deferred_write_fails_the_commit_and_leaves_nothing_half_written(order, personas, refused_by):
    line = OrderLine.objects.filter(order=order).first()
    other = draft_order(personas["rep1"], [line.product])

    with pytest.raises(IntegrityError), transaction.atomic():
        order.notes = "half"
        rows.save_fields(order, ["notes"])
        if refused_by.startswith("unique"):
            other.number = order.number
            rows.save_fields(other, ["number"])
        else:
            line.order_id = 10**12  # no such order
            rows.save_fields(line, ["order"])

    assert connection.deferred_writes == []
    assert Order.objects.get(pk=order.pk).notes == ""
    # The connection is usable again.
    assert OrderLine.objects.filter(pk=line.pk, order=order).exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_or_when_turned_off_a_write_is_sent_at_once(order):
    order.notes = "now"
    rows.save_fields(order, ["notes"])  # autocommit: done when the call returns
    assert connection.deferred_writes == [] and Order.objects.get(pk=order.pk).notes == "now"

    connection.defers_writes = False  # as DATABASE_PIPELINE=false sets it
    try:
        with transaction.atomic():
            order.notes = "at once"
            rows.save_fields(order, ["notes"])
            assert connection.deferred_writes == []
    finally:
        del connection.defers_writes
    assert Order.objects.get(pk=order.pk).notes == "at once"


@pytest.mark.django_db
def test_timestamps_read_back_are_the_utc_values_written(order):
    moment = datetime.datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=datetime.UTC)
    Order.objects.filter(pk=order.pk).update(confirmed_at=moment)

    read = Order.objects.get(pk=order.pk).confirmed_at
    assert read == moment and read.tzinfo is datetime.UTC
    with connection.cursor() as cursor:
        cursor.execute("SELECT confirmed_at AT TIME ZONE 'Asia/Shanghai' FROM sales_order WHERE id = %s", [order.pk])
        assert cursor.fetchone()[0] == datetime.datetime(2026, 12, 2, 16, 30, 15, 123456)


@pytest.mark.django_db
def test_without_time_zone_support_timestamps_come_naive_as_django_gives_them(order, settings):
    moment = datetime.datetime(2026, 12, 2, 8, 30, tzinfo=datetime.UTC)
    Order.objects.filter(pk=order.pk).update(confirmed_at=moment)

    settings.USE_TZ = False
    read = Order.objects.values_list("confirmed_at", flat=True).get(pk=order.pk)
    # Django's rule without time zone support: naive, in the project's time zone.
    assert read == moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)
