"""The event log: what record() writes, and that nothing can change or remove an event."""

import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from gendan.core import events
from gendan.core.context import client_ip_var, request_id_var
from gendan.core.models import Event, LastActivity
from gendan.crm.models import Customer
from gendan.crm.services import customer_create, customer_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(personas):
    customer = customer_create(actor=personas["rep1"], name="甲公司")
    return Event.objects.get(object_id=customer.pk)


def test_record_writes_who_what_when_and_the_request(personas):
    # given: what the middleware sets for a request
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")
    id_token, ip_token = request_id_var.set("req-42"), client_ip_var.set("10.0.0.7")

    # when
    try:
        customer_update(customer=customer, actor=rep, name="乙公司", credit_limit="1000.50", owner=rep)
    finally:
        request_id_var.reset(id_token)
        client_ip_var.reset(ip_token)

    # then
    event = Event.objects.latest("id")
    assert (event.verb, event.actor, event.object_id, event.object_repr) == (
        "customer.updated",
        rep,
        customer.pk,
        "乙公司",
    )
    assert event.content_type.model_class() is Customer
    assert event.changes == {"name": ["甲公司", "乙公司"], "credit_limit": ["0.00", "1000.50"]}
    assert (event.request_id, event.ip_address) == ("req-42", "10.0.0.7")
    assert event.occurred_at is not None


def test_an_anonymous_or_missing_actor_is_recorded_as_nobody(personas):
    from django.contrib.auth.models import AnonymousUser

    customer = customer_create(actor=personas["rep1"], name="甲公司")

    assert events.record(None, "customer.touched", customer).actor is None
    assert events.record(AnonymousUser(), "customer.touched", customer).actor is None


def test_snapshot_and_diff_keep_only_what_changed(personas):
    customer = customer_create(actor=personas["rep1"], name="甲公司")
    before = events.snapshot(customer, ["name", "owner", "credit_limit"])
    customer.name = "乙公司"
    customer.owner = personas["rep2"]

    assert events.diff(before, events.snapshot(customer, ["name", "owner", "credit_limit"])) == {
        "name": ["甲公司", "乙公司"],
        "owner": [personas["rep1"].pk, personas["rep2"].pk],
    }


def test_a_timeline_holds_the_records_own_events_and_those_of_its_children(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")
    other = customer_create(actor=rep, name="乙公司")
    events.record(rep, "contact.created", other, root=customer)

    assert [(e.verb, e.object_id) for e in Event.objects.for_object(customer).order_by("id")] == [
        ("customer.created", customer.pk),
        ("contact.created", other.pk),
    ]


def test_an_event_cannot_be_saved_again_or_deleted(event):
    event.verb = "customer.forged"

    with pytest.raises(TypeError, match="append-only"):
        event.save()
    with pytest.raises(TypeError, match="append-only"):
        event.delete()

    assert Event.objects.get(pk=event.pk).verb == "customer.created"


def test_the_queryset_refuses_bulk_updates_and_deletes(event):
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.filter(pk=event.pk).update(verb="customer.forged")
    with pytest.raises(TypeError, match="append-only"):
        Event.objects.all().delete()

    assert Event.objects.filter(pk=event.pk, verb="customer.created").exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql", ["UPDATE core_event SET verb = 'customer.forged' WHERE id = %s", "DELETE FROM core_event WHERE id = %s"]
)
def test_on_postgresql_the_database_itself_refuses_raw_sql(event, sql):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])

    assert Event.objects.get(pk=event.pk).verb == "customer.created"


# --- the log holds exactly what was committed -------------------------------------------------


def _duplicate_customer_code(customer):
    """A write the database refuses: a second customer with the same code."""
    Customer.objects.create(name="重复", code=customer.code, owner=customer.owner)


def _verbs(customer):
    return list(Event.objects.for_object(customer).order_by("id").values_list("verb", flat=True))


@pytest.mark.parametrize("in_batch", [False, True], ids=["alone", "in-a-batch"])
def test_an_event_recorded_in_a_savepoint_that_rolls_back_is_not_written(personas, in_batch):
    # given
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")
    outer = events.batch() if in_batch else transaction.atomic()

    # when: the common idiom, a savepoint whose IntegrityError is caught
    with outer:
        events.record(rep, "customer.before", customer)
        try:
            with transaction.atomic():
                events.record(rep, "customer.phantom", customer)
                _duplicate_customer_code(customer)
        except IntegrityError:
            pass
        events.record(rep, "customer.after", customer)

    # then
    assert _verbs(customer) == ["customer.created", "customer.before", "customer.after"]


