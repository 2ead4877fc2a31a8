"""Follow-ups and meetings: what they record, the customer's clocks, the next follow-up task, refusals."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from gendan.automation.models import Notification, Task
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer, FollowUp, Meeting
from gendan.crm.services_followups import (
    followup_create,
    meeting_cancel,
    meeting_hold,
    meeting_schedule,
    meeting_update,
)
from tests.factories import ContactFactory, CustomerFactory, customer_ready_to_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def state():
    return (
        list(FollowUp.objects.values_list("pk", flat=True)),
        list(Meeting.objects.values_list("pk", "status", "version")),
        list(Customer.objects.values_list("pk", "last_followed_up_at", "quiet_since")),
        Task.objects.count(),
        Event.objects.count(),
    )


# --- follow-ups --------------------------------------------------------------------------------


def test_a_follow_up_is_recorded_on_the_customer_and_moves_its_clocks(personas):
    # given
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 1, 9), tick=False):
        customer = customer_ready_to_order(rep)
    contact = customer.contacts.get()

    # when
    with time_machine.travel(at(2025, 3, 3, 10, 30), tick=False):
        followup = followup_create(
            customer=customer,
            actor=rep,
            kind="visit",
            notes="上门拜访，演示了新款设备。",
            outcome="客户要求报价",
            contact=contact,
        )

    # then
    followup.refresh_from_db()
    assert (followup.kind, followup.occurred_at, followup.author, followup.contact, followup.next_followup_on) == (
        "visit",
        at(2025, 3, 3, 10, 30),
        rep,
        contact,
        None,
    )
    customer.refresh_from_db()
    assert (customer.last_followed_up_at, customer.quiet_since, customer.version) == (
        at(2025, 3, 3, 10, 30),
        at(2025, 3, 3, 10, 30),
        1,
    )
    event = Event.objects.get(verb="followup.created")
    assert (event.actor, event.object_id, event.root_id, event.data) == (
        rep,
        followup.pk,
        customer.pk,
        {
            "kind": "visit",
            "outcome": "客户要求报价",
            "contact": contact.pk,
            "next_followup_on": None,
            "meeting": None,
            "note": "上门拜访，演示了新款设备。",
        },
    )
    assert not Task.objects.exists()


def test_a_follow_up_logged_late_does_not_move_the_clocks_back(personas):
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 1, 9), tick=False):
        customer = customer_ready_to_order(rep)
    with time_machine.travel(at(2025, 3, 10, 15), tick=False):
        followup_create(customer=customer, actor=rep, notes="电话沟通交期")
        followup_create(
            customer=customer, actor=rep, notes="补记上周的微信沟通", kind="wechat", occurred_at=at(2025, 3, 3, 9)
        )

    customer.refresh_from_db()
    assert (customer.last_followed_up_at, customer.quiet_since) == (at(2025, 3, 10, 15), at(2025, 3, 10, 15))
    assert list(customer.followups.values_list("kind", flat=True)) == ["call", "wechat"]  # newest first


def test_the_next_follow_up_date_becomes_a_task_for_the_customers_owner(personas):
    # given: Mia (manager) follows up on Alice's customer
    customer = customer_ready_to_order(personas["rep1"], name="宁波华信电子有限公司")

    # when
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        followup = followup_create(
            customer=customer,
            actor=personas["manager1"],
            notes="客户在比较两家供应商",
            outcome="下周再联系",
            next_followup_on=datetime.date(2025, 3, 10),
        )

    # then
    task = Task.objects.get()
    assert (task.assignee, task.title, task.due_at, task.source, task.created_by) == (
        personas["rep1"],
        "Follow up with 宁波华信电子有限公司",
        at(2025, 3, 10, 18),
        "person",
        personas["manager1"],
    )
    assert task.notes == "Last time (Phone call): 下周再联系"
    assert (task.content_type.model, task.object_id) == ("customer", customer.pk)
    assert task.dedupe_key == f"followup:{followup.pk}:next"
    assert Notification.objects.get(kind="task.assigned").recipient == personas["rep1"]


def test_a_next_follow_up_for_today_is_allowed(personas):
    customer = customer_ready_to_order(personas["rep1"])
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        followup_create(
            customer=customer, actor=personas["rep1"], notes="稍后回电", next_followup_on=datetime.date(2025, 3, 3)
        )

    assert Task.objects.get().due_at == at(2025, 3, 3, 18)
    # The rep's own task: no notice to tell them what they just did.
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"notes": "  "}, {"notes": ["This field cannot be blank."]}),
        ({"kind": "fax"}, {"kind": ["Value 'fax' is not a valid choice."]}),
        (
            {"occurred_at": at(2025, 3, 3, 11)},
            {"occurred_at": ["A follow-up is recorded once it has happened; this time is still to come."]},
        ),
        ({"next_followup_on": datetime.date(2025, 3, 2)}, {"next_followup_on": ["Choose today or a later day."]}),
    ],
)
def test_bad_input_is_refused_with_field_errors_and_nothing_written(personas, fields, errors):
    customer = customer_ready_to_order(personas["rep1"])
    before = state()

    with time_machine.travel(at(2025, 3, 3, 10), tick=False), pytest.raises(ValidationError) as exc:
        followup_create(customer=customer, actor=personas["rep1"], **{"notes": "电话", **fields})

    assert exc.value.message_dict == errors
    assert state() == before


def test_a_contact_of_another_customer_is_refused(personas):
    customer = customer_ready_to_order(personas["rep1"])
    stranger = ContactFactory(customer=CustomerFactory(owner=personas["rep1"]))
    before = state()

    with pytest.raises(ValidationError) as exc:
        followup_create(customer=customer, actor=personas["rep1"], notes="电话", contact=stranger)

    assert exc.value.message_dict == {"contact": ["Not one of this customer's contacts."]}
    assert state() == before


def test_a_rep_cannot_record_a_follow_up_on_a_teammates_customer(personas):
    customer = customer_ready_to_order(personas["rep1"])
    before = state()

    with pytest.raises(ApplicationError) as exc:
        followup_create(customer=customer, actor=personas["rep2"], notes="电话")

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert state() == before


def test_the_warehouse_may_not_record_follow_ups(personas):
    customer = customer_ready_to_order(personas["rep1"])

    with pytest.raises(ApplicationError) as exc:
        followup_create(customer=customer, actor=personas["warehouse1"], notes="电话")

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": "crm.add_followup"})
    assert not FollowUp.objects.exists()


# --- meetings ----------------------------------------------------------------------------------


@pytest.fixture
def meeting(personas):
    customer = customer_ready_to_order(personas["rep1"], name="苏州博远精密机械有限公司")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        return meeting_schedule(
            customer=customer,
            actor=personas["rep1"],
            title="产品演示",
            starts_at=at(2025, 3, 5, 14),
            place="客户工厂会议室",
            contacts=[customer.contacts.get()],
        )


def test_a_meeting_is_scheduled_for_its_owner(personas, meeting):
    assert (meeting.owner, meeting.status, meeting.duration_minutes, meeting.ends_at) == (
        personas["rep1"],
        "planned",
        60,
        at(2025, 3, 5, 15),
    )
    assert [c.name for c in meeting.contacts.all()] == ["王经理"]
    assert str(meeting) == "产品演示 · 2025-03-05 14:00"
    event = Event.objects.get(verb="meeting.scheduled")
    assert (event.object_id, event.root_id, event.data["owner"], event.data["place"]) == (
        meeting.pk,
        meeting.customer_id,
        personas["rep1"].pk,
        "客户工厂会议室",
    )


def test_a_meeting_in_the_past_or_led_by_someone_who_cannot_see_the_customer_is_refused(personas):
    customer = customer_ready_to_order(personas["rep1"])
    before = state()

    with time_machine.travel(at(2025, 3, 3, 10), tick=False), pytest.raises(ValidationError) as exc:
        meeting_schedule(
            customer=customer,
            actor=personas["manager1"],
            title="",
            starts_at=at(2025, 3, 2, 14),
            owner=personas["rep3"],
            duration_minutes=2,
        )

    assert exc.value.message_dict == {
        "title": ["This field cannot be blank."],
        "duration_minutes": ["Ensure this value is greater than or equal to 5."],
        "owner": ["rep3 cannot see this customer."],
        "starts_at": ["Choose a time to come; record a meeting that took place as a follow-up."],
    }
    assert state() == before


def test_rescheduling_moves_the_start_and_records_the_change(personas, meeting):
    with time_machine.travel(at(2025, 3, 4, 9), tick=False):
        meeting = meeting_update(
            meeting=meeting, actor=personas["rep1"], version=1, starts_at=at(2025, 3, 6, 10), place="客户工厂会议室"
        )

    assert (meeting.starts_at, meeting.version) == (at(2025, 3, 6, 10), 2)
    event = Event.objects.get(verb="meeting.updated")
    assert list(event.changes) == ["starts_at"]  # the unchanged place is not a change


def test_a_stale_edit_is_refused(personas, meeting):
    with time_machine.travel(at(2025, 3, 4, 9), tick=False):
        meeting_update(meeting=meeting, actor=personas["rep1"], version=1, place="线上")
        with pytest.raises(ApplicationError) as exc:
            meeting_update(meeting=meeting, actor=personas["rep1"], version=1, place="客户处")

    assert exc.value.code == ErrorCode.STALE_VERSION
    assert Meeting.objects.get().place == "线上"


def test_holding_a_meeting_records_its_follow_up(personas, meeting):
    # when
    with time_machine.travel(at(2025, 3, 5, 15, 30), tick=False):
        meeting = meeting_hold(
            meeting=meeting,
            actor=personas["rep1"],
            notes="演示顺利，客户关心售后响应时间。",
            outcome="准备方案",
            next_followup_on=datetime.date(2025, 3, 7),
        )

    # then
    followup = FollowUp.objects.get()
    assert (meeting.status, followup.meeting, followup.kind, followup.occurred_at, followup.outcome) == (
        "held",
        meeting,
        "meeting",
        at(2025, 3, 5, 14),
        "准备方案",
    )
    assert Customer.objects.get().last_followed_up_at == at(2025, 3, 5, 14)
    assert Task.objects.get().due_at == at(2025, 3, 7, 18)
    held = Event.objects.get(verb="meeting.held")
    assert (held.changes, held.data) == ({"status": ["planned", "held"]}, {"followup": followup.pk})


def test_a_meeting_days_away_cannot_be_held_yet_and_a_held_one_not_again(personas, meeting):
    with time_machine.travel(at(2025, 3, 4, 18), tick=False), pytest.raises(ApplicationError) as early:
        meeting_hold(meeting=meeting, actor=personas["rep1"], notes="x")
    assert early.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert not FollowUp.objects.exists()

    with time_machine.travel(at(2025, 3, 5, 9), tick=False):  # the same day, before the start: brought forward
        meeting_hold(meeting=meeting, actor=personas["rep1"], notes="提前开了")
        with pytest.raises(ApplicationError) as again:
            meeting_cancel(meeting=meeting, actor=personas["rep1"], reason="x")
    assert again.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert FollowUp.objects.get().occurred_at == at(2025, 3, 5, 9)


def test_cancelling_needs_a_reason(personas, meeting):
    with pytest.raises(ValidationError) as exc:
        meeting_cancel(meeting=meeting, actor=personas["rep1"], reason=" ")
    assert exc.value.message_dict == {"reason": ["Give a reason."]}

    meeting = meeting_cancel(meeting=meeting, actor=personas["rep1"], reason="客户临时出差")

    assert (meeting.status, meeting.cancel_reason) == ("cancelled", "客户临时出差")
    assert Event.objects.get(verb="meeting.cancelled").data == {"reason": "客户临时出差"}


def test_a_teammate_cannot_touch_anothers_meeting(personas, meeting):
    with pytest.raises(ApplicationError) as exc:
        meeting_cancel(meeting=meeting, actor=personas["rep2"], reason="x")

    assert exc.value.code == ErrorCode.PERMISSION_DENIED
    assert Meeting.objects.get().status == "planned"


def test_a_meeting_led_by_a_colleague_is_visible_to_them_and_the_customers_owner(personas):
    # given: the manager schedules a meeting on Alice's customer, led by Alice's teammate follower1
    customer = customer_ready_to_order(personas["rep1"])
    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        meeting = meeting_schedule(
            customer=customer,
            actor=personas["manager1"],
            title="合同谈判",
            starts_at=at(2025, 3, 4, 10),
            owner=personas["follower1"],
        )

    visible = {name: Meeting.objects.visible_to(personas[name]).filter(pk=meeting.pk).exists() for name in personas}
    assert {name for name, seen in visible.items() if seen} == {
        "rep1",
        "follower1",
        "manager1",
        "warehouse1",
        "logistics1",
        "finance1",
        "service1",
        "boss1",
        "admin",
    }


def test_a_follow_up_on_a_customer_whose_owner_has_left_is_recorded_and_its_next_task_goes_to_the_author(personas):
    customer = customer_ready_to_order(personas["rep1"])
    personas["rep1"].is_active = False
    personas["rep1"].save()

    with time_machine.travel(at(2025, 3, 3, 10), tick=False):
        followup_create(
            customer=customer,
            actor=personas["manager1"],
            notes="原负责人已离职，由经理跟进",
            next_followup_on=datetime.date(2025, 3, 10),
        )

    assert FollowUp.objects.filter(customer=customer).count() == 1
    assert Task.objects.get().assignee == personas["manager1"]
