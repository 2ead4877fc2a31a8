"""The ageing of receivables, per customer or per owner: each amount a link to the invoices behind it."""

from urllib.parse import urlencode

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from gendan.core.tables import ListTable, cell

from .models import InvoiceStatus
from .receivables import BUCKETS, name_rows

_BY_KEY = {bucket.key: bucket for bucket in BUCKETS}


def _bucket_column(bucket):
    # On phones a row shows its name and total; the buckets from a tablet's width up, the oldest from a laptop's.
    widths = (
        ("d-none", "d-lg-table-cell") if bucket.key in ("days_31_60", "days_61_90") else ("d-none", "d-md-table-cell")
    )
    return tables.Column(bucket.label, orderable=True, attrs=cell("num", "text-nowrap", *widths))


def open_invoices_url(today, invoice_filter: str = "", key=None, bucket=None) -> str:
    """The invoice list of the open invoices behind an ageing figure: everyone's, or those of one customer or
    owner (`invoice_filter`, `key`), in one bucket or all. The page's cards, its cells and the customer page's
    card link through it."""
    query = {"status": InvoiceStatus.ISSUED}
    if invoice_filter:
        query[invoice_filter] = key
    if bucket is not None:
        query.update({name: day.isoformat() for name, day in bucket.due_range(today).items()})
    return f"{reverse('finance:invoice_list')}?{urlencode(query)}"


class _AgeingTable(ListTable):
    """Rows of `receivables.ageing`: groups, not records, so the group's key breaks ties, not a primary key."""

    default_sort = "-total"
    group_by = ""
    # The invoice list's filter that narrows it to a row's invoices.
    invoice_filter = ""
    # Each subclass names its rows in `code` and `name` columns.
    export_sequence = ("code", "name", *(bucket.key for bucket in BUCKETS), "total")

    current, days_1_30, days_31_60, days_61_90, over_90 = (_bucket_column(bucket) for bucket in BUCKETS)
    total = tables.Column(gettext_lazy("Total owed"), orderable=True, attrs=cell("num", "text-nowrap", "fw-semibold"))

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "ageing-table"}
        row_attrs = {"data-testid": "ageing-row"}
        empty_text = gettext_lazy("Nothing is owed.")

    def __init__(self, data, *args, **kwargs):
        if isinstance(data, list) and data and "name" not in data[0]:
            # A page's rows, grouped by their key alone: named here, in one query (receivables.ageing).
            name_rows(data, self.group_by)
        super().__init__(data, *args, **kwargs)
        self.today = timezone.localdate()

    @classmethod
    def order_fields(cls, sort):
        return [("key" if field == "pk" else field, descending) for field, descending in super().order_fields(sort)]

    def invoices_url(self, key=None, bucket=None) -> str:
        """The invoice list showing what a cell adds up: the row's (or everyone's) open invoices of the bucket."""
        return open_invoices_url(self.today, self.invoice_filter if key is not None else "", key, bucket)

    def _amount(self, record, value, bucket=None):
        if not value:
            return format_html('<span class="text-muted">{}</span>', "–")
        return format_html('<a href="{}">{}</a>', self.invoices_url(record["key"], bucket), intcomma(value))

    def render_total(self, record, value):
        return self._amount(record, value)

    def render_current(self, record, value):
        return self._amount(record, value, _BY_KEY["current"])

    def render_days_1_30(self, record, value):
        return self._amount(record, value, _BY_KEY["days_1_30"])

    def render_days_31_60(self, record, value):
        return self._amount(record, value, _BY_KEY["days_31_60"])

    def render_days_61_90(self, record, value):
        return self._amount(record, value, _BY_KEY["days_61_90"])

    def render_over_90(self, record, value):
        return self._amount(record, value, _BY_KEY["over_90"])


class CustomerAgeingTable(_AgeingTable):
    group_by = "customer"
    invoice_filter = "customer"
    export_name = "ageing-customers"

    code = tables.Column(gettext_lazy("Code"), visible=False)
    name = tables.Column(gettext_lazy("Customer"), attrs=cell(td="w-100"))

    class Meta(_AgeingTable.Meta):
        sequence = ("name", "...")

    def render_name(self, record, value):
        return format_html(
            '<a href="{}">{}</a><div class="small text-muted">{}{}</div>',
            reverse("crm:customer_detail", args=[record["key"]]),
            value,
            record["code"],
            _overdue_on_phones(record),
        )


class OwnerAgeingTable(_AgeingTable):
    group_by = "owner"
    invoice_filter = "owner"
    export_name = "ageing-owners"

    code = tables.Column(gettext_lazy("Username"), visible=False)
    name = tables.Column(gettext_lazy("Owner"), attrs=cell(td="w-100"))

    class Meta(_AgeingTable.Meta):
        sequence = ("name", "...")

    def render_name(self, record, value):
        return format_html("{}{}", value or record["code"], _overdue_on_phones(record))


def _overdue_on_phones(record):
    """What of the row is past due, under its name on phones, where the buckets are hidden."""
    overdue = record["total"] - record["current"]
    if not overdue:
        return ""
    return format_html(
        '<div class="small text-danger d-md-none">{}</div>',
        gettext("Overdue %(amount)s") % {"amount": intcomma(overdue)},
    )


AGEING_TABLES = {table.group_by: table for table in (CustomerAgeingTable, OwnerAgeingTable)}
