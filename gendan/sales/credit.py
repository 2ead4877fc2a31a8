"""A customer's credit exposure and the credit limit that holds, defined once: for the customer's page and API,
the approval rules, and every stage an order passes the limit at.

Exposure is what the customer owes and will owe for orders taken: their open invoices and what is confirmed
and not yet invoiced. Per order that is its total less what payments and credit notes cover (`amount_paid`, the
money put against its invoices, and `amount_credited`), over the orders confirmed and not yet closed or cancelled. A credit limit of 0 is no
limit: the company has not limited the customer.

The limit is checked when an order is confirmed (submitted, and at its last approval), when it ships and when
it is invoiced (`credit_check`): with the order counted, the customer's exposure may not pass the limit unless
the order has a credit override in force (sales.services_credit). The last step of the dunning ladder holds at
shipping too: a customer with an invoice overdue more than OVERDUE_HOLD_DAYS gets no further shipment, limit or
not, unless the order has an override in force. Finance, above sales, tells which invoice
(`oldest_overdue_invoice`).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.hooks import Port
from gendan.core.money import SummedMoney
from gendan.crm.models import Customer

from .models import CreditOverride, CreditOverrideStatus, Order, OrderStatus

_MONEY = SummedMoney()
# Who may ask for a credit override: whoever takes orders. Who decides: the approval rules.
OVERRIDE_PERMISSION = "sales.add_order"
# Confirmed and not finished: an order on hold keeps its reservation and its debt. Read through
# order_customer_status_idx (customer, status).
EXPOSED_STATUSES = [
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.ON_HOLD,
]
_OWED = F("total") - F("amount_paid") - F("amount_credited")


def _exposed_orders():
    # On hold from a draft (never confirmed) owes nothing yet.
    return Order.objects.filter(status__in=EXPOSED_STATUSES, confirmed_at__isnull=False).order_by()


def customer_exposure(customer_id: int, *, excluding: Order | None = None) -> Decimal:
    """The customer's exposure now, leaving out `excluding` (the order whose own amount the caller adds)."""
    orders = _exposed_orders().filter(customer_id=customer_id)
    if excluding is not None and excluding.pk:
        orders = orders.exclude(pk=excluding.pk)
    owed = orders.aggregate(owed=Sum(_OWED, output_field=_MONEY))["owed"]
    return owed or Decimal("0")


def customer_exposure_expression():
    """Per customer (OuterRef "pk"), their exposure: for annotating customers (crm.selectors.credit_exposure)."""
    owed = (
        _exposed_orders()
        .filter(customer=OuterRef("pk"))
        .values("customer")
        .annotate(owed=Sum(_OWED, output_field=_MONEY))
        .values("owed")
    )
    return Coalesce(Subquery(owed, output_field=_MONEY), Value(Decimal("0")), output_field=_MONEY)


def _no_invoices(customer_id: int, due_before: datetime.date) -> dict | None:
    return None


# The customer's earliest issued invoice due before `due_before` and still open: {"invoice": number,
# "due_date": date, "open_amount": Decimal}, or None. Finance provides it.
oldest_overdue_invoice = Port("sales.oldest_overdue_invoice", default=_no_invoices)


def _no_deposit(order_id: int, today: datetime.date) -> dict | None:
    return None


# The order's deposit that is due by `today` and not paid — its first open instalment counted from the order's
# confirmation: {"instalment": number, "due_date": date, "open_amount": Decimal}, or None. Finance provides it.
unpaid_deposit = Port("sales.unpaid_deposit", default=_no_deposit)


def overdue_hold(customer_id: int) -> dict | None:
    """The invoice that puts the customer's shipments on hold (overdue more than OVERDUE_HOLD_DAYS), or None."""
    days = settings.OVERDUE_HOLD_DAYS
    if not days:
        return None
    today = timezone.localdate()
    found = oldest_overdue_invoice(customer_id, today - datetime.timedelta(days=days))
    if found is None:
        return None
    return {**found, "days_overdue": (today - found["due_date"]).days}


class CreditStage(models.TextChoices):
    """Where an order meets its customer's credit limit."""

    CONFIRMATION = "confirmation", _("confirmation")
    SHIPPING = "shipping", _("shipping")
    INVOICING = "invoicing", _("invoicing")


@dataclass(frozen=True)
class CreditPosition:
    """The customer's credit with one order counted: its limit, what they would owe, and the order's part."""

    credit_limit: Decimal
    exposure: Decimal
    order_amount: Decimal

    @property
    def over_by(self) -> Decimal:
        return max(self.exposure - self.credit_limit, Decimal("0"))

    @property
    def is_over(self) -> bool:
        return self.exposure > self.credit_limit

    def figures(self) -> dict:
        """As the API's 409 and the event log carry them: amounts as strings of two decimals."""
        return {
            "credit_limit": str(self.credit_limit),
            "exposure": str(self.exposure),
            "order_amount": str(self.order_amount),
            "credit_available": str(self.credit_limit - self.exposure + self.order_amount),
            "over_by": str(self.over_by),
        }


def credit_position(
    order: Order, *, credit_limit: Decimal | None = None, total: Decimal | None = None
) -> CreditPosition | None:
    """The customer's position with `order` counted (at `total`, when it is about to change), or None when the
    customer has no limit."""
    if credit_limit is None:
        credit_limit = Customer.objects.filter(pk=order.customer_id).values_list("credit_limit", flat=True).get()
    if not credit_limit:
        return None
    owed = (order.total if total is None else total) - order.amount_paid - order.amount_credited
    return CreditPosition(credit_limit, customer_exposure(order.customer_id, excluding=order) + owed, owed)


