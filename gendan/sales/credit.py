"""A customer's credit exposure, defined once: for the customer's page and API, and for the approval rules.

Exposure is what the customer owes and will owe for orders taken: their open invoices and what is confirmed
and not yet invoiced. Per order that is its total less what payments cover (`amount_paid`, the money put
against its invoices), over the orders confirmed and not yet closed or cancelled. A credit limit of 0 is no
limit: the company has not limited the customer.
"""

from decimal import Decimal

from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from gendan.core.money import SummedMoney

from .models import Order, OrderStatus

_MONEY = SummedMoney()
# Confirmed and not finished: an order on hold keeps its reservation and its debt. Read through
# order_customer_status_idx (customer, status).
EXPOSED_STATUSES = [
    OrderStatus.CONFIRMED,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.ON_HOLD,
]
_OWED = F("total") - F("amount_paid")


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