def test_a_batch_inside_a_savepoint_that_fails_leaves_no_event(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")

    with transaction.atomic():
        try:
            with events.batch():
                events.record(rep, "customer.phantom", customer)
                _duplicate_customer_code(customer)
        except IntegrityError:
            pass
        events.record(rep, "customer.after", customer)

    assert _verbs(customer) == ["customer.created", "customer.after"]


def test_a_nested_batch_that_fails_takes_only_its_own_events(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")

    with events.batch():
        events.record(rep, "customer.before", customer)
        with pytest.raises(IntegrityError), events.batch():
            events.record(rep, "customer.phantom", customer)
            _duplicate_customer_code(customer)
        events.record(rep, "customer.after", customer)

    assert _verbs(customer) == ["customer.created", "customer.before", "customer.after"]


def test_a_service_whose_savepoint_rolls_back_afterwards_leaves_no_event(personas):
    rep = personas["rep1"]
    first = customer_create(actor=rep, name="甲公司")

    with transaction.atomic():
        try:
            with transaction.atomic():
                second = customer_create(actor=rep, name="乙公司")
                _duplicate_customer_code(first)
        except IntegrityError:
            pass

    assert not Customer.objects.filter(pk=second.pk).exists()
    assert not Event.objects.filter(object_id=second.pk, verb="customer.created").exists()


def test_a_batch_writes_its_events_in_one_statement_in_the_order_recorded(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")

    with CaptureQueriesContext(connection) as sent, events.batch():
        for n in range(3):
            events.record(rep, f"customer.step{n}", customer)

    inserts = [q["sql"] for q in sent.captured_queries if q["sql"].startswith('INSERT INTO "core_event"')]
    assert len(inserts) == 1
    assert _verbs(customer)[1:] == ["customer.step0", "customer.step1", "customer.step2"]


def test_only_committed_events_are_handed_to_the_subscribers(personas, django_capture_on_commit_callbacks):
    # given: a subscriber that notes the ids it is handed
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")
    handed = []
    events.on_events_committed(handed.extend)

    # when
    try:
        with django_capture_on_commit_callbacks(execute=True), events.batch():
            kept = events.record(rep, "customer.kept", customer)
            try:
                with transaction.atomic():
                    events.record(rep, "customer.phantom", customer)
                    _duplicate_customer_code(customer)
            except IntegrityError:
                pass
    finally:
        events._committed_handlers.remove(handed.extend)

    # then
    assert handed == [kept.pk]
    assert _verbs(customer) == ["customer.created", "customer.kept"]


def test_a_batch_registers_one_marker_per_savepoint_level_not_one_per_event(personas):
    # A long transaction (an import) runs thousands of batches: what each leaves behind until the
    # commit must not grow with its events.
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")

    with transaction.atomic():
        before = len(connection.run_on_commit)
        with events.batch():
            for n in range(5):
                events.record(rep, f"customer.step{n}", customer)
        left = len(connection.run_on_commit) - before

    assert left == 2  # the batch's marker, and the hand-over to the outbox (automation listens)
    assert _verbs(customer)[1:] == [f"customer.step{n}" for n in range(5)]


def _last_activity(obj):
    return LastActivity.objects.get(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk).occurred_at


def test_the_last_activity_of_a_record_follows_its_own_events_and_its_childrens(personas):
    rep = personas["rep1"]
    with time_machine.travel(datetime.datetime(2025, 11, 3, 9, tzinfo=datetime.UTC), tick=False):
        customer = customer_create(actor=rep, name="甲公司")
        contact_like = customer_create(actor=rep, name="乙公司")
    assert _last_activity(customer) == datetime.datetime(2025, 11, 3, 9, tzinfo=datetime.UTC)

    # an event of a record that belongs to it (its root) touches it, not the child
    with time_machine.travel(datetime.datetime(2025, 11, 10, 9, tzinfo=datetime.UTC), tick=False):
        events.record(rep, "contact.created", contact_like, root=customer)
    assert _last_activity(customer) == datetime.datetime(2025, 11, 10, 9, tzinfo=datetime.UTC)
    assert _last_activity(contact_like) == datetime.datetime(2025, 11, 3, 9, tzinfo=datetime.UTC)


def test_a_batch_moves_each_records_last_activity_with_one_statement_and_a_rollback_not_at_all(personas):
    rep = personas["rep1"]
    with time_machine.travel(datetime.datetime(2025, 11, 3, 9, tzinfo=datetime.UTC), tick=False):
        first = customer_create(actor=rep, name="甲公司")
        second = customer_create(actor=rep, name="乙公司")

    with time_machine.travel(datetime.datetime(2025, 11, 10, 9, tzinfo=datetime.UTC), tick=False):
        with CaptureQueriesContext(connection) as sent, events.batch():
            events.record(rep, "customer.step", first)
            events.record(rep, "customer.step", second)
            events.record(rep, "customer.step", first)
        with pytest.raises(IntegrityError), transaction.atomic():
            events.record(rep, "customer.phantom", second)
            _duplicate_customer_code(first)

    upserts = [q["sql"] for q in sent.captured_queries if q["sql"].startswith('INSERT INTO "core_lastactivity"')]
    assert len(upserts) == 1
    assert _last_activity(first) == _last_activity(second) == datetime.datetime(2025, 11, 10, 9, tzinfo=datetime.UTC)
    with time_machine.travel(datetime.datetime(2025, 11, 11, 9, tzinfo=datetime.UTC), tick=False):
        events.record(rep, "customer.step", first)
    assert _last_activity(second) == datetime.datetime(2025, 11, 10, 9, tzinfo=datetime.UTC)


def test_rebuilding_the_last_activity_from_the_log_gives_what_the_writes_kept(personas):
    rep = personas["rep1"]
    customer = customer_create(actor=rep, name="甲公司")
    other = customer_create(actor=rep, name="乙公司")
    events.record(rep, "contact.created", other, root=customer)
    kept = set(LastActivity.objects.values_list("content_type", "object_id", "occurred_at"))

    LastActivity.objects.all().delete()
    events.rebuild_last_activity()

    assert set(LastActivity.objects.values_list("content_type", "object_id", "occurred_at")) == kept
    assert len(kept) == 2
