"""The shipped rules on follow-ups and meetings, in time: each fires when due, not before, not when moot, once."""

import datetime
import zoneinfo

import pytest
import time_machine

from gendan.automation.models import Notification, Rule, ScheduledCheck, Task
from gendan.automation.rules.scanning import scan_due_checks
from gendan.automation.rules.validation import RULE_FIELDS, clean_rule
from gendan.automation.shipped_rules import SHIPPED_RULES, install
from gendan.core.models import Event
from gendan.crm.services import customer_create
from gendan.crm.services_followups import followup_create, meeting_cancel, meeting_schedule, meeting_update

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def rules_in_english(settings, english):
    """Shipped rules are installed in the company's language; these tests read their texts in English."""
    settings.LANGUAGE_CODE = "en"
    Rule.objects.filter(system_key__in=[r["system_key"] for r in SHIPPED_RULES]).delete()
    install(Rule)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block's after-commit work (the outbox hand-over, and with it the rules) when it ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def scan(committed):
    def run(moment):
        with time_machine.travel(moment, tick=False), committed():
            return scan_due_checks()

    return run


def shipped(key) -> Rule:
    return Rule.objects.get(system_key=key)


@pytest.fixture
def only_30_days():
    """Just the 30-day rule, so the scans below count nothing else (the new-customer rule fires after a day)."""
    Rule.objects.exclude(system_key="customer_no_followup_30d").update(is_active=False)


@pytest.fixture
def only_meeting_rule():
    Rule.objects.exclude(system_key="meeting_in_1h").update(is_active=False)


def pending(rule) -> dict:
    return dict(ScheduledCheck.objects.filter(rule=rule, done_at__isnull=True).values_list("occasion", "due_at"))


def test_the_new_rules_are_installed_and_pass_the_rule_checks():
    keys = {"customer_no_followup_30d", "meeting_in_1h"}

    assert set(Rule.objects.filter(system_key__in=keys, is_active=True).values_list("system_key", flat=True)) == keys
    for rule in Rule.objects.filter(system_key__in=keys):
        cleaned = clean_rule({name: getattr(rule, name) for name in RULE_FIELDS})
        assert (cleaned["conditions"], cleaned["actions"]) == (rule.conditions, rule.actions)


# --- a new customer not contacted within 24 hours: a follow-up counts --------------------------------


def test_a_follow_up_within_24_hours_moots_the_new_customer_rule(personas, committed, scan):
    rule = shipped("customer_not_contacted_24h")
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="嘉兴新客户有限公司")
    with time_machine.travel(at(2025, 3, 3, 16), tick=False), committed():
        followup_create(customer=customer, actor=rep, notes="首次电话沟通")

    assert scan(at(2025, 3, 4, 10)) == {"mooted": 1}
    assert not Task.objects.filter(rule=rule).exists()


def test_a_follow_up_on_another_customer_does_not_count(personas, committed, scan):
    rule = shipped("customer_not_contacted_24h")
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="湖州新客户有限公司")
        other = customer_create(actor=rep, name="绍兴老客户有限公司")
    with time_machine.travel(at(2025, 3, 3, 16), tick=False), committed():
        followup_create(customer=other, actor=rep, notes="电话")

    assert scan(at(2025, 3, 4, 10)) == {"mooted": 1, "fired": 1}
    assert Task.objects.get(rule=rule).object_id == customer.pk


# --- a customer with no follow-up for 30 days ------------------------------------------------------


def test_a_customer_never_followed_up_gives_its_owner_a_task_30_days_after_creation(
    personas, committed, scan, only_30_days
):
    rule = shipped("customer_no_followup_30d")
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():  # a Monday
        customer = customer_create(actor=rep, name="常州安捷机电设备有限公司")

    assert pending(rule) == {f"date:{customer.quiet_since.isoformat()}": at(2025, 4, 2, 10)}
    assert scan(at(2025, 4, 2, 9, 59)) == {}
    assert not Task.objects.filter(rule=rule).exists()

    assert scan(at(2025, 4, 2, 10)) == {"fired": 1}
    task = Task.objects.get(rule=rule)
    assert (task.assignee, task.title, task.priority, task.source) == (
        rep,
        "No follow-up with 常州安捷机电设备有限公司 for 30 days",
        "normal",
        "rule",
    )
    assert (task.content_type.model, task.object_id) == ("customer", customer.pk)
    # Business hours: due 8 working hours after it fired (09:00–18:00), escalated 8 working hours after that.
    assert (task.due_at, task.next_escalation_at) == (at(2025, 4, 2, 18), at(2025, 4, 3, 17))

    assert scan(at(2025, 4, 3, 10)) == {}
    assert Task.objects.filter(rule=rule).count() == 1


def test_each_follow_up_starts_the_30_days_again(personas, committed, scan, only_30_days):
    rule = shipped("customer_no_followup_30d")
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="扬州宏达五金制品有限公司")

    # when: a follow-up on day 20
    with time_machine.travel(at(2025, 3, 23, 15), tick=False), committed():
        followup_create(customer=customer, actor=rep, notes="回访使用情况")

    # then: the first appointment lapsed and the new one is 30 days after the follow-up
    assert pending(rule) == {f"date:{at(2025, 3, 23, 15).astimezone(datetime.UTC).isoformat()}": at(2025, 4, 22, 15)}
    assert scan(at(2025, 4, 2, 10)) == {}
    assert not Task.objects.filter(rule=rule).exists()

    assert scan(at(2025, 4, 22, 15)) == {"fired": 1}
    assert Task.objects.filter(rule=rule).count() == 1


