"""Deadlines: who is told when a task runs late, at which time, and what the timeline shows."""

import datetime
import zoneinfo

import pytest
import time_machine

from gendan.automation import deadlines, services
from gendan.automation.models import Notification, Rule, RuleTrigger, Task
from gendan.core.models import Event
from gendan.core.selectors import timeline_events
from tests.factories import CustomerFactory

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def org(personas):
    """rep1 in East, led by rep2; East sits in Sales, led by manager1."""
    east = personas["rep1"].department
    east.leader = personas["rep2"]
    east.save()
    return personas


def make_task(actor, assignee, *, created, due, related=None, rule=None) -> Task:
    with time_machine.travel(created, tick=False):
        return services.task_create(
            actor=actor, title="Call back 华东机械", assignee=assignee, related=related, due_at=due, rule=rule
        )


def scan(moment) -> int:
    with time_machine.travel(moment, tick=False):
        return deadlines.scan_escalations()


def escalations(task) -> list[tuple[str, str]]:
    """(recipient, kind) of the task's escalation notices, in order."""
    return [
        (n.recipient.username, n.kind)
        for n in Notification.objects.filter(task=task, kind__in=["task.overdue", "task.escalated"])
        .select_related("recipient")
        .order_by("id")
    ]


def test_task_create_schedules_the_first_escalation_at_the_due_time_and_the_at_risk_warning(org):
    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 13, 16, 0), due=at(2025, 11, 13, 18, 0))
    assert task.next_escalation_at == at(2025, 11, 13, 18, 0)
    assert task.at_risk_at == at(2025, 11, 13, 17, 36)
    assert task.escalation_level == 0


def test_a_task_without_a_due_time_is_never_escalated(org):
    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 13, 16, 0), due=None)
    assert (task.next_escalation_at, task.at_risk_at) == (None, None)


def test_each_escalation_step_tells_the_next_person_at_its_working_hour(org):
    # given a task about a customer, due Thursday 10:00 (default steps: 0, 2, 4 working hours)
    customer = CustomerFactory(owner=org["rep1"])
    task = make_task(
        org["manager1"], org["rep1"], created=at(2025, 11, 12, 10, 0), due=at(2025, 11, 13, 10, 0), related=customer
    )

    # when the due time passes: the assignee hears first
    assert scan(at(2025, 11, 13, 9, 59)) == 0
    assert scan(at(2025, 11, 13, 10, 0)) == 1
    task.refresh_from_db()
    assert (task.escalation_level, task.next_escalation_at) == (1, at(2025, 11, 13, 12, 0))
    assert escalations(task) == [("rep1", "task.overdue")]

    # two working hours later, the team leader
    assert scan(at(2025, 11, 13, 11, 59)) == 0
    assert scan(at(2025, 11, 13, 12, 0)) == 1
    task.refresh_from_db()
    assert (task.escalation_level, task.next_escalation_at) == (2, at(2025, 11, 13, 14, 0))
    assert escalations(task)[-1] == ("rep2", "task.escalated")

    # four working hours after due, the department head; then nobody more
    assert scan(at(2025, 11, 13, 14, 0)) == 1
    task.refresh_from_db()
    assert (task.escalation_level, task.next_escalation_at) == (3, None)
    assert escalations(task) == [("rep1", "task.overdue"), ("rep2", "task.escalated"), ("manager1", "task.escalated")]
    assert scan(at(2025, 11, 20, 14, 0)) == 0

    # then every step is on the customer's timeline, newest first
    steps = [e for e in timeline_events(customer) if e.verb == "task.escalated"]
    assert [(e.changes["escalation_level"], e.data["notified"], e.actor_id) for e in steps] == [
        ([2, 3], [org["manager1"].pk], None),
        ([1, 2], [org["rep2"].pk], None),
        ([0, 1], [org["rep1"].pk], None),
    ]
    assert all(e.object_id == task.pk for e in steps)


def test_the_scan_run_twice_at_the_same_time_escalates_once(org):
    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 12, 10, 0), due=at(2025, 11, 13, 10, 0))

    assert scan(at(2025, 11, 13, 10, 5)) == 1
    assert scan(at(2025, 11, 13, 10, 5)) == 0
    # A stale caller holding the id (a second worker that listed it first) is refused under the lock too.
    assert deadlines.task_escalate(task_id=task.pk, now=at(2025, 11, 13, 10, 5)) is False

    task.refresh_from_db()
    assert task.escalation_level == 1
    assert escalations(task) == [("rep1", "task.overdue")]
    assert Event.objects.filter(verb="task.escalated", object_id=task.pk).count() == 1


def test_steps_count_working_hours_across_a_night_and_a_weekend_with_the_rules_steps(org):
    # given a rule whose tasks escalate 1 and 9 working hours after due
    rule = Rule.objects.create(
        name="Approval waiting", trigger=RuleTrigger.EVENT, target_model="sales.order", escalation_hours=[1, 9]
    )
    task = make_task(
        org["manager1"], org["rep1"], created=at(2025, 11, 14, 9, 0), due=at(2025, 11, 14, 17, 0), rule=rule
    )
    assert task.next_escalation_at == at(2025, 11, 14, 18, 0)

    # when Friday evening comes, then Monday
    assert scan(at(2025, 11, 14, 18, 0)) == 1
    task.refresh_from_db()
    # Friday 17:00 + 9 working hours: one on Friday, eight on Monday.
    assert task.next_escalation_at == at(2025, 11, 17, 17, 0)
    assert scan(at(2025, 11, 16, 12, 0)) == 0
    assert scan(at(2025, 11, 17, 17, 0)) == 1

    # then the rule's two steps told the assignee and the team leader, and no third step follows
    task.refresh_from_db()
    assert (task.escalation_level, task.next_escalation_at) == (2, None)
    assert escalations(task) == [("rep1", "task.overdue"), ("rep2", "task.escalated")]


