"""The order and quotation lists."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gendan.core.tables import ListTable, SelectColumn, badge, cell, when

from .models import QuotationStatus
from .templatetags.quotation_ui import quotation_status_class
from .templatetags.sales_ui import status_class

_WIDE_CUSTOMER = {"td": {"style": "min-width: 12rem"}}


class OrderTable(ListTable):
    custom_record_type = "sales.order"
    default_sort = "-created"
    # order_created_idx, and the number's unique index.
    indexed_sorts = frozenset({"created", "number"})
    export_name = "orders"
    export_sequence = (
        "number",
        "customer",
        "owner",
        "status",
        "delivery",
        "billing",
        "payment",
        "priority",
        "requested_date",
        "promised_date",
        "customer_reference",
        "currency",
        "subtotal",
        "tax_amount",
        "total",
        "created_at",
    )
    # The number and the customer always show (on a phone they carry the status, owner and total).
    optional_columns = (
        "status",
        "progress",
        "owner",
        "priority",
        "requested_date",
        "promised",
        "customer_reference",
        "total",
        "created",
    )

    # The boxes of the list's actions on a selection (sales/includes/order_bulk_bar.html).
    select = SelectColumn("order-selection")
    number = tables.Column(gettext_lazy("Number"), orderable=True, attrs=cell("text-nowrap"))
    # Wide, but on a phone only what the box and the number leave (gendan.css): the row fits the screen.
    customer = tables.Column(
        gettext_lazy("Customer"), accessor="customer__name", orderable=True, attrs={"td": {"class": "wide-customer"}}
    )
    # On a phone the status shows under the number and the total under the customer: four columns do not fit.
    status = tables.Column(
        gettext_lazy("Status"), orderable=True, attrs=cell("d-none", "d-sm-table-cell", th="text-nowrap")
    )
    progress = tables.Column(
        gettext_lazy("Delivery / billing / payment"),
        empty_values=(),
        exclude_from_export=True,
        attrs=cell("d-none", "d-xl-table-cell", td="small text-nowrap"),
    )
    owner = tables.Column(
        gettext_lazy("Owner"),
        orderable=True,
        order_by="owner__username",
        attrs=cell("d-none", "d-md-table-cell", "text-nowrap"),
    )
    priority = tables.Column(
        gettext_lazy("Priority"), orderable=True, attrs=cell("d-none", "d-xxl-table-cell", th="text-nowrap")
    )
    promised = tables.Column(
        gettext_lazy("Promised"),
        accessor="promised_date",
        orderable=True,
        exclude_from_export=True,
        attrs=cell("d-none", "d-md-table-cell", "text-nowrap"),
    )
    total = tables.Column(
        gettext_lazy("Total"), orderable=True, attrs=cell("d-none", "d-sm-table-cell", "num", "text-nowrap")
    )
    created = tables.Column(
        gettext_lazy("Created"),
        accessor="created_at",
        orderable=True,
        exclude_from_export=True,
        attrs=cell("d-none", "d-lg-table-cell", "text-nowrap", td="small"),
    )
    # In downloads only, unless chosen for the page (the requested date and the customer's PO).
    delivery = tables.Column(gettext_lazy("Delivery"), accessor="delivery_status", visible=False)
    billing = tables.Column(gettext_lazy("Billing"), accessor="billing_status", visible=False)
    payment = tables.Column(gettext_lazy("Payment"), accessor="payment_status", visible=False)
    requested_date = tables.Column(
        gettext_lazy("Requested date"), visible=False, attrs=cell("d-none", "d-md-table-cell", "text-nowrap")
    )
    promised_date = tables.Column(gettext_lazy("Promised date"), visible=False)
    customer_reference = tables.Column(
        gettext_lazy("Customer PO"), visible=False, attrs=cell("d-none", "d-md-table-cell", "text-nowrap")
    )
    currency = tables.Column(gettext_lazy("Currency"), visible=False)
    subtotal = tables.Column(gettext_lazy("Subtotal"), visible=False)
    tax_amount = tables.Column(gettext_lazy("Tax"), visible=False)
    created_at = tables.Column(gettext_lazy("Created at"), visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "order-table"}
        row_attrs = {"data-testid": "order-row"}
        empty_text = gettext_lazy("No orders match these filters.")
        # A column chosen from the downloads' shows beside its kin on the page.
        sequence = (
            "select",
            "number",
            "customer",
            "status",
            "progress",
            "owner",
            "priority",
            "requested_date",
            "promised",
            "customer_reference",
            "total",
            "created",
            "...",
        )

    def render_number(self, record):
        return format_html(
            '<a href="{}">{}</a><div class="d-sm-none">{}</div>',
            reverse("sales:order_detail", args=[record.pk]),
            record.number,
            self.render_status(record, record.get_status_display()),
        )

    def render_customer(self, record):
        promised = f" · {when(record.promised_date)}" if record.promised_date else ""
        return format_html(
            '{}<div class="small text-muted d-md-none">{}{}</div><div class="small d-sm-none">{} {}</div>',
            record.customer.name,
            record.owner,
            promised,
            record.currency,
            intcomma(record.total),
        )

    def render_status(self, record, value):
        return badge(status_class(record.status), value)

    def render_progress(self, record):
        return " · ".join(
            (
                record.get_delivery_status_display(),
                record.get_billing_status_display(),
                record.get_payment_status_display(),
            )
        )

    def render_promised(self, value):
        return when(value)

    def render_requested_date(self, value):
        return when(value)

    def render_total(self, value):
        return intcomma(value)

    def render_created(self, value):
        return when(value)


class QuotationTable(ListTable):
    default_sort = "-created"
    # quotation_created_idx, and the number's index (quotation_number_revision_unique).
    indexed_sorts = frozenset({"created", "number"})

    number = tables.Column(gettext_lazy("Number"), orderable=True, attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", orderable=True, attrs=_WIDE_CUSTOMER)
    status = tables.Column(
        gettext_lazy("Status"), orderable=True, attrs=cell("d-none", "d-sm-table-cell", th="text-nowrap")
    )
    owner = tables.Column(
        gettext_lazy("Owner"),
        orderable=True,
        order_by="owner__username",
        attrs=cell("d-none", "d-md-table-cell", "text-nowrap"),
    )
    valid_until = tables.Column(
        gettext_lazy("Valid until"),
        orderable=True,
        attrs={
            "th": {"class": "d-none d-md-table-cell text-nowrap"},
            "td": {
                "class": lambda record, table: (
                    "d-none d-md-table-cell text-nowrap" + (" text-danger" if table.is_overdue(record) else "")
                )
            },
        },
    )
    total = tables.Column(
        gettext_lazy("Total"), orderable=True, attrs=cell("d-none", "d-sm-table-cell", "num", "text-nowrap")
    )
    created = tables.Column(
        gettext_lazy("Created"),
        accessor="created_at",
        orderable=True,
        attrs=cell("d-none", "d-lg-table-cell", "text-nowrap", td="small"),
    )

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "quotation-table"}
        row_attrs = {"data-testid": "quotation-row"}
        empty_text = gettext_lazy("No quotations match these filters.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def is_overdue(self, quotation) -> bool:
        """Sent and past its validity: its date shows in red."""
        return quotation.status == QuotationStatus.SENT and quotation.valid_until < self.today

    def _status(self, quotation):
        return badge(quotation_status_class(quotation.status), quotation.get_status_display())

    def render_number(self, record):
        warning = ""
        if record.below_floor:
            text = _("A price is below the floor price")
            warning = format_html(
                ' <i class="bi bi-exclamation-triangle text-warning" title="{}" aria-label="{}"></i>', text, text
            )
        return format_html(
            '<a href="{}">{}</a>{}<div class="d-sm-none">{}</div>',
            reverse("quotations:detail", args=[record.pk]),
            record.label,
            warning,
            self._status(record),
        )

    def render_customer(self, record):
        return format_html(
            '{}<div class="small text-muted d-md-none">{} · {}</div>',
            record.customer.name,
            record.owner,
            when(record.valid_until),
        )

    def render_status(self, record):
        return self._status(record)

    def render_valid_until(self, value):
        return when(value)

    def render_total(self, value):
        return intcomma(value)

    def render_created(self, value):
        return when(value)