def test_after_it_fired_a_follow_up_arms_it_again(personas, committed, scan, only_30_days):
    rule = shipped("customer_no_followup_30d")
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="镇江瑞丰包装材料有限公司")
    assert scan(at(2025, 4, 2, 10)) == {"fired": 1}

    with time_machine.travel(at(2025, 4, 3, 11), tick=False), committed():
        followup_create(customer=customer, actor=rep, notes="收到提醒后电话联系")

    assert list(pending(rule).values()) == [at(2025, 5, 3, 11)]
    assert scan(at(2025, 5, 3, 11)) == {"fired": 1}
    assert Task.objects.filter(rule=rule).count() == 2


def test_a_follow_up_logged_late_for_an_older_date_does_not_move_the_appointment(
    personas, committed, scan, only_30_days
):
    rule = shipped("customer_no_followup_30d")
    rep = personas["rep1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer_create(actor=rep, name="南通金诚科技有限公司")
        customer = customer_create(actor=rep, name="泰州中联电子科技有限公司")
    with time_machine.travel(at(2025, 3, 20, 10), tick=False), committed():
        followup_create(customer=customer, actor=rep, notes="电话")
    with time_machine.travel(at(2025, 3, 21, 10), tick=False), committed():
        followup_create(customer=customer, actor=rep, notes="补记", occurred_at=at(2025, 3, 5, 10))

    assert sorted(pending(rule).values()) == [at(2025, 4, 2, 10), at(2025, 4, 19, 10)]


# --- a meeting in 1 hour ---------------------------------------------------------------------------


@pytest.fixture
def customer(personas, committed, only_meeting_rule):
    # Committed: events left waiting in an uncommitted batch would take the later ones with them.
    with time_machine.travel(at(2025, 3, 1, 9), tick=False), committed():
        return customer_create(
            actor=personas["rep1"], name="无锡天成智能装备有限公司", contacts=[{"name": "周工", "phone": "13900001111"}]
        )


def test_the_meetings_owner_is_reminded_an_hour_before_and_only_once(personas, customer, committed, scan):
    # given: the manager schedules a meeting on Alice's customer, led by follower1
    rule = shipped("meeting_in_1h")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        meeting = meeting_schedule(
            customer=customer,
            actor=personas["manager1"],
            title="产品演示",
            starts_at=at(2025, 3, 5, 14),
            owner=personas["follower1"],
        )

    assert pending(rule) == {f"date:{at(2025, 3, 5, 14).astimezone(datetime.UTC).isoformat()}": at(2025, 3, 5, 13)}
    assert scan(at(2025, 3, 5, 12, 59)) == {}

    assert scan(at(2025, 3, 5, 13)) == {"fired": 1}
    notice = Notification.objects.get(kind="rule")
    assert (notice.recipient, notice.title, notice.url) == (
        personas["follower1"],
        "Meeting with 无锡天成智能装备有限公司 in an hour: 产品演示 · 2025-03-05 14:00",
        f"/customers/meetings/{meeting.pk}/",
    )
    assert (notice.content_type.model, notice.object_id) == ("meeting", meeting.pk)

    assert scan(at(2025, 3, 5, 13, 30)) == {}
    assert Notification.objects.filter(kind="rule").count() == 1


def test_a_rescheduled_meeting_is_reminded_before_its_new_time(personas, customer, committed, scan):
    rule = shipped("meeting_in_1h")
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        meeting = meeting_schedule(
            customer=customer, actor=personas["rep1"], title="技术交流", starts_at=at(2025, 3, 5, 14)
        )
    with time_machine.travel(at(2025, 3, 4, 10), tick=False), committed():
        meeting_update(meeting=meeting, actor=personas["rep1"], starts_at=at(2025, 3, 6, 9, 30))

    assert list(pending(rule).values()) == [at(2025, 3, 6, 8, 30)]
    assert scan(at(2025, 3, 5, 13)) == {}
    assert scan(at(2025, 3, 6, 8, 30)) == {"fired": 1}
    assert Notification.objects.get(kind="rule").title.endswith("技术交流 · 2025-03-06 09:30")


def test_a_cancelled_meeting_is_not_reminded(personas, customer, committed, scan):
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        meeting = meeting_schedule(
            customer=customer, actor=personas["rep1"], title="技术交流", starts_at=at(2025, 3, 5, 14)
        )
    with time_machine.travel(at(2025, 3, 4, 10), tick=False), committed():
        meeting_cancel(meeting=meeting, actor=personas["rep1"], reason="客户出差")

    assert scan(at(2025, 3, 5, 13)) == {"conditions": 1}
    assert not Notification.objects.filter(kind="rule").exists()


def test_a_follow_up_completes_the_open_reminder_to_get_in_touch_whoever_logs_it(
    personas, committed, scan, only_30_days
):
    # given: the 30-day reminder is open on rep1's customer, and rep2 has one on their own customer
    rule = shipped("customer_no_followup_30d")
    rep, manager = personas["rep1"], personas["manager1"]
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer = customer_create(actor=rep, name="南通振华纺织机械有限公司")
        other = customer_create(actor=personas["rep2"], name="泰州永信阀门有限公司")
    assert scan(at(2025, 4, 2, 10)) == {"fired": 2}

    # when: the sales manager calls rep1's customer
    with time_machine.travel(at(2025, 4, 2, 14), tick=False), committed():
        followup_create(customer=customer, actor=manager, notes="经理电话回访", kind="call")

    # then: rep1's reminder is done, by the manager, on the record; rep2's stays open
    task = Task.objects.get(rule=rule, object_id=customer.pk)
    assert (task.status, task.completed_by, task.completed_at) == ("done", manager, at(2025, 4, 2, 14))
    assert Task.objects.get(rule=rule, object_id=other.pk).status == "open"
    completed = Event.objects.get(verb="task.completed", object_id=task.pk)
    assert (completed.actor, completed.data["note"]) == (manager, "Followed up (Phone call).")
