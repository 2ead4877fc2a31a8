"""The drill-down map: from a number of a metric (a part of it, a period, a row) to the list that shows the records
behind it, in the filtered lists the rest of the site uses.

Each list is read through the reader's own scope, as the metric is, so a link names only the period, the row and
the conditions the metric adds (orders not cancelled, invoices issued). A metric or part without a list that shows
exactly its records has no entry: a ratio links to the records of its denominator where a list shows them, the
cycle times and the shipments to nothing (there is no shipment list).
"""

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode

from gendan.finance.models import InvoiceStatus
from gendan.finance.receivables import DSO_DAYS
from gendan.sales.models import OrderStatus

from .metrics.groupings import CUSTOMER, OWNER, PRODUCT, REGION, TEAM
from .metrics.periods import TIME_GROUPINGS, bucket_end, company_today


@dataclass(frozen=True)
class Drill:
    """A list (`url_name`), its parameters for the period's first and last day (none for a figure counted as things
    stand now), those it always carries, and the parameter each grouping's key goes to."""

    url_name: str
    dates: tuple[str, str] | None
    fixed: tuple = ()
    groupings: dict = field(default_factory=dict)

    def url(self, start: datetime.date, end: datetime.date, group_by: str | None = None, key=None) -> str | None:
        params = list(self.fixed)
        if self.dates:
            params += [(self.dates[0], start.isoformat()), (self.dates[1], end.isoformat())]
        if group_by is not None:
            # "No team", "No region": the lists have no filter for a missing value.
            if group_by not in self.groupings or key in (None, ""):
                return None
            params.append((self.groupings[group_by], key))
        return f"{reverse(self.url_name)}?{urlencode(params)}"


# Confirmed at some time and not cancelled since (records.confirmed_orders): every status but cancelled.
_NOT_CANCELLED = tuple(("status", status) for status in OrderStatus.values if status != OrderStatus.CANCELLED)
_CONFIRMED_ORDERS = Drill(
    "sales:order_list",
    ("confirmed_from", "confirmed_to"),
    _NOT_CANCELLED,
    {OWNER: "owner", TEAM: "team", REGION: "region", PRODUCT: "product", CUSTOMER: "customer"},
)
_ISSUED_INVOICES = Drill(
    "finance:invoice_list",
    ("issued_from", "issued_to"),
    (("status", InvoiceStatus.ISSUED), ("status", InvoiceStatus.PAID)),
    {OWNER: "owner", CUSTOMER: "customer"},
)
# The money applied to invoices and the money on account; refunds are on no list of their own.
_PAYMENTS = Drill(
    "finance:payment_list",
    ("received_from", "received_to"),
    groupings={OWNER: "collected_for", TEAM: "collected_for_team", CUSTOMER: "customer"},
)

DRILLS: dict[str, Drill] = {
    "sales": _CONFIRMED_ORDERS,
    "orders": _CONFIRMED_ORDERS,
    "gross_margin": _CONFIRMED_ORDERS,
    # The orders that make the customers buyers.
    "valid_customers": _CONFIRMED_ORDERS,
    "invoiced": _ISSUED_INVOICES,
    # Its denominator: what the invoices of the period ask for.
    "collection_rate": _ISSUED_INVOICES,
    "collected": _PAYMENTS,
    "receivables": Drill(
        "finance:invoice_list", None, (("status", InvoiceStatus.ISSUED),), {OWNER: "owner", CUSTOMER: "customer"}
    ),
    "new_customers": Drill("crm:customer_list", ("created_from", "created_to"), groupings={OWNER: "owner"}),
    "follow_ups": Drill(
        "crm:followup_list", ("occurred_from", "occurred_to"), groupings={OWNER: "author", CUSTOMER: "customer"}
    ),
    "overdue_tasks": Drill("automation:task_list", None, (("overdue", "true"),), {OWNER: "assignee", TEAM: "team"}),
    # Its denominator: the quotations sent in the period (their live versions, as the list shows them).
    "quotation_conversion": Drill(
        "quotations:list", ("sent_from", "sent_to"), groupings={OWNER: "owner", CUSTOMER: "customer"}
    ),
}
# Parts whose records no list shows.
_NO_LIST = {("collected", "refunds")}


def drill_url(
    metric: str,
    start: datetime.date,
    end: datetime.date,
    *,
    part: str | None = None,
    group_by: str | None = None,
    key=None,
) -> str | None:
    """The list of the records behind `metric` (its `part`) from `start` to `end`, narrowed to the row `key` of
    `group_by`; None where no list shows them. A time bucket's row is its days within the period."""
    if metric == "dso":
        return _dso_url()
    drill = DRILLS.get(metric)
    if drill is None or (metric, part) in _NO_LIST:
        return None
    if group_by in TIME_GROUPINGS:
        bucket = datetime.date.fromisoformat(key) if isinstance(key, str) else key
        start, end = max(start, bucket), min(end, bucket_end(bucket, group_by))
        group_by = key = None
    return drill.url(start, end, group_by, key)


def _dso_url() -> str:
    """DSO's denominator: the invoices issued in its last DSO_DAYS days (finance.receivables.dso), as of today."""
    today = company_today()
    since = today - datetime.timedelta(days=DSO_DAYS)
    return f"{reverse('finance:invoice_list')}?{urlencode([('issued_from', since), ('issued_to', today)])}"