def test_missing_and_repeated_people_are_skipped(personas):
    # given East has no leader; Sales (above it) is led by manager1
    task = make_task(personas["boss1"], personas["rep1"], created=at(2025, 11, 12, 10, 0), due=at(2025, 11, 13, 10, 0))
    # and manager1's own task: they lead Sales, which has nothing above it
    own = make_task(
        personas["boss1"], personas["manager1"], created=at(2025, 11, 12, 10, 0), due=at(2025, 11, 13, 10, 0)
    )

    # when all three steps pass
    for moment in (at(2025, 11, 13, 10, 0), at(2025, 11, 13, 12, 0), at(2025, 11, 13, 14, 0)):
        assert scan(moment) == 2

    # then nobody is told twice and missing leaders are passed over; the steps are still recorded
    assert escalations(task) == [("rep1", "task.overdue"), ("manager1", "task.escalated")]
    assert escalations(own) == [("manager1", "task.overdue")]
    notified = list(
        Event.objects.filter(verb="task.escalated", object_id=own.pk).order_by("id").values_list("data", flat=True)
    )
    assert [d["notified"] for d in notified] == [[personas["manager1"].pk], [], []]


def test_an_inactive_leader_is_skipped(org):
    org["rep2"].is_active = False
    org["rep2"].save()
    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 12, 10, 0), due=at(2025, 11, 13, 10, 0))
    for moment in (at(2025, 11, 13, 10, 0), at(2025, 11, 13, 12, 0), at(2025, 11, 13, 14, 0)):
        scan(moment)
    assert escalations(task) == [("rep1", "task.overdue"), ("manager1", "task.escalated")]


def test_a_completed_task_is_not_escalated(org):
    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 12, 10, 0), due=at(2025, 11, 13, 10, 0))
    with time_machine.travel(at(2025, 11, 13, 9, 0), tick=False):
        services.task_complete(task=task, actor=org["rep1"])
    assert scan(at(2025, 11, 13, 15, 0)) == 0
    assert escalations(task) == []


def test_the_at_risk_warning_is_sent_once_before_the_due_time(org, english):
    # given a task created 16:00, due 18:00: at risk from 17:36
    customer = CustomerFactory(owner=org["rep1"])
    task = make_task(
        org["manager1"], org["rep1"], created=at(2025, 11, 13, 16, 0), due=at(2025, 11, 13, 18, 0), related=customer
    )

    def warn(moment):
        with time_machine.travel(moment, tick=False):
            return deadlines.scan_at_risk()

    # when the scan runs before, at and after that time
    assert warn(at(2025, 11, 13, 17, 35)) == 0
    assert warn(at(2025, 11, 13, 17, 36)) == 1
    assert warn(at(2025, 11, 13, 17, 37)) == 0

    # then the assignee got one notice and the customer's timeline shows it
    notices = Notification.objects.filter(task=task, kind="task.at_risk")
    assert [(n.recipient_id, n.title) for n in notices] == [(org["rep1"].pk, "Due soon: Call back 华东机械")]
    task.refresh_from_db()
    assert task.at_risk_at is None
    assert [e.verb for e in timeline_events(customer)].count("task.at_risk") == 1


def test_no_at_risk_warning_once_the_task_is_overdue(org):
    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 13, 16, 0), due=at(2025, 11, 13, 18, 0))
    with time_machine.travel(at(2025, 11, 13, 19, 0), tick=False):
        assert deadlines.scan_at_risk() == 0
    task.refresh_from_db()
    assert task.at_risk_at is None
    assert not Notification.objects.filter(task=task, kind="task.at_risk").exists()


def test_the_periodic_task_runs_both_scans(org):
    from gendan.automation.jobs.deadlines import scan_deadlines

    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 13, 16, 0), due=at(2025, 11, 13, 18, 0))
    with time_machine.travel(at(2025, 11, 13, 18, 0), tick=False):
        scan_deadlines.call_local()
    task.refresh_from_db()
    assert (task.escalation_level, task.at_risk_at) == (1, None)


def test_the_scan_reads_only_due_tasks_through_the_index(org, django_assert_num_queries):
    # given many tasks not yet due
    for _ in range(20):
        make_task(org["manager1"], org["rep1"], created=at(2025, 11, 13, 9, 0), due=at(2025, 11, 20, 10, 0))
    # when nothing is due, the scan is a single indexed query
    with time_machine.travel(at(2025, 11, 13, 12, 0), tick=False), django_assert_num_queries(1):
        assert deadlines.scan_escalations() == 0


def test_snoozing_restarts_the_deadline_from_the_new_due_time(org):
    # given a task already escalated once
    task = make_task(org["manager1"], org["rep1"], created=at(2025, 11, 12, 10, 0), due=at(2025, 11, 13, 10, 0))
    scan(at(2025, 11, 13, 10, 0))

    # when the assignee snoozes it to Friday 16:00
    with time_machine.travel(at(2025, 11, 13, 11, 0), tick=False):
        services.task_snooze(task=task, actor=org["rep1"], until=at(2025, 11, 14, 16, 0))

    # then warning and escalation count from the new due time, starting with the assignee again
    task.refresh_from_db()
    assert (task.escalation_level, task.next_escalation_at) == (0, at(2025, 11, 14, 16, 0))
    assert task.at_risk_at == at(2025, 11, 14, 15, 0)
    assert scan(at(2025, 11, 13, 12, 0)) == 0
    assert scan(at(2025, 11, 14, 16, 0)) == 1
    assert escalations(task) == [("rep1", "task.overdue"), ("rep1", "task.overdue")]
