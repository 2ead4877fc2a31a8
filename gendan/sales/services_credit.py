"""Credit overrides: leave, for one order, to go past its customer's credit limit (sales.credit.credit_check).

Asked for with a reason and a number of days, decided through the approval rules for "credit_override" like
every other approval (levels, delegation, the inbox); with no rule that asks anyone, whoever may approve decides,
since leave to pass a limit is never granted without a decision. Approved, it holds for its days from the
approval, at every stage of that order and of no other. Each step is on the order's timeline.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.services import require_perm, required_text, text_problems

from .approval_rules import ApprovalFacts, ApprovalPlan
from .credit import (
    OVERRIDE_PERMISSION,
    CreditPosition,
    credit_position,
    customer_exposure,
    live_override,
    overdue_hold,
    unpaid_deposit,
)
from .models import OPEN_STATUSES, ApprovalRequest, ApprovalSubject, CreditOverride, CreditOverrideStatus, Order
from .services import lock_order, lock_order_with_lines
from .services_approvals import approval_decide, approval_open, approval_plan

REASON_MAX_LENGTH = 400
# When no rule asks anyone to decide an override.
FALLBACK_LEVELS = [{"rule": "", "approvers": ["approvers"], "mode": "any"}]


def _clean_request(reason: str, days) -> tuple[str, int]:
    errors = {}
    reason, problems = text_problems(
        reason, missing=_("Say why the customer should have more credit for this order."), max_length=REASON_MAX_LENGTH
    )
    if problems:
        errors["reason"] = problems
    if days in (None, ""):
        days = settings.CREDIT_OVERRIDE_DAYS
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= settings.CREDIT_OVERRIDE_MAX_DAYS:
        errors["days"] = [
            _("Ask for 1 to %(max)s days.") % {"max": settings.CREDIT_OVERRIDE_MAX_DAYS},
        ]
    if errors:
        raise ValidationError(errors)
    return reason, days


@events.batched
def credit_override_request(*, order: Order, actor, reason: str, days=None) -> CreditOverride:
    """Ask for leave to take `order` past its customer's credit limit for `days` once approved.

    Refused for an order that is closed or cancelled, for a customer within their limit with this order, and
    while another override of the order waits or is in force.
    """
    require_perm(actor, OVERRIDE_PERMISSION)
    reason, days = _clean_request(reason, days)
    order, lines = lock_order_with_lines(order, actor=actor, line_related=["product"])
    if order.status not in OPEN_STATUSES:
        raise ApplicationError(
            _("This order is %(status)s: there is nothing left to pass the credit limit for.")
            % {"status": order.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": order.status},
        )
    live = live_override(order)
    if live is not None:
        message = (
            _("A credit override of this order already waits for approval.")
            if live.status == CreditOverrideStatus.PENDING
            else _("This order has a credit override until %(until)s.")
            % {"until": timezone.localtime(live.valid_until).strftime("%Y-%m-%d %H:%M")}
        )
        raise ApplicationError(message, ErrorCode.TRANSITION_NOT_ALLOWED, {"credit_override": live.pk})
    position = credit_position(order)
    hold = overdue_hold(order.customer_id)
    deposit = unpaid_deposit(order.pk, timezone.localdate())
    over = position is not None and position.is_over
    if not over and hold is None and deposit is None:
        raise ApplicationError(
            _(
                "The customer stays within their credit limit with this order, has no invoice long overdue and no "
                "deposit of it is due unpaid: there is nothing to override."
            ),
            ErrorCode.NO_CHANGE,
            position.figures() if position is not None else {"credit_limit": "0.00"},
        )
    if position is None:
        # On overdue hold without a limit: what they would owe, against no limit.
        owed = order.total - order.amount_paid - order.amount_credited
        position = CreditPosition(Decimal("0"), customer_exposure(order.customer_id, excluding=order) + owed, owed)
    override = CreditOverride.objects.create(
        order=order,
        reason=reason,
        days=days,
        credit_limit=position.credit_limit,
        exposure=position.exposure,
        order_amount=position.order_amount,
        requested_by=actor,
    )
    facts = ApprovalFacts(record=order, lines=lines, submitter=actor, total=position.order_amount)
    plan = approval_plan(ApprovalSubject.CREDIT_OVERRIDE, facts)
    # The approver reads first what is asked: the limit passed, the invoice long overdue, with the figures.
    asked = []
    if over:
        asked.append(
            {"code": "credit_exceeded", "exposure": str(position.exposure), "credit_limit": str(position.credit_limit)}
        )
    if hold is not None:
        asked.append(
            {
                "code": "overdue_hold",
                "invoice": hold["invoice"],
                "days_overdue": hold["days_overdue"],
                "open_amount": str(hold["open_amount"]),
            }
        )
    if deposit is not None:
        asked.append(
            {
                "code": "deposit_unpaid",
                "instalment": deposit["instalment"],
                "due_date": deposit["due_date"].isoformat(),
                "open_amount": str(deposit["open_amount"]),
            }
        )
    reasons = [*asked, *(r for r in plan.reasons if r.get("code") not in {"credit_exceeded", "overdue_hold"})]
    request = approval_open(
        record=order,
        plan=ApprovalPlan(reasons, plan.levels or FALLBACK_LEVELS, []),
        actor=actor,
        credit_override=override,
    )
    events.record(
        actor,
        "order.credit_override_requested",
        order,
        data={
            "credit_override": override.pk,
            "reason": reason,
            "days": days,
            "approval_levels": len(request.levels),
            **position.figures(),
            "overdue_invoice": hold["invoice"] if hold else None,
        },
    )
    return override


def _lock_pending(override: CreditOverride, actor) -> tuple[Order, CreditOverride, ApprovalRequest]:
    """The order locked first (as every order service), then the override, which must still wait."""
    order = lock_order(Order(pk=override.order_id), actor=actor)
    override = CreditOverride.objects.select_for_update().get(pk=override.pk)
    if override.status != CreditOverrideStatus.PENDING:
        raise ApplicationError(
            _("This credit override is not waiting for approval; it is %(status)s.")
            % {"status": override.get_status_display()},
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": override.status},
        )
    override.order = order
    request = ApprovalRequest.objects.get(credit_override=override, status=ApprovalRequest.Status.PENDING)
    return order, override, request


@events.batched
def credit_override_approve(*, override: CreditOverride, actor, comment: str = "") -> CreditOverride:
    """Approve the current level; the last level puts the override in force for its days from now."""
    order, override, request = _lock_pending(override, actor)
    level = request.level
    if not approval_decide(request=request, actor=actor, approve=True, comment=comment):
        events.record(
            actor,
            "order.credit_override_advanced",
            order,
            data={"credit_override": override.pk, "comment": comment, "level": level, "levels": len(request.levels)},
        )
        return override
    now = timezone.now()
    override.status = CreditOverrideStatus.APPROVED
    override.decided_by = actor
    override.decided_at = now
    override.comment = comment
    override.valid_until = now + datetime.timedelta(days=override.days)
    override.save(update_fields=["status", "decided_by", "decided_at", "comment", "valid_until", "updated_at"])
    events.record(
        actor,
        "order.credit_override_approved",
        order,
        data={"credit_override": override.pk, "comment": comment, "valid_until": override.valid_until},
    )
    return override


@transaction.atomic
def credit_override_reject(*, override: CreditOverride, actor, comment: str) -> CreditOverride:
    order, override, request = _lock_pending(override, actor)
    comment = required_text(comment, field="comment", missing=_("Say why the credit override is rejected."))
    approval_decide(request=request, actor=actor, approve=False, comment=comment)
    override.status = CreditOverrideStatus.REJECTED
    override.decided_by = actor
    override.decided_at = timezone.now()
    override.comment = comment
    override.save(update_fields=["status", "decided_by", "decided_at", "comment", "updated_at"])
    events.record(
        actor, "order.credit_override_rejected", order, data={"credit_override": override.pk, "comment": comment}
    )
    return override


@transaction.atomic
def credit_override_withdraw_live(*, order: Order, actor) -> CreditOverride:
    """Withdraw the order's override that waits or is in force; refused when it has none."""
    live = live_override(order)
    if live is None:
        raise ApplicationError(
            _("This order has no credit override waiting or in force."), ErrorCode.TRANSITION_NOT_ALLOWED
        )
    return credit_override_withdraw(override=live, actor=actor)


