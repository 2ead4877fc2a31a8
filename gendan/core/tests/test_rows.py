"""The hot-path helpers read and write exactly what the queryset API would."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gendan.core import events, rows
from gendan.core.models import Event
from gendan.sales.models import Order, OrderLine
from tests.backbone import draft_order, stocked_products


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def test_parent_with_children_matches_the_orm_value_for_value(personas):
    _warehouse, products = stocked_products(3)
    order = draft_order(personas["rep1"], products, ["1.5", "2", "0.125"])

    with transaction.atomic():
        locked, lines = rows.parent_with_children(
            Order, OrderLine, order.pk, fk="order", order_by="position", lock=True
        )

    expected = Order.objects.get(pk=order.pk)
    names = [f.attname for f in Order._meta.concrete_fields]
    assert _fields(locked, names) == _fields(expected, names)
    assert isinstance(locked.total, Decimal) and isinstance(locked.created_at, datetime.datetime)
    assert not locked._state.adding
    line_names = [f.attname for f in OrderLine._meta.concrete_fields]
    assert [_fields(line, line_names) for line in lines] == [
        _fields(line, line_names) for line in OrderLine.objects.filter(order=order).order_by("position")
    ]
    assert [line.quantity for line in lines] == [Decimal("1.500"), Decimal("2.000"), Decimal("0.125")]


def test_parent_with_children_of_a_missing_parent_or_a_childless_one(personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    OrderLine.objects.filter(order=order).delete()

    assert rows.parent_with_children(Order, OrderLine, order.pk, fk="order")[1] == []
    assert rows.parent_with_children(Order, OrderLine, order.pk + 1000, fk="order") == (None, [])


def test_joined_rows_come_as_select_related_would_bring_them(personas, django_assert_num_queries):
    _warehouse, products = stocked_products(2)
    order = draft_order(personas["rep1"], products, ["1", "2"])
    expected = Order.objects.select_related("shipping_address", "contact").get(pk=order.pk)

    with django_assert_num_queries(1):
        locked, lines = rows.parent_with_children(
            Order,
            OrderLine,
            order.pk,
            fk="order",
            order_by="position",
            related=["shipping_address", "contact"],
            child_related=["product"],
        )
        # Read from what the one statement brought: no further query.
        assert str(locked.shipping_address) == str(expected.shipping_address)
        assert locked.contact.name == expected.contact.name
        assert [(line.product.sku, line.product.floor_price) for line in lines] == [
            (p.sku, p.floor_price) for p in products
        ]
        assert all(line.order is locked for line in lines)


def test_a_null_foreign_key_joins_to_none_and_one_reads_a_single_row(personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    Order.objects.filter(pk=order.pk).update(contact=None)

    found = rows.one(Order, order.pk, related=["contact", "customer"])
    assert found.contact is None and found.customer.pk == order.customer_id
    assert found.total == Order.objects.get(pk=order.pk).total
    assert rows.one(Order, order.pk + 1000) is None


def test_by_pks_is_in_bulk(personas):
    _warehouse, products = stocked_products(3)
    wanted = [products[2].pk, products[0].pk, products[2].pk, 999_999]

    found = rows.by_pks(type(products[0]), wanted)

    expected = type(products[0]).objects.in_bulk(wanted)
    assert set(found) == set(expected) == {products[0].pk, products[2].pk}
    assert all(found[pk].list_price == expected[pk].list_price for pk in found)
    assert rows.by_pks(type(products[0]), []) == {}


def test_save_fields_and_save_fields_many_write_only_the_named_fields(personas):
    _warehouse, products = stocked_products(2)
    order = draft_order(personas["rep1"], products, ["3", "3"])
    lines = list(order.lines.order_by("position"))
    before = order.updated_at

    order.notes = "只改备注"
    order.total = Decimal("1.00")  # changed in memory, not named: must not be written
    rows.save_fields(order, ["notes", "updated_at"])
    lines[0].reserved_quantity, lines[1].reserved_quantity = Decimal("0.5"), Decimal("2.25")
    lines[0].quantity = Decimal("99")  # not named
    rows.save_fields_many(lines, ["reserved_quantity", "updated_at"])

    fresh = Order.objects.get(pk=order.pk)
    assert fresh.notes == "只改备注" and fresh.total != Decimal("1.00") and fresh.updated_at > before
    assert list(
        OrderLine.objects.filter(order=order).order_by("position").values_list("reserved_quantity", "quantity")
    ) == [
        (Decimal("0.500"), Decimal("3.000")),
        (Decimal("2.250"), Decimal("3.000")),
    ]


def test_insert_sets_keys_defaults_and_creation_times_in_order(personas):
    started = timezone.now()
    made = rows.insert(
        Event(verb=f"test.{n}", content_type=ContentType.objects.get_for_model(Order), object_id=n, data={"n": n})
        for n in range(3)
    )

    assert [e.pk for e in made] == sorted(e.pk for e in made)
    fresh = {e.pk: e for e in Event.objects.filter(pk__in=[e.pk for e in made])}
    assert [(fresh[e.pk].verb, fresh[e.pk].data, fresh[e.pk].changes) for e in made] == [
        ("test.0", {"n": 0}, {}),
        ("test.1", {"n": 1}, {}),
        ("test.2", {"n": 2}, {}),
    ]
    assert all(fresh[e.pk].occurred_at >= started for e in made)


def test_a_batch_writes_its_events_in_one_statement_when_it_succeeds(personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    count = Event.objects.count()

    with CaptureQueriesContext(connection) as sent, transaction.atomic(), events.batch():
        first = events.record(personas["rep1"], "test.one", order)
        events.record(personas["rep1"], "test.two", order, data={"x": Decimal("1.5")})
        assert first.pk is None  # not written yet

    # One INSERT for both, sent by the block's end (on PostgreSQL, with what comes next).
    sent_for_events = [q["sql"] for q in sent.captured_queries if "core_event" in q["sql"]]
    assert len(sent_for_events) == 1 and sent_for_events[0].startswith('INSERT INTO "core_event"')
    assert first.pk is not None
    assert Event.objects.count() == count + 2
    assert list(Event.objects.filter(verb__startswith="test.").order_by("id").values_list("verb", "data")) == [
        ("test.one", {}),
        ("test.two", {"x": "1.5"}),
    ]


def test_a_failed_block_keeps_none_of_its_events_and_a_failed_nested_block_only_its_own(personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    rep = personas["rep1"]

    with pytest.raises(RuntimeError), transaction.atomic(), events.batch():
        events.record(rep, "test.lost", order)
        raise RuntimeError("the service refused")
    with transaction.atomic(), events.batch():
        events.record(rep, "test.kept", order)
        try:
            with transaction.atomic(), events.batch():
                events.record(rep, "test.dropped", order)
                raise RuntimeError("a nested step refused")
        except RuntimeError:
            pass
        events.record(rep, "test.kept_too", order)

    assert list(Event.objects.filter(verb__startswith="test.").order_by("id").values_list("verb", flat=True)) == [
        "test.kept",
        "test.kept_too",
    ]


def test_rows_read_back_are_plain_saved_instances_that_save_and_compare_as_the_orms(personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)

    with transaction.atomic():
        locked, lines = rows.parent_with_children(Order, OrderLine, order.pk, fk="order")
        locked.notes = "read by rows"
        locked.save(update_fields=["notes"])

    assert locked == Order.objects.get(pk=order.pk) and lines[0] == OrderLine.objects.get(order=order)
    assert Order.objects.get(pk=order.pk).notes == "read by rows"
    assert (locked._state.adding, locked._state.db) == (False, "default")
    # A relation left unread loads on access, as on an ORM instance.
    assert locked.customer.pk == order.customer_id


def test_a_model_signal_receiver_is_served_as_model_init_would_serve_it(personas):
    _warehouse, products = stocked_products(1)
    order = draft_order(personas["rep1"], products)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(type(instance).__name__)

    from django.db.models.signals import post_init

    post_init.connect(receiver)
    try:
        rows.one(Order, order.pk)
        rows.new(Event, verb="x", object_id=1, content_type_id=1)
    finally:
        post_init.disconnect(receiver)

    assert seen == ["Order", "Event"]


def test_new_fills_defaults_as_the_model_does_and_refuses_unknown_names(personas):
    event = rows.new(Event, verb="order.created", object_id=7, content_type_id=1, actor_id=personas["rep1"].pk)
    like = Event(verb="order.created", object_id=7, content_type_id=1, actor_id=personas["rep1"].pk)

    names = [f.attname for f in Event._meta.concrete_fields]
    assert _fields(event, names) == _fields(like, names)
    assert event._state.adding and event.pk is None
    # A callable default runs per instance: no two events share one dict.
    assert (
        event.changes == {} and event.changes is not rows.new(Event, verb="y", object_id=1, content_type_id=1).changes
    )

    with pytest.raises(TypeError, match="actor"):
        rows.new(Event, verb="x", object_id=1, content_type_id=1, actor=personas["rep1"])
