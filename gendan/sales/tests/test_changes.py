"""Changes to a confirmed order: impact, approval, apply with exact reservations, freeze, stale and rebase."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.inventory.models import StockLevel, StockMove
from gendan.sales.changes import compare_revisions, revisions_of
from gendan.sales.models import ApprovalRequest, ApprovalRule, ChangeStatus, OrderLine, OrderStatus
from gendan.sales.services import order_submit
from gendan.sales.services_approvals import approval_rule_create, approval_rule_update
from gendan.sales.services_changes import (
    change_request_approve,
    change_request_cancel,
    change_request_create,
    change_request_rebase,
    change_request_reject,
    change_request_submit,
    change_request_update,
)
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = Decimal


def confirmed(rep, quantities=("10", "5"), on_hand="100", **kwargs):
    warehouse, products = stocked_products(len(quantities), on_hand=on_hand)
    order = order_submit(order=draft_order(rep, products, list(quantities), **kwargs), actor=rep)
    assert order.status == OrderStatus.CONFIRMED
    return order, products, list(order.lines.order_by("position"))


def rows(lines, **changes):
    """The order's lines as change rows, with {position: quantity} changes."""
    return [
        {"line": line.pk, "quantity": D(changes.get(f"q{line.position}", line.quantity))}
        for line in lines
        if f"q{line.position}" not in changes or changes[f"q{line.position}"] is not None
    ]


def level(product):
    return StockLevel.objects.get(product=product)


def test_a_draft_change_shows_its_impact_and_changes_nothing(personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep)
    promised = timezone.localdate() + datetime.timedelta(days=20)

    change = change_request_create(
        order=order, actor=rep, reason="Customer wants more", lines=rows(lines, q1="15", q2="2"), promised_date=promised
    )

    assert change.status == ChangeStatus.DRAFT
    impact = change.impact
    assert D(impact["total_before"]) == order.total
    stock = {row["product"]: row for row in impact["stock"]}
    assert D(stock[products[0].pk]["reserve"]) == 5 and D(stock[products[0].pk]["release"]) == 0
    assert D(stock[products[1].pk]["release"]) == 3
    assert D(stock[products[0].pk]["available"]) == 90
    assert impact["dates"] == [{"field": "promised_date", "before": None, "after": promised.isoformat()}]
    assert impact["problems"] == []
    assert level(products[0]).reserved == 10
    assert [line.quantity for line in OrderLine.objects.filter(order=order).order_by("position")] == [10, 5]


def test_a_change_no_rule_asks_about_applies_at_once_with_exact_reservations(personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep)
    change = change_request_create(order=order, actor=rep, reason="More of one", lines=rows(lines, q1="15", q2="2"))

    change = change_request_submit(change=change, actor=rep)

    assert change.status == ChangeStatus.APPLIED and change.revision == 2
    order.refresh_from_db()
    assert order.revision == 2
    assert [(ln.quantity, ln.reserved_quantity) for ln in order.lines.order_by("position")] == [(15, 15), (2, 2)]
    assert level(products[0]).reserved == 15 and level(products[1]).reserved == 2
    moves = StockMove.objects.filter(order_line__order=order).exclude(kind="reservation", quantity__gt=5)
    assert {(m.kind, m.quantity) for m in moves if m.quantity in (5, -3)} == {("reservation", 5), ("release", -3)}
    assert [r.number for r in revisions_of(order)] == [1, 2]
    comparison = compare_revisions(*revisions_of(order))
    changed = {row["sku"]: row["fields"]["quantity"] for row in comparison.lines}
    assert changed[products[0].sku] == {"before": "10.000", "after": "15.000", "changed": True}
    assert Event.objects.filter(verb="order.change_applied", object_id=order.pk).exists()


def test_a_change_that_would_oversell_is_refused_with_nothing_changed(personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep, on_hand="20")
    change = change_request_create(order=order, actor=rep, reason="Far more", lines=rows(lines, q1="25"))
    assert change.impact["problems"][0]["code"] == "insufficient_stock"

    with pytest.raises(ApplicationError) as refused:
        change_request_submit(change=change, actor=rep)

    assert refused.value.code == ErrorCode.INSUFFICIENT_STOCK
    change.refresh_from_db()
    order.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT and order.revision == 1
    assert level(products[0]).reserved == 10


