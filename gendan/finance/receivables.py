"""Receivables: what customers owe, for how long (ageing), and how fast they pay (DSO).

Each figure is defined once, here, for the ageing page, its download and /api/v1/receivables/ageing/.
What is owed is the open part of each issued invoice (its total less what payments cover), as of today.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Case, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Concat, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gendan.core.money import SummedMoney
from gendan.crm.models import Customer

from .models import Invoice, InvoiceStatus

_MONEY = SummedMoney()
_ZERO = Value(Decimal("0"), output_field=_MONEY)
_OPEN = F("total") - F("amount_paid") - F("amount_credited")
# DSO reads the sales of this many days back.
DSO_DAYS = 90


@dataclass(frozen=True)
class Bucket:
    """Invoices from `first` to `last` days past their due date (None: no bound); "current" is not yet due."""

    key: str
    label: str
    first: int | None
    last: int | None

    def condition(self, today: datetime.date) -> Q:
        days = datetime.timedelta
        condition = Q()
        if self.first is not None and self.first > 0:
            condition &= Q(due_date__lte=today - days(self.first))
        if self.last is not None:
            condition &= Q(due_date__gte=today - days(self.last))
        if self.first is None:
            # Not yet due, or with no due date to be late against.
            condition |= Q(due_date__isnull=True)
        return condition

    def due_range(self, today: datetime.date) -> dict:
        """The invoice list's due-date filter that shows this bucket's invoices (its drill-down)."""
        days = datetime.timedelta
        found = {}
        if self.first is not None and self.first > 0:
            found["due_to"] = today - days(self.first)
        if self.last is not None:
            found["due_from"] = today - days(self.last)
        return found


BUCKETS = (
    Bucket("current", _("Not yet due"), None, 0),
    Bucket("days_1_30", _("1–30 days"), 1, 30),
    Bucket("days_31_60", _("31–60 days"), 31, 60),
    Bucket("days_61_90", _("61–90 days"), 61, 90),
    Bucket("over_90", _("Over 90 days"), 91, None),
)
# What a row of the ageing is keyed by, and named by (its `name`, and a customer's code or an owner's username).
GROUPS = {"customer": "customer_id", "owner": "owner_id"}
_NAMES = {
    "customer": {"name": F("customer__name"), "code": F("customer__code")},
    "owner": {"name": Trim(Concat("owner__first_name", Value(" "), "owner__last_name")), "code": F("owner__username")},
}


def open_invoices(*, user) -> QuerySet[Invoice]:
    """The invoices in sight still owed: issued and not paid in full (invoice_open_*_idx hold exactly these)."""
    return Invoice.objects.visible_to(user).filter(status=InvoiceStatus.ISSUED)


def _amounts(today: datetime.date) -> dict:
    """Per bucket, the open amount of the invoices in it; and their total."""
    amounts = {
        bucket.key: Coalesce(
            Sum(Case(When(bucket.condition(today), then=_OPEN), default=_ZERO, output_field=_MONEY)), _ZERO
        )
        for bucket in BUCKETS
    }
    amounts["total"] = Coalesce(Sum(_OPEN, output_field=_MONEY), _ZERO)
    return amounts


def ageing(*, user, group_by: str, today: datetime.date | None = None, named: bool = False) -> QuerySet:
    """One row per customer (or owner) who owes anything: `key` (their id), each bucket's amount and the total,
    the largest debt first.

    `named`: each row with its `name` and `code` too, joined row by row (a download). A page names only its
    own rows (`name_rows`): grouped by the key alone, a million orders' open invoices are read from the
    index that holds them, without a join per invoice.
    """
    today = today or timezone.localdate()
    names = _NAMES[group_by] if named else {}
    return (
        open_invoices(user=user)
        .order_by()
        .values(key=F(GROUPS[group_by]), **names)
        .annotate(**_amounts(today))
        .order_by("-total", "key")
    )


def name_rows(rows: list[dict], group_by: str) -> list[dict]:
    """`rows` of `ageing` with their `name` and `code`, in one query for them all."""
    keys = [row["key"] for row in rows]
    if group_by == "customer":
        found = {
            pk: (name, code)
            for pk, name, code in Customer.objects.filter(pk__in=keys).values_list("pk", "name", "code")
        }
    else:
        found = {user.pk: (str(user), user.username) for user in get_user_model().objects.filter(pk__in=keys)}
    for row in rows:
        row["name"], row["code"] = found.get(row["key"], ("", ""))
    return rows


def ageing_totals(*, user, today: datetime.date | None = None, customer=None) -> dict:
    """Each bucket's amount and the total over every open invoice in sight (of one `customer`, when given)."""
    invoices = open_invoices(user=user)
    if customer is not None:
        invoices = invoices.filter(customer=customer)
    return invoices.aggregate(**_amounts(today or timezone.localdate()))


def dso(
    *, user, today: datetime.date | None = None, days: int = DSO_DAYS, owed: Decimal | None = None
) -> Decimal | None:
    """Days sales outstanding: what is owed now, over what was invoiced in the last `days` days, times `days`.

    How many days of sales the customers owe. None when nothing was invoiced in those days. `owed`: what is
    owed now, when the caller has it (`ageing_totals`).
    """
    today = today or timezone.localdate()
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time()))
    # Issued or paid since: an invoice is cancelled only as a draft, never issued. No condition on the status,
    # so the planners read the days from invoice_issued_idx, not every paid invoice (0.47 s at a million orders).
    invoiced = Invoice.objects.visible_to(user).filter(issued_at__gte=since).aggregate(total=Sum("total"))["total"]
    if not invoiced:
        return None
    if owed is None:
        owed = ageing_totals(user=user, today=today)["total"]
    return (Decimal(owed) / Decimal(invoiced) * days).quantize(Decimal("0.1"))
