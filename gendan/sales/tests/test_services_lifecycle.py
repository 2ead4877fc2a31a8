"""The order's transition table: every action from every status, allowed and refused; cancel, hold, resume."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.fulfillment.models import Shipment
from gendan.fulfillment.services import shipment_create, shipment_ship
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.models import ACTIONS, TRANSITIONS, OrderStatus
from gendan.sales.services import (
    order_approve,
    order_cancel,
    order_hold,
    order_reject,
    order_resume,
    order_submit,
)
from tests.backbone import COURIER
from tests.stages import order_at, order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SERVICES = {
    "submit": lambda order, actor: order_submit(order=order, actor=actor),
    "approve": lambda order, actor: order_approve(order=order, actor=actor, comment="同意"),
    "reject": lambda order, actor: order_reject(order=order, actor=actor, comment="价格不对"),
    "hold": lambda order, actor: order_hold(order=order, actor=actor, reason="客户要求暂停"),
    "resume": lambda order, actor: order_resume(order=order, actor=actor),
    "cancel": lambda order, actor: order_cancel(order=order, actor=actor, reason="客户取消"),
}
# What each allowed action leads to (on_hold resumes to where it was held: confirmed here).
ALLOWED = {
    ("submit", "draft"): "confirmed",
    ("approve", "pending_approval"): "confirmed",
    ("reject", "pending_approval"): "draft",
    ("hold", "confirmed"): "on_hold",
    ("hold", "partially_shipped"): "on_hold",
    ("resume", "on_hold"): "confirmed",
    ("cancel", "draft"): "cancelled",
    ("cancel", "pending_approval"): "cancelled",
    ("cancel", "confirmed"): "cancelled",
    ("cancel", "on_hold"): "cancelled",
}
REFUSED = [(action, status) for action in ACTIONS for status in OrderStatus.values if (action, status) not in ALLOWED]


def test_the_action_table_matches_the_transition_table():
    assert {(a, s) for a, (froms, _perm) in ACTIONS.items() for s in froms} == set(ALLOWED)
    for (_action, status), target in ALLOWED.items():
        assert target in TRANSITIONS[status]


@pytest.mark.parametrize(("action", "status"), sorted(ALLOWED))
def test_every_allowed_action_moves_the_order_and_records_it(personas, action, status):
    order = order_at(status, personas)
    before = order_state(order)

    order = SERVICES[action](order, personas["admin"])

    order.refresh_from_db()
    assert order.status == ALLOWED[(action, status)]
    assert order.version > before["version"]
    last = Event.objects.filter(object_id=order.pk, verb__startswith="order.").latest("id")
    assert last.changes == {"status": [status, order.status]}
    assert last.actor == personas["admin"]


@pytest.mark.parametrize(("action", "status"), REFUSED)
def test_every_action_not_in_the_table_is_refused_and_changes_nothing(personas, action, status):
    # given: admin holds every permission, so only the status can refuse
    order = order_at(status, personas)
    before = order_state(order)

    # when
    with pytest.raises(ApplicationError) as exc:
        SERVICES[action](order, personas["admin"])

    # then
    assert (exc.value.code, exc.value.extra) == (
        ErrorCode.TRANSITION_NOT_ALLOWED,
        {"action": action, "status": status},
    )
    assert order_state(order) == before


def test_cancelling_a_confirmed_order_releases_its_stock_and_drops_pending_shipments(personas):
    # given
    rep = personas["rep1"]
    order = order_at("confirmed", personas, quantity="5")
    shipment = shipment_create(order=order, actor=personas["warehouse1"])
    moves_before = StockMove.objects.count()

    # when
    order = order_cancel(order=order, actor=rep, reason="  客户取消  ")

    # then
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "客户取消")
    assert order.lines.get().reserved_quantity == 0
    level = StockLevel.objects.get()
    assert (level.on_hand, level.reserved) == (Decimal("100"), Decimal("0"))
    release = StockMove.objects.latest("id")
    assert StockMove.objects.count() == moves_before + 1
    assert (release.kind, release.quantity, release.actor) == ("release", Decimal("-5"), rep)
    assert Shipment.objects.get(pk=shipment.pk).status == "cancelled"
    event = Event.objects.filter(verb="order.cancelled").get()
    assert (event.changes, event.data) == ({"status": ["confirmed", "cancelled"]}, {"reason": "客户取消"})


def test_cancelling_an_order_waiting_for_approval_closes_its_request(personas):
    order = order_at("pending_approval", personas)

    order_cancel(order=order, actor=personas["rep1"], reason="客户取消")

    approval = order.approvals.get()
    assert (approval.status, approval.decided_by, approval.comment) == ("rejected", personas["rep1"], "客户取消")


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_needs_a_reason(personas, reason):
    order = order_at("confirmed", personas)
    before = order_state(order)

    with pytest.raises(ValidationError) as exc:
        order_cancel(order=order, actor=personas["rep1"], reason=reason)

    assert exc.value.message_dict == {"reason": ["Give a reason."]}
    assert order_state(order) == before


def test_an_order_held_after_something_shipped_cannot_be_cancelled(personas):
    # given: on hold after a partial shipment, a status from which cancel is in the table
    order = order_at("partially_shipped", personas)
    order = order_hold(order=order, actor=personas["rep1"], reason="客户对账")
    before = order_state(order)

    # when
    with pytest.raises(ApplicationError) as exc:
        order_cancel(order=order, actor=personas["admin"], reason="客户取消")

    # then
    assert (exc.value.code, exc.value.extra) == (ErrorCode.TRANSITION_NOT_ALLOWED, {"status": "on_hold"})
    assert "already shipped" in exc.value.message
    assert order_state(order) == before


def test_hold_and_resume_return_the_order_to_where_it_was(personas):
    # given
    finance = personas["finance1"]
    order = order_at("partially_shipped", personas)

    # when
    held = order_hold(order=order, actor=finance, reason="  欠款未付  ")

    # then
    held.refresh_from_db()
    assert (held.status, held.hold_reason, held.status_before_hold) == ("on_hold", "欠款未付", "partially_shipped")

    resumed = order_resume(order=order, actor=finance)
    resumed.refresh_from_db()
    assert (resumed.status, resumed.hold_reason, resumed.status_before_hold) == ("partially_shipped", "", "")
    verbs = list(
        Event.objects.filter(verb__in=["order.held", "order.resumed"]).order_by("id").values_list("verb", "changes")
    )
    assert verbs == [
        ("order.held", {"status": ["partially_shipped", "on_hold"]}),
        ("order.resumed", {"status": ["on_hold", "partially_shipped"]}),
    ]


def test_holding_needs_a_reason(personas):
    order = order_at("confirmed", personas)
    before = order_state(order)

    with pytest.raises(ValidationError) as exc:
        order_hold(order=order, actor=personas["rep1"], reason=" ")

    assert exc.value.message_dict == {"reason": ["Give a reason."]}
    assert order_state(order) == before


def test_nothing_ships_while_the_order_is_on_hold(personas):
    # given: a shipment prepared before the hold
    clerk = personas["warehouse1"]
    order = order_at("confirmed", personas)
    shipment = shipment_create(order=order, actor=clerk)
    order_hold(order=order, actor=personas["rep1"], reason="客户要求暂停")
    before = order_state(order)

    # when / then: neither shipping the prepared shipment nor preparing another
    with pytest.raises(ApplicationError) as exc:
        shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    assert (exc.value.code, exc.value.extra) == (ErrorCode.TRANSITION_NOT_ALLOWED, {"status": "on_hold"})
    with pytest.raises(ApplicationError) as exc:
        shipment_create(order=order, actor=clerk)
    assert exc.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert order_state(order) == before

    # and once resumed, it ships
    order_resume(order=order, actor=personas["rep1"])
    shipment_ship(shipment=shipment, actor=clerk, **COURIER)
    assert Shipment.objects.get(pk=shipment.pk).status == "shipped"


@pytest.mark.parametrize(
    ("action", "status", "who", "perm"),
    [
        ("cancel", "confirmed", "warehouse1", "sales.cancel_order"),
        ("cancel", "confirmed", "finance1", "sales.cancel_order"),
        ("hold", "confirmed", "warehouse1", "sales.hold_order"),
        ("resume", "on_hold", "logistics1", "sales.hold_order"),
        ("submit", "draft", "warehouse1", "sales.submit_order"),
    ],
)
def test_roles_without_the_right_are_refused(personas, action, status, who, perm):
    order = order_at(status, personas)
    before = order_state(order)

    with pytest.raises(ApplicationError) as exc:
        SERVICES[action](order, personas[who])

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"permission": perm})
    assert order_state(order) == before


def test_the_orders_timeline_tells_the_whole_story_with_who_did_each_step(personas):
    order = order_at("closed", personas)

    timeline = list(Event.objects.for_object(order).order_by("id").values_list("verb", "actor__username"))

    assert timeline == [
        ("order.created", "rep1"),
        ("order.submitted", "rep1"),
        ("order.confirmed", "rep1"),
        ("shipment.created", "warehouse1"),
        ("shipment.shipped", "warehouse1"),
        ("order.shipped", "warehouse1"),
        ("shipment.delivered", "warehouse1"),
        ("order.delivered", "warehouse1"),
        ("invoice.created", "finance1"),
        ("invoice.issued", "finance1"),
        ("invoice.paid", "finance1"),
        ("payment.allocated", "finance1"),
        ("order.paid", "finance1"),
        ("order.closed", "finance1"),
    ]
