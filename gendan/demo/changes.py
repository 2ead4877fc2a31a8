"""Demo changes to confirmed orders (变更单): a two-level rule, one change applied, one waiting for approval.

Called by gendan.demo.company.DemoBuilder once the orders are replayed. Through the services, as
people would: the rule an administrator set (a raised quantity or a moved promised date goes to the
team leader, then the department head), a change of rep2's that both approved, so the order has a
revision 2 to compare with 1, and a change of rep1's waiting for the team leader.
"""

import datetime
from decimal import Decimal

from gendan.sales.models import Order, OrderStatus
from gendan.sales.services_approvals import approval_rule_create
from gendan.sales.services_changes import change_request_approve, change_request_create, change_request_submit

from .clock import at

RULE = {
    "name": "数量增加或交期变更：组长、部门负责人两级审批",
    "applies_to": "order_change",
    "conditions": [{"type": "quantity_raised"}, {"type": "date_moved"}],
    "match": "any",
    "levels": [{"approvers": ["leader"], "mode": "any"}, {"approvers": ["head"], "mode": "any"}],
}


def add_demo_changes(builder) -> int:
    """The rule and two changes; returns how many changes were made."""
    users = builder.users
    with at(builder.now - datetime.timedelta(days=3)):
        approval_rule_create(actor=users["admin"], **RULE)
    made = 0
    for username, decide in (("rep2", True), ("rep1", False)):
        order = _changeable_order(builder, username)
        if order is None:
            continue
        lines = list(order.lines.select_related("product").order_by("position"))
        moment = builder.now - datetime.timedelta(days=2 if decide else 1, hours=3)
        with at(moment):
            change = change_request_create(
                order=order,
                actor=order.owner,
                reason="客户追加数量，交期顺延三天" if decide else "客户电话要求加量",
                lines=[
                    {"line": line.pk, "quantity": line.quantity + (Decimal("5") if index == 0 else 0)}
                    for index, line in enumerate(lines)
                ],
                promised_date=(order.promised_date or moment.date()) + datetime.timedelta(days=3),
            )
            change_request_submit(change=change, actor=order.owner)
        made += 1
        if decide:
            with at(moment + datetime.timedelta(hours=2)):
                change_request_approve(change=change, actor=users["manager1"], comment="同意，库存充足。")
            with at(moment + datetime.timedelta(hours=5)):
                change_request_approve(change=change, actor=users["boss1"], comment="同意。")
    return made


def _changeable_order(builder, username):
    """The newest confirmed order of the rep's with nothing shipped yet."""
    return (
        Order.objects.filter(owner=builder.users[username], status=OrderStatus.CONFIRMED, delivery_status="not_shipped")
        .order_by("-created_at")
        .first()
    )