def test_two_changes_one_applies_the_other_goes_stale_and_rebases(personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep)
    first = change_request_create(order=order, actor=rep, reason="A", lines=rows(lines, q1="12"))
    second = change_request_create(order=order, actor=rep, reason="B", lines=rows(lines, q2="7"))

    change_request_submit(change=first, actor=rep)
    with pytest.raises(ApplicationError) as refused:
        change_request_submit(change=second, actor=rep)
    assert refused.value.code == ErrorCode.STALE_CHANGE

    second = change_request_rebase(change=second, actor=rep)
    assert second.status == ChangeStatus.DRAFT and second.base_revision == 2
    change_request_submit(change=second, actor=rep)
    order.refresh_from_db()
    assert order.revision == 3
    # Each change's own edit stands: the rebase does not undo the change applied in between.
    assert [ln.quantity for ln in order.lines.order_by("position")] == [12, 7]
    assert [line.reserved_quantity for line in order.lines.order_by("position")] == [12, 7]


def test_a_line_cannot_go_below_what_has_shipped(personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep)
    OrderLine.objects.filter(pk=lines[0].pk).update(shipped_quantity=D("8"), reserved_quantity=D("2"))

    change = change_request_create(order=order, actor=rep, reason="Less", lines=rows(lines, q1="6"))

    assert change.impact["problems"][0]["code"] == "below_shipped"
    with pytest.raises(ApplicationError) as refused:
        change_request_submit(change=change, actor=rep)
    assert refused.value.code == ErrorCode.BELOW_SHIPPED


def test_a_removed_line_is_released_and_kept_at_zero(personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep)
    change = change_request_create(order=order, actor=rep, reason="Drop line 2", lines=rows(lines, q2=None))

    change_request_submit(change=change, actor=rep)

    removed = OrderLine.objects.get(pk=lines[1].pk)
    assert removed.quantity == 0 and removed.reserved_quantity == 0 and removed.amount == 0
    assert level(products[1]).reserved == 0
    order.refresh_from_db()
    assert order.total == lines[0].amount * (1 + order.tax_rate / 100)


def test_two_levels_then_applied_and_rejection_changes_nothing(personas):
    rep, admin = personas["rep1"], personas["admin"]
    approval_rule_create(
        actor=admin,
        name="Raised quantities",
        applies_to="order_change",
        conditions=[{"type": "quantity_raised"}],
        levels=[{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}],
    )
    order, products, lines = confirmed(rep)
    change = change_request_submit(
        change=change_request_create(order=order, actor=rep, reason="More", lines=rows(lines, q1="12")), actor=rep
    )
    assert change.status == ChangeStatus.PENDING_APPROVAL
    approval = ApprovalRequest.objects.get(change_request=change)
    assert approval.reasons[0]["code"] == "quantity_raised"

    change = change_request_approve(change=change, actor=personas["manager1"])
    assert change.status == ChangeStatus.PENDING_APPROVAL
    change = change_request_approve(change=change, actor=personas["boss1"], comment="ok")
    assert change.status == ChangeStatus.APPLIED
    assert level(products[0]).reserved == 12

    other = change_request_submit(
        change=change_request_create(order=order, actor=rep, reason="Even more", lines=rows(lines, q1="20")), actor=rep
    )
    with pytest.raises(ValidationError):
        change_request_reject(change=other, actor=personas["manager1"], comment="")
    other = change_request_reject(change=other, actor=personas["manager1"], comment="Too many")
    assert other.status == ChangeStatus.REJECTED
    assert level(products[0]).reserved == 12


def test_the_freeze_refuses_a_change_close_to_the_promised_date(personas):
    rep, admin = personas["rep1"], personas["admin"]
    freeze = ApprovalRule.objects.get(system_key="change_freeze")
    approval_rule_update(rule=freeze, actor=admin, active=True)
    order, products, lines = confirmed(rep, promised_date=timezone.localdate() + datetime.timedelta(days=1))
    change = change_request_create(order=order, actor=rep, reason="Late change", lines=rows(lines, q1="11"))

    with pytest.raises(ApplicationError) as refused:
        change_request_submit(change=change, actor=rep)

    assert refused.value.code == ErrorCode.REFUSED_BY_RULE
    change.refresh_from_db()
    assert change.status == ChangeStatus.DRAFT


def test_cancel_and_edit_a_draft(personas):
    rep = personas["rep1"]
    order, products, lines = confirmed(rep)
    change = change_request_create(order=order, actor=rep, reason="A", lines=rows(lines, q1="12"))
    change = change_request_update(change=change, actor=rep, version=change.version, lines=rows(lines, q1="13"))
    assert change.lines[0]["quantity"] == "13.000"
    change = change_request_cancel(change=change, actor=rep)
    assert change.status == ChangeStatus.CANCELLED
