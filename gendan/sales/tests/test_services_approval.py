"""A manager approves or rejects an order waiting for approval."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.models import ApprovalRequest
from gendan.sales.services import order_approve, order_reject, order_submit, order_update
from tests.backbone import draft_order, stocked_products
from tests.stages import order_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def pending_order(rep, products, quantities):
    """An order whose every line is 15% off, above a rep's 10%, so it waits for a manager."""
    order = draft_order(rep, products, quantities)
    lines = [
        {"product": p, "quantity": Decimal(q), "discount_percent": Decimal("15")}
        for p, q in zip(products, quantities, strict=True)
    ]
    order = order_update(order=order, actor=rep, lines=lines)
    order = order_submit(order=order, actor=rep)
    assert order.status == "pending_approval"
    return order


def test_approving_confirms_and_reserves_every_line(personas):
    # given
    rep, manager = personas["rep1"], personas["manager1"]
    _warehouse, products = stocked_products(2)
    order = pending_order(rep, products, ["3", "4"])

    # when
    order = order_approve(order=order, actor=manager, comment="大客户，同意")

    # then
    order.refresh_from_db()
    assert (order.status, order.version) == ("confirmed", 4)
    assert [ln.reserved_quantity for ln in order.lines.all()] == [Decimal("3"), Decimal("4")]
    assert list(StockLevel.objects.order_by("product__sku").values_list("reserved", flat=True)) == [
        Decimal("3"),
        Decimal("4"),
    ]
    approval = ApprovalRequest.objects.get()
    assert (approval.status, approval.decided_by, approval.comment) == ("approved", manager, "大客户，同意")
    assert approval.decided_at is not None
    events = list(Event.objects.filter(object_id=order.pk).order_by("id").values_list("verb", "actor", "data"))
    assert events[-2:] == [
        ("order.approved", manager.pk, {"comment": "大客户，同意", "level": 1}),
        ("order.confirmed", manager.pk, {"approved_by": manager.pk}),
    ]


def test_approving_without_enough_stock_for_one_line_reserves_nothing_for_any(personas):
    # given: the first line could be reserved, the second cannot
    rep, manager = personas["rep1"], personas["manager1"]
    _warehouse, (plenty,) = stocked_products(1, on_hand="10")
    _warehouse, (scarce,) = stocked_products(1, on_hand="2")
    order = pending_order(rep, [plenty, scarce], ["5", "3"])
    before = order_state(order)

    # when
    with pytest.raises(ApplicationError) as exc:
        order_approve(order=order, actor=manager)

    # then
    assert exc.value.code == ErrorCode.INSUFFICIENT_STOCK
    assert exc.value.extra == {"product": scarce.pk, "requested": "3.000", "available": "2.000"}
    assert order_state(order) == before
    assert before["status"] == "pending_approval" and before["approvals"] == ["pending"]
    assert StockLevel.objects.get(product=plenty).reserved == 0
    assert StockMove.objects.count() == 0


def test_rejecting_needs_a_comment(personas):
    _warehouse, products = stocked_products(1)
    order = pending_order(personas["rep1"], products, ["1"])
    before = order_state(order)

    for comment in ["", "   "]:
        with pytest.raises(ValidationError) as exc:
            order_reject(order=order, actor=personas["manager1"], comment=comment)
        assert exc.value.message_dict == {"comment": ["Say why the order is rejected."]}

    assert order_state(order) == before


def test_rejecting_sends_the_order_back_to_draft_and_it_can_be_fixed_and_resubmitted(personas):
    # given
    rep, manager = personas["rep1"], personas["manager1"]
    _warehouse, products = stocked_products(1)
    order = pending_order(rep, products, ["1"])

    # when
    order = order_reject(order=order, actor=manager, comment="折扣太高")

    # then
    order.refresh_from_db()
    assert (order.status, order.version) == ("draft", 4)
    approval = ApprovalRequest.objects.get()
    assert (approval.status, approval.decided_by, approval.comment) == ("rejected", manager, "折扣太高")
    event = Event.objects.filter(object_id=order.pk).latest("id")
    assert (event.verb, event.changes, event.data) == (
        "order.rejected",
        {"status": ["pending_approval", "draft"]},
        {"comment": "折扣太高"},
    )
    assert StockLevel.objects.get().reserved == 0

    # and when the rep brings the discount within his limit
    order = order_update(order=order, actor=rep, lines=[{"product": products[0], "quantity": 1}])
    order = order_submit(order=order, actor=rep)
    assert order.status == "confirmed"


# rep1 submitted it: refused as their own submission (test_own_approval).
@pytest.mark.parametrize("who", ["follower1", "warehouse1", "finance1"])
@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_only_managers_decide(personas, who, decide):
    _warehouse, products = stocked_products(1)
    order = pending_order(personas["rep1"], products, ["1"])
    before = order_state(order)
    service = order_approve if decide == "approve" else order_reject

    with pytest.raises(ApplicationError) as exc:
        service(order=order, actor=personas[who], comment="ok")

    # Not among the approvers the default rule's level names (whoever may approve)
    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"level": 1})
    assert order_state(order) == before


def test_an_executive_may_approve(personas):
    _warehouse, products = stocked_products(1)
    order = pending_order(personas["rep1"], products, ["1"])

    order = order_approve(order=order, actor=personas["boss1"])

    assert order.status == "confirmed"
