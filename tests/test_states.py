"""The one transition guard every document's table goes through."""

import pytest

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.core.states import StateMachine
from gendan.crm.models import CONTRACT_STATES, MEETING_STATES, STAGE_STATES
from gendan.finance.models import INVOICE_STATES
from gendan.fulfillment.models import SHIPMENT_STATES
from gendan.sales.models import ORDER_STATES, QUOTATION_STATES, Order, OrderStatus
from tests.backbone import draft_order, stocked_products

pytestmark = pytest.mark.django_db

MACHINES = [
    ORDER_STATES,
    QUOTATION_STATES,
    SHIPMENT_STATES,
    INVOICE_STATES,
    CONTRACT_STATES,
    MEETING_STATES,
    STAGE_STATES,
]


@pytest.mark.parametrize("machine", MACHINES)
def test_every_table_names_only_values_of_its_field_and_covers_each_of_them(machine):
    for current, targets in machine.table.items():
        assert targets <= set(machine.table), (current, targets - set(machine.table))


def test_a_step_the_table_does_not_hold_is_refused_with_its_code_and_nothing_changes(personas):
    # given: a draft order
    order = draft_order(personas["rep1"], stocked_products()[1])
    before = Event.objects.count()

    # when
    with pytest.raises(ApplicationError) as refused:
        ORDER_STATES.move(order, OrderStatus.CLOSED, actor=personas["rep1"], verb="order.closed")

    # then
    assert refused.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert refused.value.extra == {"status": OrderStatus.DRAFT, "target": OrderStatus.CLOSED}
    assert str(refused.value.message) == "订单状态为“草稿”，不能变更为“已关闭”。"
    order.refresh_from_db()
    assert (order.status, order.version, Event.objects.count()) == (OrderStatus.DRAFT, 1, before)


def test_a_step_it_holds_saves_the_status_bumps_the_version_and_records_the_change(personas):
    order = draft_order(personas["rep1"], stocked_products()[1])

    old = ORDER_STATES.move(order, OrderStatus.CANCELLED, actor=personas["rep1"], verb="order.cancelled")

    stored = Order.objects.get(pk=order.pk)
    assert (old, stored.status, stored.version) == (OrderStatus.DRAFT, OrderStatus.CANCELLED, 2)
    event = Event.objects.latest("id")
    assert (event.verb, event.changes) == ("order.cancelled", {"status": ["draft", "cancelled"]})


def test_allows_answers_from_the_table():
    machine = StateMachine({"a": {"b"}, "b": set()}, refused="%(current)s → %(new)s")

    assert machine.allows("a", "b") and not machine.allows("b", "a") and not machine.allows("x", "a")