@transaction.atomic
def credit_override_withdraw(*, override: CreditOverride, actor) -> CreditOverride:
    """Take back an override that waits or is in force: by whoever asked for it, or anyone who may ask for one
    and sees the order. In force, it ends now; the order meets the limit again at its next stage."""
    require_perm(actor, OVERRIDE_PERMISSION)
    order = lock_order(Order(pk=override.order_id), actor=actor)
    override = CreditOverride.objects.select_for_update().get(pk=override.pk)
    if not (override.status == CreditOverrideStatus.PENDING or override.is_in_force):
        raise ApplicationError(
            _("This credit override is no longer waiting or in force."),
            ErrorCode.TRANSITION_NOT_ALLOWED,
            {"status": override.status},
        )
    now = timezone.now()
    was = override.status
    if was == CreditOverrideStatus.PENDING:
        override.approvals.filter(status=ApprovalRequest.Status.PENDING).update(
            status=ApprovalRequest.Status.REJECTED, decided_by=actor, decided_at=now, comment=_("Withdrawn")
        )
    else:
        override.valid_until = now
    override.status = CreditOverrideStatus.CANCELLED
    override.save(update_fields=["status", "valid_until", "updated_at"])
    events.record(actor, "order.credit_override_withdrawn", order, data={"credit_override": override.pk, "was": was})
    return override
