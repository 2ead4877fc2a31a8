"""Rule services and the machinery under every rule: validation, event rules, recipients, failures."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from gendan.automation.models import Notification, Responsibility, Rule, RuleTrigger, ScheduledCheck, Task
from gendan.automation.rules import actions
from gendan.automation.rules.matching import handle_event
from gendan.automation.rules.recipients import resolve_recipient
from gendan.automation.rules.scanning import MAX_CHECK_ATTEMPTS, scan_due_checks
from gendan.automation.rules.services import rule_create, rule_toggle, rule_update
from gendan.automation.shipped_rules import install
from gendan.core.errors import ApplicationError
from gendan.core.models import Event
from gendan.sales.models import OrderStatus
from gendan.sales.services import order_hold
from tests.stages import order_at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shipped_rules(db):
    """The migration installs them, but a transactional test elsewhere in this worker flushes them away."""
    install(Rule)


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def hold_rule(**overrides):
    fields = {
        "name": "Order put on hold",
        "trigger": RuleTrigger.EVENT,
        "target_model": "sales.order",
        "event_verb": "order.held",
        "conditions": [{"field": "total", "op": "gte", "value": "100"}],
        "actions": [
            {
                "type": "create_task",
                "assignee": "team_leader",
                "title": "Check why {number} is on hold",
                "due_in_hours": 2,
            },
            {
                "type": "notify",
                "recipient": "owner",
                "title": "{number} of {customer} is on hold",
                "body": "Owner: {owner}",
            },
        ],
    }
    return {**fields, **overrides}


def test_an_event_rule_acts_right_away_on_the_record(personas, committed):
    # given
    Rule.objects.all().delete()  # only this rule
    with committed():
        rule = rule_create(actor=personas["admin"], **hold_rule())
        order = order_at(OrderStatus.CONFIRMED, personas)

    # when
    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        order_hold(order=order, actor=personas["finance1"], reason="等客户确认")

    # then
    task = Task.objects.get(rule=rule)
    assert (task.assignee, task.title, task.due_at) == (
        personas["manager1"],
        f"Check why {order.number} is on hold",
        at(2025, 3, 3, 12),
    )
    notice = Notification.objects.get(kind="rule")
    assert (notice.recipient, notice.title, notice.body) == (
        personas["rep1"],
        f"{order.number} of {order.customer} is on hold",
        "Owner: rep1",
    )


def test_an_event_rule_whose_conditions_fail_does_nothing(personas, committed):
    Rule.objects.all().delete()
    with committed():
        rule_create(actor=personas["admin"], **hold_rule(conditions=[{"field": "total", "op": "gt", "value": "1000"}]))
        order = order_at(OrderStatus.CONFIRMED, personas)  # total 226
        order_hold(order=order, actor=personas["rep1"], reason="等客户确认")

    assert not Task.objects.exists()
    assert not Notification.objects.filter(kind="rule").exists()


def test_a_rule_can_make_someone_responsible_for_a_stage_once(personas, committed):
    # given: when an order is confirmed, the order follower of the team takes over shipping
    Rule.objects.all().delete()
    with committed():
        rule_create(
            actor=personas["admin"],
            name="Follower ships confirmed orders",
            trigger=RuleTrigger.EVENT,
            target_model="sales.order",
            event_verb="order.held",
            actions=[{"type": "set_responsible", "recipient": "role:order_follower", "stage": "confirmed"}],
        )
        order = order_at(OrderStatus.CONFIRMED, personas)

    # when: the event happens, and the outbox hands it over twice
    with committed():
        order_hold(order=order, actor=personas["rep1"], reason="等客户确认")
    event = Event.objects.get(verb="order.held")
    handle_event(event)

    # then
    rows = list(Responsibility.objects.values_list("stage", "user__username", "assigned_by", "ended_at", "reason"))
    assert rows == [("confirmed", "follower1", None, None, "Follower ships confirmed orders")]
    assert Event.objects.filter(verb="responsibility.changed").count() == 1


def test_a_set_responsible_action_needs_a_stage(personas, english):
    with pytest.raises(ValidationError) as refused:
        rule_create(
            actor=personas["admin"],
            **hold_rule(actions=[{"type": "set_responsible", "recipient": "owner", "stage": ""}]),
        )

    assert refused.value.message_dict == {"actions.0.stage": ["Choose the stage."]}


def test_creating_a_rule_records_an_event_and_needs_the_permission(personas, english):
    rule = rule_create(actor=personas["admin"], **hold_rule())

    event = Event.objects.get(verb="rule.created")
    assert (event.actor, event.object_id) == (personas["admin"], rule.pk)
    assert rule.created_by == personas["admin"]
    with pytest.raises(ApplicationError) as refused:
        rule_create(actor=personas["manager1"], **hold_rule())
    assert refused.value.code == "permission_denied"
    assert Rule.objects.filter(name="Order put on hold").count() == 1


def test_a_rule_is_checked_field_by_field(personas, english):
    with pytest.raises(ValidationError) as refused:
        rule_create(
            actor=personas["admin"],
            name="",
            trigger=RuleTrigger.AFTER_EVENT,
            target_model="sales.order",
            event_verb="Order Submitted",
            unless_verbs="order.approved, nonsense",
            offset_minutes=0,
            conditions=[{"field": "colour", "op": "eq", "value": "red"}],
            actions=[
                {"type": "create_task", "assignee": "boss", "title": "Look at {order.owner}"},
                {"type": "notify", "recipient": "user:999999", "title": "ok", "body": "{record:>99999999}"},
                {"type": "send_fax"},
            ],
            escalation_hours="8, 2",
        )

    errors = refused.value.message_dict
    assert errors["name"] == ["Give the rule a name."]
    assert errors["event_verb"] == ["An event is written like order.submitted; “Order Submitted” is not."]
    assert errors["unless_verbs"] == ["An event is written like order.approved; “nonsense” is not."]
    assert errors["offset_minutes"] == ["Say how long after the event the rule checks."]
    assert errors["conditions.0.field"] == ["sales order has no field “colour”."]
    assert errors["actions.0.assignee"][0].startswith("Choose the owner, the team leader, a role")
    assert errors["actions.0.title"][0].startswith("Unknown placeholder {order.owner}")
    assert errors["actions.1.recipient"] == ["No active user has the id “999999”."]
    assert errors["actions.1.body"][0].startswith("Unknown placeholder {record}")
    assert errors["actions.2.type"] == ["Choose what the rule does."]
    assert errors["escalation_hours"] == ["Enter rising numbers of hours after the due time, e.g. 2, 8, 24."]
    assert not Rule.objects.filter(name="").exists()


def test_a_date_rule_needs_a_date_field_of_its_record_type(personas, english):
    with pytest.raises(ValidationError) as refused:
        rule_create(actor=personas["admin"], **hold_rule(trigger=RuleTrigger.DATE, date_field="notes"))

    assert refused.value.message_dict == {"date_field": ["sales order has no date field “notes”."]}


def test_a_new_date_rule_schedules_the_records_that_exist_already(personas, committed):
    with committed():
        order = order_at(OrderStatus.CONFIRMED, personas)
    order.promised_date = datetime.date(2025, 6, 1)
    order.save(update_fields=["promised_date"])  # a date set without an event, as by an old import

    with committed():
        rule = rule_create(
            actor=personas["admin"],
            **hold_rule(
                trigger=RuleTrigger.DATE, date_field="promised_date", offset_minutes=-2 * 24 * 60, conditions=[]
            ),
        )

    check = ScheduledCheck.objects.get(rule=rule)
    assert (check.object_id, check.occasion, check.due_at) == (order.pk, "date:2025-06-01", at(2025, 5, 31, 0))


def test_switching_a_rule_off_closes_its_appointments_and_records_it(personas, committed):
    rule = Rule.objects.get(system_key="customer_not_contacted_24h")
    from gendan.crm.services import customer_create

    with committed():
        customer_create(actor=personas["rep1"], name="常州新客户")
    assert ScheduledCheck.objects.filter(rule=rule, done_at__isnull=True).count() == 1

    rule_toggle(rule=rule, actor=personas["admin"], is_active=False)

    assert not ScheduledCheck.objects.filter(rule=rule, done_at__isnull=True).exists()
    assert Event.objects.get(verb="rule.switched_off").changes == {"is_active": [True, False]}
    rule.refresh_from_db()
    assert rule.is_active is False


def test_changing_when_a_rule_runs_closes_the_old_appointments(personas, committed):
    rule = Rule.objects.get(system_key="customer_not_contacted_24h")
    from gendan.crm.services import customer_create

    with committed():
        customer_create(actor=personas["rep1"], name="常州新客户")

    rule_update(rule=rule, actor=personas["admin"], offset_minutes=48 * 60)

    assert not ScheduledCheck.objects.filter(rule=rule, done_at__isnull=True).exists()
    assert Event.objects.get(verb="rule.updated").changes == {"offset_minutes": [1440, 2880]}


# --- recipients -----------------------------------------------------------------------------------


def test_a_role_is_looked_for_near_the_owner_first(personas):
    from gendan.accounts.models import User

    order = order_at(OrderStatus.DRAFT, personas)
    # follower1 (the lower id) moves to Operations; a newer follower joins rep1's own team.
    User.objects.filter(pk=personas["follower1"].pk).update(department=personas["finance1"].department)
    near = User.objects.create_user(username="follower2", role="order_follower", department=personas["rep1"].department)

    assert resolve_recipient("role:order_follower", order) == near
    assert resolve_recipient("role:finance", order) == personas["finance1"]  # only one, outside Sales
    assert resolve_recipient("role:production", order) is None
    assert resolve_recipient("owner", order) == personas["rep1"]
    assert resolve_recipient("team_leader", order) == personas["manager1"]
    assert resolve_recipient(f"user:{personas['boss1'].pk}", order) == personas["boss1"]


def test_the_team_leader_of_a_leader_is_the_one_above(personas):
    from gendan.accounts.models import Department

    east = personas["rep1"].department
    Department.objects.filter(pk=east.pk).update(leader=personas["rep1"])
    order = order_at(OrderStatus.DRAFT, personas)

    assert resolve_recipient("team_leader", order) == personas["manager1"]


# --- failures --------------------------------------------------------------------------------------


def test_a_check_that_keeps_failing_is_retried_then_given_up(personas, committed, monkeypatch):
    rule = Rule.objects.get(system_key="customer_not_contacted_24h")
    from gendan.crm.services import customer_create

    with time_machine.travel(at(2025, 3, 3, 10), tick=False), committed():
        customer_create(actor=personas["rep1"], name="扬州新客户")

    def broken(*args, **kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(actions, "task_create", broken)
    for minute in range(MAX_CHECK_ATTEMPTS):
        with time_machine.travel(at(2025, 3, 4, 10, minute), tick=False):
            assert scan_due_checks() == {"failed": 1}

    check = ScheduledCheck.objects.get(rule=rule)
    assert (check.attempts, check.last_error) == (MAX_CHECK_ATTEMPTS, "RuntimeError: mail server on fire")
    assert check.done_at == at(2025, 3, 4, 10, MAX_CHECK_ATTEMPTS - 1)
    # Nothing of the failed attempts stayed: the firing guard rolled back with them.
    assert not rule.firings.exists()
    with time_machine.travel(at(2025, 3, 4, 11), tick=False):
        assert scan_due_checks() == {}


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"trigger": RuleTrigger.AFTER_EVENT, "offset_minutes": 10**15}, "offset_minutes"),
        ({"trigger": RuleTrigger.AFTER_EVENT, "offset_minutes": "soon"}, "offset_minutes"),
        ({"escalation_hours": [2, float("inf")]}, "escalation_hours"),
    ],
)
def test_times_no_calendar_holds_are_refused_on_their_field_and_nothing_is_saved(personas, overrides, field):
    Rule.objects.all().delete()

    with pytest.raises(ValidationError) as refused:
        rule_create(actor=personas["admin"], **hold_rule(**overrides))

    assert field in refused.value.message_dict
    assert not Rule.objects.exists()


def test_a_task_due_beyond_the_calendar_is_refused_on_its_action(personas):
    Rule.objects.all().delete()
    rule = hold_rule()
    rule["actions"][0]["due_in_hours"] = float("nan")

    with pytest.raises(ValidationError):
        rule_create(actor=personas["admin"], **rule)

    assert not Rule.objects.exists()
