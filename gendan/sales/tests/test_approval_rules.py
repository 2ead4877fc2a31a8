"""Approval rules an administrator sets: conditions, levels decided by "any one of" or "all of", delegation."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gendan.accounts.models import User
from gendan.accounts.roles import Role
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.models import Event
from gendan.crm.models import Customer
from gendan.sales.approval_rules import reason_text
from gendan.sales.models import ApprovalRequest, ApprovalRule, ApprovalStep, Order, OrderStatus
from gendan.sales.selectors import decidable_orders, may_decide, order_allowed_actions
from gendan.sales.selectors_worklists import approval_inbox
from gendan.sales.services import order_approve, order_reject, order_submit, order_update
from gendan.sales.services_approvals import (
    approval_delegation_create,
    approval_delegation_end,
    approval_rule_create,
    approval_rule_delete,
    approval_rule_update,
)
from gendan.sales.services_credit import credit_override_approve, credit_override_request
from tests.backbone import draft_order, stocked_products

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

MANAGER_THEN_BOSS = [{"approvers": ["leader"], "mode": "any"}, {"approvers": ["role:executive"], "mode": "any"}]


def rule(admin, conditions, levels=MANAGER_THEN_BOSS, **kwargs):
    return approval_rule_create(
        actor=admin, name=kwargs.pop("name", "Big orders"), conditions=conditions, levels=levels, **kwargs
    )


def switch_off_the_shipped_rule(admin):
    shipped = ApprovalRule.objects.get(system_key="price_and_discount")
    approval_rule_update(rule=shipped, actor=admin, active=False)


def submitted(rep, quantity="1", unit_price=None, discount="0", customer=None):
    _warehouse, products = stocked_products(1, list_price=Decimal("100.00"), floor_price=Decimal("80.00"))
    order = draft_order(rep, products, customer=customer)
    line = {"product": products[0], "quantity": Decimal(quantity), "discount_percent": Decimal(discount)}
    if unit_price is not None:
        line["unit_price"] = Decimal(unit_price)
    order = order_update(order=order, actor=rep, lines=[line])
    return order_submit(order=order, actor=rep)


def test_a_company_that_touches_nothing_approves_as_before(personas):
    order = submitted(personas["rep1"], discount="15")

    approval = ApprovalRequest.objects.get(order=order)
    assert order.status == OrderStatus.PENDING_APPROVAL
    assert [reason["code"] for reason in approval.reasons] == ["discount_above_limit"]
    shipped = ApprovalRule.objects.get(system_key="price_and_discount")
    assert approval.levels == [{"rule": shipped.name, "approvers": ["approvers"], "mode": "any"}]
    # Whoever may approve and sees the order: the department's manager, the executive, the administrator.
    assert set(approval.steps.values_list("approver__username", flat=True)) == {"manager1", "boss1", "admin"}
    assert submitted(personas["rep1"]).status == OrderStatus.CONFIRMED


def test_two_levels_go_to_the_team_leader_then_the_department_head(personas):
    admin, rep, manager, boss = personas["admin"], personas["rep1"], personas["manager1"], personas["boss1"]
    rule(admin, [{"type": "total_above", "amount": "500"}])

    order = submitted(rep, quantity="10")  # 10 × 100 = 1,000 (before tax)

    approval = ApprovalRequest.objects.get(order=order)
    assert approval.reasons[0]["code"] == "total_above"
    assert (approval.level, len(approval.levels)) == (1, 2)
    assert may_decide(manager, order) and not may_decide(boss, order)
    assert list(decidable_orders(user=boss)) == []

    order = order_approve(order=order, actor=manager, comment="同意")

    assert order.status == OrderStatus.PENDING_APPROVAL
    approval.refresh_from_db()
    assert approval.level == 2
    assert not may_decide(manager, order) and may_decide(boss, order)
    assert [a.order for a in approval_inbox(user=boss)] == [order]
    assert list(approval_inbox(user=manager)) == []

    order = order_approve(order=order, actor=boss, comment="OK")

    assert order.status == OrderStatus.CONFIRMED
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("approved", boss)
    timeline = list(
        Event.objects.filter(verb__startswith="order.approv").order_by("id").values_list("verb", "actor", "data")
    )
    assert timeline == [
        ("order.approval_advanced", manager.pk, {"comment": "同意", "level": 1, "levels": 2}),
        ("order.approved", boss.pk, {"comment": "OK", "level": 2}),
    ]


def test_all_of_them_waits_for_every_approver_and_any_one_refusal_rejects(personas):
    admin, rep = personas["admin"], personas["rep1"]
    both = [{"approvers": [f"user:{personas['manager1'].pk}", f"user:{personas['finance1'].pk}"], "mode": "all"}]
    rule(admin, [{"type": "total_above", "amount": "500"}], levels=both)

    order = submitted(rep, quantity="10")
    order = order_approve(order=order, actor=personas["finance1"])  # named, though finance may not approve

    assert order.status == OrderStatus.PENDING_APPROVAL
    assert may_decide(personas["manager1"], order) and not may_decide(personas["finance1"], order)
    order = order_approve(order=order, actor=personas["manager1"])
    assert order.status == OrderStatus.CONFIRMED

    second = submitted(rep, quantity="10")
    order_approve(order=second, actor=personas["manager1"])
    second = order_reject(order=second, actor=personas["finance1"], comment="信用额度不够")

    assert second.status == OrderStatus.DRAFT
    assert ApprovalRequest.objects.get(order=second).status == "rejected"


def test_people_outside_the_level_cannot_decide_even_with_the_approvers_permission(personas):
    rule(personas["admin"], [{"type": "total_above", "amount": "500"}])
    order = submitted(personas["rep1"], quantity="10")

    with pytest.raises(ApplicationError) as exc:
        order_approve(order=order, actor=personas["boss1"])  # level 2's, not level 1's

    assert (exc.value.code, exc.value.extra) == (ErrorCode.PERMISSION_DENIED, {"level": 1})
    assert "approve" not in order_allowed_actions(order=order, user=personas["boss1"])
    assert ApprovalStep.objects.exclude(decision="").count() == 0


def test_all_conditions_must_hold_when_the_rule_says_so(personas):
    admin, rep = personas["admin"], personas["rep1"]
    switch_off_the_shipped_rule(admin)
    rule(
        admin,
        [{"type": "total_above", "amount": "500"}, {"type": "discount_above_limit"}],
        levels=[{"approvers": ["role:executive"], "mode": "any"}],
        match="all",
    )

    assert submitted(rep, quantity="10").status == OrderStatus.CONFIRMED
    assert submitted(rep, discount="15").status == OrderStatus.CONFIRMED
    order = submitted(rep, quantity="10", discount="15")
    assert order.status == OrderStatus.PENDING_APPROVAL
    assert [r["code"] for r in ApprovalRequest.objects.get(order=order).reasons] == [
        "total_above",
        "discount_above_limit",
    ]


def test_rules_that_both_apply_pass_each_ones_levels_once(personas):
    admin, rep = personas["admin"], personas["rep1"]
    rule(admin, [{"type": "total_above", "amount": "500"}], position=1)

    order = submitted(rep, quantity="10", discount="15")

    approval = ApprovalRequest.objects.get(order=order)
    assert [level["approvers"] for level in approval.levels] == [["approvers"], ["leader"], ["role:executive"]]


@pytest.mark.parametrize(
    ("condition", "customer_terms", "expected"),
    [
        ({"type": "new_customer", "orders_below": 1}, 30, "new_customer"),
        ({"type": "payment_terms_over", "days": 45}, 60, "payment_terms_over"),
        ({"type": "payment_terms_over", "days": 45}, 30, None),
    ],
)
def test_customer_conditions(personas, condition, customer_terms, expected):
    admin, rep = personas["admin"], personas["rep1"]
    rule(admin, [condition])
    order = draft_order(rep, stocked_products(1)[1])
    Customer.objects.filter(pk=order.customer_id).update(payment_terms_days=customer_terms)
    # The order's own terms count: the customer's when it was entered, unless agreed otherwise.
    Order.objects.filter(pk=order.pk).update(payment_terms_days=customer_terms)

    order = order_submit(order=order, actor=rep)

    if expected is None:
        assert order.status == OrderStatus.CONFIRMED
    else:
        (reason,) = ApprovalRequest.objects.get(order=order).reasons
        assert reason["code"] == expected
        assert "{" not in reason_text(reason) and str(reason) != reason_text(reason)


def test_the_credit_condition_of_an_order_rule_counts_under_an_override(personas):
    """Past the limit, submitting is refused (sales.credit); with an override in force, an order rule that asks
    about credit still asks its approvers."""
    admin, rep, manager = personas["admin"], personas["rep1"], personas["manager1"]
    first = submitted(rep)
    rule(admin, [{"type": "new_customer", "orders_below": 1}], name="New")
    rule(admin, [{"type": "credit_exceeded"}], name="Credit")
    customer = first.customer
    Customer.objects.filter(pk=customer.pk).update(credit_limit=first.total * 2 + Decimal("0.01"))

    second = submitted(rep, customer=customer)
    assert second.status == OrderStatus.CONFIRMED  # one earlier order (not new), and 2 × total fits the limit
    with pytest.raises(ApplicationError) as refused:
        submitted(rep, customer=customer)
    assert refused.value.code == ErrorCode.CREDIT_LIMIT_EXCEEDED
    third = Order.objects.filter(customer=customer, status=OrderStatus.DRAFT).get()
    override = credit_override_request(order=third, actor=rep, reason="a customer of twenty years")
    credit_override_approve(override=override, actor=manager)

    third = order_submit(order=third, actor=rep)
    (reason,) = ApprovalRequest.objects.get(order=third, credit_override=None).reasons
    assert reason == {
        "code": "credit_exceeded",
        "exposure": str(first.total * 3),
        "credit_limit": str(first.total * 2 + Decimal("0.01")),
    }
    assert "{" not in reason_text(reason)


def test_a_delegate_decides_in_the_absent_approvers_place_while_the_delegation_lasts(personas):
    admin, rep, manager, boss = personas["admin"], personas["rep1"], personas["manager1"], personas["boss1"]
    follower = personas["follower1"]  # sees the team's orders
    rule(admin, [{"type": "total_above", "amount": "500"}], levels=[{"approvers": ["leader"], "mode": "any"}])
    order = submitted(rep, quantity="10")
    today = timezone.localdate()
    assert not may_decide(follower, order)

    delegation = approval_delegation_create(
        actor=manager, delegate=follower, starts_on=today, ends_on=today + datetime.timedelta(days=3)
    )

    assert may_decide(follower, order)
    assert [a.order for a in approval_inbox(user=follower)] == [order]
    approval_delegation_end(delegation=delegation, actor=manager)
    assert not may_decide(follower, order)

    approval_delegation_create(actor=manager, delegate=boss, starts_on=today, ends_on=today)
    order = order_approve(order=order, actor=boss, comment="代批")

    step = ApprovalStep.objects.get(request__order=order)
    assert (step.approver, step.decided_by, step.decision, step.comment) == (manager, boss, "approved", "代批")
    assert order.status == OrderStatus.CONFIRMED


def test_nobody_decides_their_own_submission_even_as_a_delegate(personas):
    admin, rep, manager = personas["admin"], personas["rep1"], personas["manager1"]
    rule(admin, [{"type": "total_above", "amount": "500"}], levels=[{"approvers": ["leader"], "mode": "any"}])
    today = timezone.localdate()
    approval_delegation_create(actor=manager, delegate=rep, starts_on=today, ends_on=today)
    order = submitted(rep, quantity="10")

    assert not may_decide(rep, order)
    with pytest.raises(ApplicationError) as exc:
        order_approve(order=order, actor=rep)
    assert exc.value.code == ErrorCode.OWN_SUBMISSION


def test_a_level_whose_people_are_gone_falls_to_whoever_may_approve(personas):
    admin, rep = personas["admin"], personas["rep1"]
    gone = User.objects.create_user(username="gone", password="x", role=Role.SALES_MANAGER)
    rule(admin, [{"type": "total_above", "amount": "500"}], levels=[{"approvers": [f"user:{gone.pk}"], "mode": "any"}])
    gone.is_active = False
    gone.save()

    order = submitted(rep, quantity="10")

    approval = ApprovalRequest.objects.get(order=order)
    assert set(approval.steps.values_list("approver__username", flat=True)) == {"manager1", "boss1", "admin"}


def test_a_rule_edited_later_leaves_a_request_under_way_as_it_was(personas):
    admin, rep = personas["admin"], personas["rep1"]
    big = rule(admin, [{"type": "total_above", "amount": "500"}])
    order = submitted(rep, quantity="10")

    approval_rule_update(rule=big, actor=admin, levels=[{"approvers": ["role:executive"], "mode": "any"}])

    assert may_decide(personas["manager1"], order)
    assert len(ApprovalRequest.objects.get(order=order).levels) == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": " "}, "name"),
        ({"conditions": []}, "conditions"),
        ({"conditions": [{"type": "moon_phase"}]}, "conditions"),
        ({"conditions": [{"type": ["total_above"]}]}, "conditions"),
        ({"conditions": [{"type": "total_above"}]}, "conditions"),
        ({"conditions": [{"type": "total_above", "amount": "-1"}]}, "conditions"),
        ({"conditions": [{"type": "new_customer", "orders_below": "1.5"}]}, "conditions"),
        ({"levels": []}, "levels"),
        ({"levels": [{"approvers": [], "mode": "any"}]}, "levels"),
        ({"levels": [{"approvers": ["role:astronaut"], "mode": "any"}]}, "levels"),
        ({"levels": [{"approvers": ["user:999999"], "mode": "any"}]}, "levels"),
        ({"levels": [{"approvers": ["leader"], "mode": "most"}]}, "levels"),
        ({"applies_to": "invoice"}, "applies_to"),
    ],
)
def test_a_bad_rule_is_refused_field_by_field_and_nothing_is_saved(personas, data, field):
    fields = {"name": "Big", "conditions": [{"type": "total_above", "amount": "1"}], "levels": MANAGER_THEN_BOSS}

    with pytest.raises(ValidationError) as exc:
        approval_rule_create(actor=personas["admin"], **{**fields, **data})

    assert list(exc.value.message_dict) == [field]
    assert not ApprovalRule.objects.filter(system_key="").exists()


def test_only_administrators_set_rules_and_the_shipped_rule_is_switched_off_not_deleted(personas):
    admin = personas["admin"]
    with pytest.raises(ApplicationError) as exc:
        rule(personas["manager1"], [{"type": "total_above", "amount": "1"}])
    assert exc.value.code == ErrorCode.PERMISSION_DENIED

    shipped = ApprovalRule.objects.get(system_key="price_and_discount")
    with pytest.raises(ApplicationError):
        approval_rule_delete(rule=shipped, actor=admin)
    with pytest.raises(ApplicationError) as exc:
        approval_rule_update(rule=shipped, actor=admin, version=shipped.version + 1, active=False)
    assert exc.value.code == ErrorCode.STALE_VERSION

    approval_rule_update(rule=shipped, actor=admin, version=shipped.version, active=False)
    assert submitted(personas["rep1"], discount="15").status == OrderStatus.CONFIRMED
    assert list(Event.objects.filter(verb="approval_rule.updated").values_list("changes", flat=True)) == [
        {"active": [True, False]}
    ]


def test_a_delegation_needs_someone_else_and_dates_in_order(personas):
    today = timezone.localdate()
    manager = personas["manager1"]
    with pytest.raises(ValidationError) as exc:
        approval_delegation_create(actor=manager, delegate=manager, starts_on=today, ends_on=today)
    assert list(exc.value.message_dict) == ["delegate"]
    with pytest.raises(ValidationError) as exc:
        approval_delegation_create(
            actor=manager, delegate=personas["boss1"], starts_on=today, ends_on=today - datetime.timedelta(days=1)
        )
    assert list(exc.value.message_dict) == ["ends_on"]
    with pytest.raises(ApplicationError):
        approval_delegation_create(
            actor=personas["rep1"], delegator=manager, delegate=personas["rep1"], starts_on=today, ends_on=today
        )
