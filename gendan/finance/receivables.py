"""Receivables: what customers owe, for how long (ageing), and how fast they pay (DSO).

Each figure is defined once, here, for the ageing page, its download and /api/v1/receivables/ageing/.
What is owed is the open part of each issued invoice (its total less what payments cover), as of today.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Concat, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gendan.core.money import SummedMoney

from .models import Invoice, InvoiceStatus

_MONEY = SummedMoney()
_ZERO = Value(Decimal("0"), output_field=_MONEY)
_OPEN = F("total") - F("amount_paid")
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
# What a row of the ageing is keyed and named by.
GROUPS = {
    "customer": {"key": F("customer_id"), "name": F("customer__name"), "code": F("customer__code")},
    "owner": {
        "key": F("owner_id"),
        "name": Trim(Concat("owner__first_name", Value(" "), "owner__last_name")),
        "code": F("owner__username"),
    },
}


def open_invoices(*, user) -> QuerySet[Invoice]:
    """The invoices in sight still owed: issued and not paid in full (through invoice_status_due_idx)."""
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


def ageing(*, user, group_by: str, today: datetime.date | None = None) -> QuerySet:
    """One row per customer (or owner) who owes anything: `key` (their id), `name` and `code` (a customer's
    code, an owner's username), each bucket's amount and the total; the largest debt first."""
    today = today or timezone.localdate()
    return (
        open_invoices(user=user)
        .order_by()
        .values(**GROUPS[group_by])
        .annotate(**_amounts(today))
        .order_by("-total", "key")
    )


def ageing_totals(*, user, today: datetime.date | None = None) -> dict:
    """Each bucket's amount and the total over every open invoice in sight."""
    return open_invoices(user=user).aggregate(**_amounts(today or timezone.localdate()))


def dso(*, user, today: datetime.date | None = None, days: int = DSO_DAYS) -> Decimal | None:
    """Days sales outstanding: what is owed now, over what was invoiced in the last `days` days, times `days`.

    How many days of sales the customers owe. None when nothing was invoiced in those days.
    """
    today = today or timezone.localdate()
    since = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time()))
    invoiced = (
        Invoice.objects.visible_to(user)
        .filter(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PAID], issued_at__gte=since)
        .aggregate(total=Sum("total"))["total"]
    )
    if not invoiced:
        return None
    owed = open_invoices(user=user).aggregate(total=Coalesce(Sum(_OPEN, output_field=_MONEY), _ZERO))["total"]
    return (Decimal(owed) / Decimal(invoiced) * days).quantize(Decimal("0.1"))
