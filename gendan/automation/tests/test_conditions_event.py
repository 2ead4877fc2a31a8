"""Conditions on the triggering event ("event:<field>"): what the event changed a field to, not what it is now."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from gendan.automation import conditions as cond
from gendan.automation.models import Notification, Rule, RuleTrigger
from gendan.automation.rules.matching import handle_event
from gendan.automation.rules.services import rule_create
from gendan.automation.rules.validation import clean_rule
from gendan.core.models import Event
from gendan.sales.models import Order, OrderStatus
from gendan.sales.services import order_hold
from tests.stages import order_at

pytestmark = pytest.mark.django_db

BECAME_CONFIRMED = [{"field": "event:status", "op": "eq", "value": "confirmed"}]


def event_changing(**changes):
    return SimpleNamespace(changes={name: list(pair) for name, pair in changes.items()})


def test_an_event_condition_is_stored_checked_against_the_records_field():
    assert cond.validate_conditions(Order, [{"field": "event:status", "op": "in", "value": "confirmed, on_hold"}]) == [
        {"field": "event:status", "op": "in", "value": ["confirmed", "on_hold"]}
    ]


def test_bad_event_conditions_are_refused_on_their_row(english):
    with pytest.raises(ValidationError) as refused:
        cond.validate_conditions(
            Order,
            [
                {"field": "event:colour", "op": "eq", "value": "red"},
                {"field": "event:customer__region", "op": "eq", "value": "浙江省"},
                {"field": "event:status", "op": "eq", "value": "sent"},
                {"field": "event:", "op": "eq", "value": "x"},
            ],
        )

    errors = refused.value.message_dict
    assert errors["conditions.0.field"] == ["sales order has no field “colour”."]
    assert errors["conditions.1.field"] == ["After “event:” name one field of the record, e.g. event:status."]
    assert errors["conditions.2.value"][0].startswith("“sent” is not one of the choices")
    assert errors["conditions.3.field"] == ["After “event:” name one field of the record, e.g. event:status."]


def test_an_event_condition_reads_the_new_value_the_event_recorded():
    order = Order(status=OrderStatus.ON_HOLD)

    assert cond.evaluate(order, BECAME_CONFIRMED, event=event_changing(status=("draft", "confirmed")))
    assert not cond.evaluate(order, BECAME_CONFIRMED, event=event_changing(status=("confirmed", "on_hold")))
    # an event that did not change the field: nothing became confirmed
    assert not cond.evaluate(order, BECAME_CONFIRMED, event=event_changing(total=("1.00", "2.00")))
    assert not cond.evaluate(order, BECAME_CONFIRMED, event=SimpleNamespace(changes={}))


def test_without_an_event_only_the_conditions_on_the_record_count():
    order = Order(status=OrderStatus.ON_HOLD)
    on_hold_now = [{"field": "status", "op": "eq", "value": "on_hold"}]

    assert cond.evaluate(order, BECAME_CONFIRMED)
    assert cond.evaluate(order, [*BECAME_CONFIRMED, *on_hold_now])
    assert not cond.evaluate(order, [*BECAME_CONFIRMED, {"field": "status", "op": "eq", "value": "draft"}])
    assert cond.to_q(Order, [*BECAME_CONFIRMED, *on_hold_now]) == cond.to_q(Order, on_hold_now)


def test_a_date_rule_cannot_look_at_an_event(english):
    with pytest.raises(ValidationError) as refused:
        clean_rule(
            {
                "name": "x",
                "trigger": RuleTrigger.DATE,
                "target_model": "sales.order",
                "date_field": "promised_date",
                "conditions": BECAME_CONFIRMED,
                "actions": [{"type": "notify", "recipient": "owner", "title": "t"}],
            }
        )

    assert refused.value.message_dict == {
        "conditions": ["Only a rule run by an event can look at the event (event:…)."]
    }


def test_a_rule_run_by_an_event_judges_the_event_not_the_record_as_it_is_now(personas, english):
    # given: an order confirmed, then put on hold before the outbox handed the confirmation over
    Rule.objects.all().delete()
    became = {"field": "event:status", "op": "eq"}
    # The team leader: rep1 confirmed the order and is not told of what they did themselves.
    notify = [{"type": "notify", "recipient": "team_leader", "title": "{number}"}]
    confirmed_rule = rule_create(
        actor=personas["admin"],
        name="Became confirmed",
        trigger=RuleTrigger.EVENT,
        target_model="sales.order",
        event_verb="order.confirmed",
        conditions=[{**became, "value": "confirmed"}],
        actions=notify,
    )
    rule_create(
        actor=personas["admin"],
        name="Became on hold (not what a confirmation does)",
        trigger=RuleTrigger.EVENT,
        target_model="sales.order",
        event_verb="order.confirmed",
        conditions=[{**became, "value": "on_hold"}],
        actions=notify,
    )
    order = order_at(OrderStatus.CONFIRMED, personas)
    order_hold(order=order, actor=personas["rep1"], reason="等客户确认")
    Notification.objects.all().delete()

    # when
    handle_event(Event.objects.get(verb="order.confirmed"))

    # then: the rule on what the event did fired, the one matching only the record's status now did not
    notice = Notification.objects.get(kind="rule")
    assert (notice.recipient, notice.title) == (personas["manager1"], order.number)
    assert notice.dedupe_key.startswith(f"rule:{confirmed_rule.pk}:")
