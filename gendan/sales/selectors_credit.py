"""What the order page shows of its customer's credit: the position with the order counted, and its overrides."""

from dataclasses import dataclass

from django.db.models import OuterRef
from django.utils import timezone

from .approval_rules import reason_text
from .credit import OVERRIDE_PERMISSION, CreditPosition, credit_position, overdue_hold, unpaid_deposit
from .models import (
    OPEN_STATUSES,
    ApprovalRequest,
    CreditOverride,
    CreditOverrideStatus,
    Order,
    OrderStatus,
    decidable_by,
)
from .selectors import approval_steps_of

# The orders that have yet to ship all their goods: the overdue hold is theirs to meet.
_BEFORE_SHIPPED = {
    OrderStatus.DRAFT,
    OrderStatus.PENDING_APPROVAL,
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.ON_HOLD,
}


@dataclass
class CreditCard:
    # None for a customer without a limit (on overdue hold, then).
    position: CreditPosition | None
    # The invoice long overdue that holds the customer's shipments (sales.credit.overdue_hold), if any.
    hold: dict | None
    # The order's deposit due and unpaid that holds its shipment (sales.credit.unpaid_deposit), if any.
    deposit: dict | None
    overrides: list[CreditOverride]
    # The override waiting for approval or in force, if any; with a pending one, its approval request.
    live: CreditOverride | None
    approval: ApprovalRequest | None
    may_request: bool
    may_withdraw: bool


def credit_card(order: Order, user) -> CreditCard | None:
    """The order page's credit card; None for an order closed or cancelled, or a customer without a limit, not on
    overdue hold, with no deposit of the order due unpaid.

    Two queries for a customer without a limit (whether an invoice of theirs is long overdue, whether the order's
    deposit is due unpaid), while the order has goods to ship; none after.
    """
    if order.status not in OPEN_STATUSES:
        return None
    before_shipped = order.status in _BEFORE_SHIPPED
    hold = overdue_hold(order.customer_id) if before_shipped else None
    deposit = unpaid_deposit(order.pk, timezone.localdate()) if before_shipped else None
    if not order.customer.credit_limit and hold is None and deposit is None:
        return None
    position = credit_position(order, credit_limit=order.customer.credit_limit)
    overrides = list(order.credit_overrides.select_related("requested_by", "decided_by"))
    live = next((o for o in overrides if o.status == CreditOverrideStatus.PENDING or o.is_in_force), None)
    approval = None
    if live is not None and live.status == CreditOverrideStatus.PENDING:
        approval = (
            ApprovalRequest.objects.filter(credit_override=live, status=ApprovalRequest.Status.PENDING)
            .annotate(decidable=decidable_by(user, request=OuterRef("pk")))
            .first()
        )
    if approval is not None:
        approval.reason_texts = [reason_text(reason) for reason in approval.reasons]
        approval.level_rows = approval_steps_of(approval)
        approval.own = approval.is_submitted_by(user)
        approval.mine = approval.decidable
    may_ask = user.has_perm(OVERRIDE_PERMISSION)
    return CreditCard(
        position=position,
        hold=hold,
        deposit=deposit,
        overrides=overrides,
        live=live,
        approval=approval,
        may_request=may_ask
        and live is None
        and (hold is not None or deposit is not None or (position is not None and position.is_over)),
        may_withdraw=may_ask and live is not None,
    )
