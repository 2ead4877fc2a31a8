"""Refunds: money paid back to a customer from what a payment left unallocated — an overpayment, or a prepayment
no longer needed. Never more than is left of the payment; the payment's row is locked, so two refunds or a
refund and an allocation of the same payment take turns."""

from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gendan.accounts.scoping import require_visible
from gendan.core import events
from gendan.core.bounds import decimal_problems, ensure_dates
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.money import round_money
from gendan.core.numbering import next_number
from gendan.core.services import require_perm, text_problems
from gendan.sales.models import Order

from .instalments import instalments_settle
from .models import Payment, Refund

REFUND_PERMISSION = "finance.add_payment"
REASON_MAX_LENGTH = 400


@events.batched
def payment_refund(
    *, payment: Payment, actor, amount, refunded_on, reason: str, method=None, reference: str = ""
) -> Refund:
    require_perm(actor, REFUND_PERMISSION)
    errors = {}
    reason, problems = text_problems(reason, missing=_("Say why the money goes back."), max_length=REASON_MAX_LENGTH)
    if problems:
        errors["reason"] = problems
    try:
        amount = round_money(amount) if amount is not None else None
    except InvalidOperation:
        errors["amount"] = decimal_problems(Payment, "amount", amount) or [_("Enter an amount above zero.")]
        amount = None
    if "amount" not in errors and (amount is None or amount <= 0):
        errors["amount"] = [_("Enter an amount above zero.")]
    if refunded_on is None:
        errors["refunded_on"] = [_("Give the day the money went back.")]
    if errors:
        raise ValidationError(errors)
    ensure_dates({"refunded_on": refunded_on}, not_in_future=True)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    require_visible(Payment.objects, payment, actor)
    if amount > payment.unallocated_amount:
        raise ApplicationError(
            _("Payment %(number)s has only %(left)s not allocated; %(amount)s cannot be refunded.")
            % {"number": payment.number, "left": payment.unallocated_amount, "amount": amount},
            ErrorCode.OVER_AMOUNT,
            {"payment": payment.pk, "unallocated_amount": str(payment.unallocated_amount)},
        )
    if refunded_on < payment.received_on:
        raise ValidationError({"refunded_on": [_("A refund cannot be before the payment was received.")]})
    refund = Refund(
        number=next_number("refund"),
        payment=payment,
        customer_id=payment.customer_id,
        amount=amount,
        currency=payment.currency,
        method=method or payment.method,
        refunded_on=refunded_on,
        reference=reference,
        reason=reason,
        created_by=actor,
    )
    refund.full_clean(exclude=["payment", "customer", "created_by"], validate_unique=False, validate_constraints=False)
    refund.save(force_insert=True)
    payment.refunded_amount += amount
    payment.save(update_fields=["refunded_amount", "updated_at"])
    events.record(
        actor,
        "payment.refunded",
        payment,
        data={"refund": refund.number, "amount": amount, "reason": reason, "refunded_on": refunded_on},
    )
    if payment.order_id is not None:
        # A deposit paid back no longer pays the order's instalments.
        instalments_settle(Order.objects.select_for_update().get(pk=payment.order_id))
    return refund