def live_override(order: Order) -> CreditOverride | None:
    """The order's override that waits for approval or is in force: at most one of them at a time."""
    waiting = models.Q(status=CreditOverrideStatus.PENDING)
    in_force = models.Q(status=CreditOverrideStatus.APPROVED, valid_until__gt=timezone.now())
    return CreditOverride.objects.filter(waiting | in_force, order=order).first()


def override_in_force(order: Order) -> CreditOverride | None:
    return CreditOverride.objects.filter(
        order=order, status=CreditOverrideStatus.APPROVED, valid_until__gt=timezone.now()
    ).first()


_REFUSED = {
    CreditStage.CONFIRMATION: _("Order %(number)s cannot be confirmed"),
    CreditStage.SHIPPING: _("Order %(number)s cannot ship"),
    CreditStage.INVOICING: _("Order %(number)s cannot be invoiced"),
}


def credit_check(order: Order, *, actor, stage: str, total: Decimal | None = None) -> None:
    """Refuse `stage` of `order` when, with it counted (at `total`, for a change about to apply), its customer would
    owe more than their credit limit, unless the order has an override in force (then its use goes on the
    order's timeline).

    The caller holds the order's lock and no stock level's. The customer's row is locked here, for a customer
    with a limit only: two orders of one customer checked at once are checked one after the other, and the
    second counts the first (on PostgreSQL each statement of a READ COMMITTED transaction reads what committed
    before it; SQLite's write transactions run one at a time anyway). Order, customer, then stock: a service
    that locked stock first could deadlock with one confirming another order of the customer.
    """
    if stage == CreditStage.SHIPPING:
        _deposit_check(order, actor=actor)
        _overdue_check(order, actor=actor)
    # A customer without a limit matches nothing, so nothing is locked for them.
    customer = (
        Customer.objects.select_for_update()
        .filter(pk=order.customer_id)
        .exclude(credit_limit=0)
        .only("name", "credit_limit")
        .first()
    )
    if customer is None:
        return
    position = credit_position(order, credit_limit=customer.credit_limit, total=total)
    if position is None or not position.is_over:
        return
    override = override_in_force(order)
    if override is not None:
        events.record(
            actor,
            "order.credit_override_used",
            order,
            data={"stage": stage, "credit_override": override.pk, **position.figures()},
        )
        return
    pending = order.credit_overrides.filter(status=CreditOverrideStatus.PENDING).values_list("pk", flat=True).first()
    figures = {
        "refused": _REFUSED[stage] % {"number": order.number},
        "customer": customer.name,
        "exposure": position.exposure,
        "over_by": position.over_by,
        "credit_limit": position.credit_limit,
    }
    if pending is None:
        message = gettext(
            "%(refused)s: %(customer)s would owe %(exposure)s, %(over_by)s over the credit limit of "
            "%(credit_limit)s. A credit override approved for this order lets it through."
        )
    else:
        message = gettext(
            "%(refused)s: %(customer)s would owe %(exposure)s, %(over_by)s over the credit limit of "
            "%(credit_limit)s. Its credit override waits for approval."
        )
    raise ApplicationError(
        message % figures,
        ErrorCode.CREDIT_LIMIT_EXCEEDED,
        {"stage": stage, **position.figures(), "credit_override": pending},
    )


def _deposit_check(order: Order, *, actor) -> None:
    """Refuse to ship an order whose deposit is due and unpaid (款到发货), unless it has an override in force."""
    deposit = unpaid_deposit(order.pk, timezone.localdate())
    if deposit is None:
        return
    figures = {
        "instalment": deposit["instalment"],
        "due_date": deposit["due_date"].isoformat(),
        "open_amount": str(deposit["open_amount"]),
    }
    message = gettext(
        "Order %(number)s cannot ship: its deposit %(instalment)s (%(amount)s) was due on %(date)s and is not "
        "paid. It ships once the deposit is paid, unless a credit override is approved for this order."
    ) % {
        "number": order.number,
        "instalment": deposit["instalment"],
        "amount": deposit["open_amount"],
        "date": figures["due_date"],
    }
    _hold_shipment(order, actor=actor, code=ErrorCode.DEPOSIT_UNPAID, figures=figures, message=message)


def _overdue_check(order: Order, *, actor) -> None:
    """Refuse to ship to a customer on overdue hold, unless the order has an override in force."""
    hold = overdue_hold(order.customer_id)
    if hold is None:
        return
    figures = {
        "invoice": hold["invoice"],
        "due_date": hold["due_date"].isoformat(),
        "days_overdue": hold["days_overdue"],
        "open_amount": str(hold["open_amount"]),
    }
    message = gettext(
        "Order %(number)s cannot ship: invoice %(invoice)s of the customer is %(days)s days overdue "
        "(%(amount)s open). Shipments are held until it is paid, unless a credit override is approved for "
        "this order."
    ) % {
        "number": order.number,
        "invoice": hold["invoice"],
        "days": hold["days_overdue"],
        "amount": hold["open_amount"],
    }
    _hold_shipment(order, actor=actor, code=ErrorCode.OVERDUE_HOLD, figures=figures, message=message)


def _hold_shipment(order: Order, *, actor, code: ErrorCode, figures: dict, message: str) -> None:
    """A shipment held for `code`: let through by an override in force (its use on the order's timeline, the
    figures under the code's name), else refused with the figures and the waiting override's id, if any."""
    override = override_in_force(order)
    if override is not None:
        events.record(
            actor,
            "order.credit_override_used",
            order,
            data={"stage": CreditStage.SHIPPING, "credit_override": override.pk, str(code): figures},
        )
        return
    pending = order.credit_overrides.filter(status=CreditOverrideStatus.PENDING).values_list("pk", flat=True).first()
    raise ApplicationError(message, code, {"stage": CreditStage.SHIPPING, **figures, "credit_override": pending})
