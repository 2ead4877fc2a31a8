"""The daily digest: 09:00 in each person's time zone, once a day, only when there is something to say."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail

from gendan.automation.digest import send_daily_digests
from gendan.automation.models import Notification, Task, TaskStatus
from gendan.sales.models import Order, OrderStatus
from tests.backbone import draft_order, stocked_products

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")


def at(day, hour, minute=0, zone=SHANGHAI):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=zone)


def task(assignee, title, due_at, **fields):
    return Task.objects.create(assignee=assignee, title=title, due_at=due_at, **fields)


@pytest.fixture
def world(personas):
    """Alice has one overdue task, one for today and one for tomorrow; Bob has two overdue; Carol
    (in Los Angeles) one; an order of Alice's waits for approval."""
    rep1, rep2, rep3 = personas["rep1"], personas["rep2"], personas["rep3"]
    rep3.time_zone = "America/Los_Angeles"
    rep3.save()
    task(rep1, "Call Acme back", at(9, 15), object_repr="Acme Ltd")
    task(rep1, "Send the quote", at(10, 16))
    task(rep1, "Visit the plant", at(11, 10))
    task(rep1, "Old and done", at(2, 10), status=TaskStatus.DONE)
    task(rep2, "Chase payment", at(8, 11))
    task(rep2, "Confirm delivery", at(9, 17, 30))
    task(rep3, "Renew contract", at(9, 12, zone=LOS_ANGELES))
    _warehouse, products = stocked_products(count=1)
    order = draft_order(rep1, products)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PENDING_APPROVAL, submitted_at=at(9, 18))
    order.refresh_from_db()
    return {**personas, "order": order}


def digests():
    return {n.recipient.username: n for n in Notification.objects.filter(kind="digest").select_related("recipient")}


def test_nothing_before_nine(world):
    with time_machine.travel(at(10, 8, 59), tick=False):
        assert send_daily_digests() == 0
    assert digests() == {}


def test_at_nine_each_person_gets_their_day(world, english):
    # when
    with time_machine.travel(at(10, 9, 0), tick=False):
        sent = send_daily_digests()
    # then: Shanghai's people with something to report; Carol's morning has not come yet
    sent_to = digests()
    assert sent == 5
    assert sorted(sent_to) == ["admin", "boss1", "manager1", "rep1", "rep2"]
    alice = sent_to["rep1"]
    assert alice.title == "Daily digest 2026-03-10: 1 overdue, 1 due today"
    assert alice.body == (
        "Overdue (1)\n"
        "- Call Acme back · Acme Ltd (due 2026-03-09 15:00)\n"
        "\n"
        "Due today (1)\n"
        "- Send the quote (due 2026-03-10 16:00)"
    )
    assert (alice.url, alice.dedupe_key) == ("/tasks/", f"digest:{world['rep1'].pk}:2026-03-10")


def test_a_leader_sees_approvals_and_the_teams_overdue_tasks_by_person(world, english):
    with time_machine.travel(at(10, 9, 0), tick=False):
        send_daily_digests()

    order = world["order"]
    mia = digests()["manager1"]
    assert mia.title == "Daily digest 2026-03-10: 1 approval waiting, 4 overdue in your team"
    assert mia.body == (
        "Waiting for your approval (1)\n"
        f"- {order.number} · {order.customer} · CNY 113.00\n"
        "\n"
        "Your team's overdue tasks, by person (4)\n"
        "- rep2: 2\n"
        "- rep1: 1\n"
        "- rep3: 1"
    )
    # The boss approves orders too, but leads no department.
    assert digests()["boss1"].title == "Daily digest 2026-03-10: 1 approval waiting"


def test_sent_once_a_day_however_often_the_task_runs(world):
    with time_machine.travel(at(10, 9, 0), tick=False) as traveller:
        assert send_daily_digests() == 5
        traveller.shift(datetime.timedelta(minutes=15))
        assert send_daily_digests() == 0
        traveller.shift(datetime.timedelta(hours=2))
        assert send_daily_digests() == 0
    assert Notification.objects.filter(kind="digest").count() == 5


def test_the_next_morning_brings_the_next_digest(world, english):
    with time_machine.travel(at(10, 9, 0), tick=False) as traveller:
        send_daily_digests()
        traveller.move_to(at(11, 9, 0))
        send_daily_digests()

    alice = Notification.objects.filter(recipient=world["rep1"], kind="digest").order_by("id")
    assert [n.dedupe_key for n in alice] == [
        f"digest:{world['rep1'].pk}:2026-03-10",
        f"digest:{world['rep1'].pk}:2026-03-11",
    ]
    assert alice.last().title == "Daily digest 2026-03-11: 2 overdue, 1 due today"


def test_nine_in_los_angeles_is_the_local_date(world, english):
    # 09:00 on 10 March in Los Angeles is midnight on 11 March in Shanghai.
    with time_machine.travel(at(10, 9, 0, zone=LOS_ANGELES), tick=False):
        assert send_daily_digests() == 1

    carol = digests()["rep3"]
    assert carol.dedupe_key == f"digest:{world['rep3'].pk}:2026-03-10"
    assert carol.title == "Daily digest 2026-03-10: 1 overdue"
    assert carol.body == "Overdue (1)\n- Renew contract (due 2026-03-09 12:00)"


def test_a_missed_morning_is_caught_up_until_noon_only(world):
    with time_machine.travel(at(10, 11, 59), tick=False) as traveller:
        assert send_daily_digests() == 5
        traveller.move_to(at(11, 12, 0))
        assert send_daily_digests() == 0


def test_the_digest_goes_out_on_the_persons_channels(world, django_capture_on_commit_callbacks, english):
    rep1 = world["rep1"]
    rep1.email = "alice@example.com"
    rep1.save()

    with time_machine.travel(at(10, 9, 0), tick=False), django_capture_on_commit_callbacks(execute=True):
        send_daily_digests()

    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Daily digest 2026-03-10: 1 overdue, 1 due today"
    assert message.body.endswith("\n\nhttp://127.0.0.1:8000/tasks/")
