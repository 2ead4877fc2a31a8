"""What the order page shows of its customer's credit: the position with the order counted, and its overrides."""

from dataclasses import dataclass

from django.db.models import OuterRef

from .approval_rules import reason_text
from .credit import OVERRIDE_PERMISSION, CreditPosition, credit_position
from .models import OPEN_STATUSES, ApprovalRequest, CreditOverride, CreditOverrideStatus, Order, decidable_by
from .selectors import approval_steps_of


@dataclass
class CreditCard:
    position: CreditPosition
    overrides: list[CreditOverride]
    # The override waiting for approval or in force, if any; with a pending one, its approval request.
    live: CreditOverride | None
    approval: ApprovalRequest | None
    may_request: bool
    may_withdraw: bool


def credit_card(order: Order, user) -> CreditCard | None:
    """The order page's credit card; None for a customer without a limit, or an order closed or cancelled.

    Costs nothing for a customer without a limit (the customer comes joined to the order).
    """
    if not order.customer.credit_limit or order.status not in OPEN_STATUSES:
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
        overrides=overrides,
        live=live,
        approval=approval,
        may_request=may_ask and live is None and position.is_over,
        may_withdraw=may_ask and live is not None,
    )
