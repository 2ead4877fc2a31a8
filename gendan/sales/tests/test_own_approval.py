"""Nobody decides their own submission: another approver approves or rejects it, whatever the submitter's role."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gendan.core.errors import ApplicationError, ErrorCode
from gendan.sales.models import ApprovalRequest, OrderStatus
from gendan.sales.selectors import decidable_orders, may_decide, order_allowed_actions
from gendan.sales.services import order_approve, order_reject, order_submit, order_update
from tests.api_client import api_as
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def submitted_by(submitter):
    """An order its submitter sent for approval: 50% off, below the floor price and above a manager's limit."""
    _warehouse, products = stocked_products(1)
    order = draft_order(submitter, products)
    order = order_update(
        order=order,
        actor=submitter,
        lines=[{"product": products[0], "quantity": Decimal("1"), "discount_percent": Decimal("50")}],
    )
    order = order_submit(order=order, actor=submitter)
    assert order.status == OrderStatus.PENDING_APPROVAL
    return order


def shown_actions(response) -> list[str]:
    return re.findall(r'data-action="(\w+)"', response.content.decode())


@pytest.mark.parametrize("submitter", ["manager1", "admin"])
@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_the_submitter_cannot_decide_their_own_approval(personas, submitter, decide):
    actor = personas[submitter]
    order = submitted_by(actor)

    with pytest.raises(ApplicationError) as refused:
        if decide == "approve":
            order_approve(order=order, actor=actor, comment="")
        else:
            order_reject(order=order, actor=actor, comment="价格太低")

    assert refused.value.code == ErrorCode.OWN_SUBMISSION
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL
    assert ApprovalRequest.objects.get().status == ApprovalRequest.Status.PENDING
    assert not may_decide(actor, order)


def test_another_approver_decides_a_managers_submission(personas):
    order = submitted_by(personas["manager1"])

    assert may_decide(personas["boss1"], order)
    order = order_approve(order=order, actor=personas["boss1"])

    assert order.status == OrderStatus.CONFIRMED
    assert ApprovalRequest.objects.get().decided_by == personas["boss1"]


def test_may_decide_needs_the_approvers_permission(personas):
    order = submitted_by(personas["manager1"])

    assert not may_decide(personas["rep1"], order)
    assert may_decide(personas["admin"], order)


def test_an_approvers_pending_orders_leave_out_their_own_submissions(personas):
    own = submitted_by(personas["manager1"])
    reps = submitted_by(personas["rep1"])

    assert list(decidable_orders(user=personas["manager1"])) == [reps]
    assert set(decidable_orders(user=personas["boss1"])) == {own, reps}
    assert list(decidable_orders(user=personas["rep1"])) == []


def test_the_order_page_hides_the_decision_from_the_submitter_and_says_who_decides(client, personas):
    manager = personas["manager1"]
    order = submitted_by(manager)
    client.force_login(manager)

    response = client.get(reverse("sales:order_detail", args=[order.pk]))

    assert shown_actions(response) == ["cancel"] == order_allowed_actions(order=order, user=manager)
    body = response.content.decode()
    assert "You submitted this order, so another approver decides it" in body
    # Who decides: the level's approvers by name, everyone who may approve but the submitter
    (level,) = re.findall(r'data-testid="approval-level".*?</li>', body, re.S)
    assert "Level 1 of 1" in level
    assert f"{personas['boss1']}" in level and f"{personas['admin']}" in level
    assert f"{manager}<" not in level

    client.force_login(personas["admin"])
    assert shown_actions(client.get(reverse("sales:order_detail", args=[order.pk]))) == ["approve", "reject", "cancel"]


def test_posting_ones_own_approval_from_the_page_is_refused_with_a_message(client, personas):
    manager = personas["manager1"]
    order = submitted_by(manager)
    client.force_login(manager)

    response = client.post(reverse("sales:order_action", args=[order.pk, "approve"]), {"comment": ""})

    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "You submitted this for approval; another approver decides it."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL


def test_the_api_refuses_ones_own_approval_with_its_code(personas):
    manager = personas["manager1"]
    order = submitted_by(manager)
    client = api_as(manager)

    seen = client.get(f"/api/v1/orders/{order.pk}/").json()
    approved = client.post(f"/api/v1/orders/{order.pk}/approve/", {"comment": ""}, format="json")
    rejected = client.post(f"/api/v1/orders/{order.pk}/reject/", {"comment": "不行"}, format="json")

    assert seen["allowed_actions"] == ["cancel"]
    assert (approved.status_code, approved.json()["code"]) == (409, "own_submission")
    assert (rejected.status_code, rejected.json()["code"]) == (409, "own_submission")
    assert api_as(personas["boss1"]).get(f"/api/v1/orders/{order.pk}/").json()["allowed_actions"] == [
        "approve",
        "reject",
    ]
