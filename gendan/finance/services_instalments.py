"""Setting an order's instalment plan (see finance.instalments)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gendan.accounts.scoping import require_visible
from gendan.core import events
from gendan.core.errors import ApplicationError, ErrorCode
from gendan.core.money import HUNDRED
from gendan.core.services import require_perm, row_errors
from gendan.sales.models import Order, OrderStatus

from .instalments import instalments_settle, schedule, step_dates
from .models import Instalment, InstalmentBasis

MAX_INSTALMENTS = 12
MAX_DAYS = 365
# Who agrees the terms with the customer sets the plan; finance, who collects, may correct it.
PERMISSIONS = ("sales.change_order", "finance.add_invoice")
# A plan changes until the order is finished.
FINAL_STATUSES = (OrderStatus.CLOSED, OrderStatus.CANCELLED)


def may_set_plan(order: Order, user) -> bool:
    """Whether `user` may set the order's plan now (what the page offers; the service checks it again)."""
    return order.status not in FINAL_STATUSES and any(user.has_perm(perm) for perm in PERMISSIONS)


def plan_text(rows) -> str:
    """A plan as a person says it: "30% on the order's confirmation, 70% 30 days after delivery"."""
    parts = []
    for row in rows:
        basis = InstalmentBasis(row.basis).label
        values = {"percent": f"{row.percent.normalize():f}", "days": row.days, "basis": basis}
        if row.days:
            parts.append(_("%(percent)s%% %(days)s days after %(basis)s") % values)
        else:
            parts.append(_("%(percent)s%% on %(basis)s") % values)
    return _(", ").join(parts)


def _clean(rows) -> list[dict]:
    if not isinstance(rows, list | tuple):
        raise ValidationError({"instalments": [_("Give the instalments as a list.")]})
    if len(rows) > MAX_INSTALMENTS:
        raise ValidationError({"instalments": [_("At most %(count)s instalments.") % {"count": MAX_INSTALMENTS}]})
    cleaned, errors = [], []
    for row in rows:
        row = row if isinstance(row, dict) else {}
        problems = {}
        try:
            percent = Decimal(str(row.get("percent"))).quantize(Decimal("0.01"))
            if not 0 < percent <= HUNDRED:
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            percent = None
            problems["percent"] = [_("Enter a share above 0 and at most 100 (%).")]
        basis = row.get("basis")
        if basis not in InstalmentBasis.values:
            problems["basis"] = [_("Choose what the days count from.")]
        try:
            days = int(row.get("days") or 0)
            if not 0 <= days <= MAX_DAYS:
                raise ValueError
        except (ValueError, TypeError):
            days = None
            problems["days"] = [_("Enter a number of days from 0 to %(max)s.") % {"max": MAX_DAYS}]
        errors.append(problems)
        cleaned.append({"percent": percent, "basis": basis, "days": days})
    if any(errors):
        raise row_errors("instalments", errors)
    if cleaned and sum(row["percent"] for row in cleaned) != HUNDRED:
        total = sum(row["percent"] for row in cleaned)
        raise ValidationError(
            {"instalments": [_("The shares add up to %(total)s%%; they must add up to 100%%.") % {"total": total}]}
        )
    return cleaned


@transaction.atomic
def order_instalments_set(*, order: Order, actor, instalments) -> list[Instalment]:
    """Replace the order's instalment plan; an empty list removes it (the order's payment terms apply alone).

    instalments: [{"percent": Decimal, "basis": InstalmentBasis, "days": int}], shares adding up to 100.
    """
    if not any(actor.has_perm(perm) for perm in PERMISSIONS):
        require_perm(actor, PERMISSIONS[0])
    rows = _clean(instalments)
    order = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
    require_visible(Order.objects, order, actor)
    if order.status in FINAL_STATUSES:
        raise ApplicationError(
            _("The order is %(status)s: its payment plan can no longer change.")
            % {"status": order.get_status_display()},
            ErrorCode.NOT_EDITABLE,
        )
    Instalment.objects.filter(order=order).delete()
    created = Instalment.objects.bulk_create(
        Instalment(order=order, customer=order.customer, position=index, amount=0, **row)
        for index, row in enumerate(rows, start=1)
    )
    for basis, day in step_dates(order).items():
        if day is not None:
            schedule(created, basis, day, order)
    instalments_settle(order)
    # The plan in words, as the timeline shows it under the event.
    note = plan_text(created) or _("No plan: the order's payment terms apply.")
    events.record(actor, "order.payment_plan_set", order, data={"note": note, "instalments": len(created)})
    return list(Instalment.objects.filter(order=order).order_by("position"))
