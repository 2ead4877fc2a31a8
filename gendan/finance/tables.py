"""The invoice and payment lists, and finance's worklists."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gendan.core.tables import ListTable, badge, cell, when
from gendan.core.worklist_lists import days_since
from gendan.sales.templatetags.sales_ui import status_class

from .models import InvoiceStatus

_WIDE = {"td": {"style": "min-width: 10rem"}}
# Hidden on phones, where the row's first cell names the customer.
_CUSTOMER = cell("d-none", "d-sm-table-cell", td="w-100")


def on_phones(*lines):
    """What the columns hidden on a phone would show, under the row's first cell."""
    return format_html_join("", '<div class="small text-muted d-sm-none">{}</div>', ((line,) for line in lines))


def _order_link(order):
    return format_html('<a href="{}">{}</a>', reverse("sales:order_detail", args=[order.pk]), order.number)


def _money_column(label, accessor=None, *classes):
    return tables.Column(label, accessor=accessor, orderable=True, attrs=cell("num", "text-nowrap", *classes))


class _Dated(ListTable):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def due(self, invoice):
        """The due date, with how far past it an issued invoice is."""
        if invoice.due_date is None:
            return "—"
        late = days_since(invoice.due_date, self.today)
        if invoice.status != InvoiceStatus.ISSUED or late <= 0:
            return when(invoice.due_date)
        return format_html(
            '{}<div><span class="badge text-bg-danger" data-testid="days-overdue">{}</span></div>',
            when(invoice.due_date),
            ngettext("%(days)s day overdue", "%(days)s days overdue", late) % {"days": late},
        )


class InvoiceTable(_Dated):
    default_sort = "-issued"
    # invoice_issued_idx, and the number's unique index.
    indexed_sorts = frozenset({"issued", "number"})
    export_name = "invoices"
    export_sequence = (
        "number",
        "order",
        "customer",
        "status",
        "kind",
        "fapiao_number",
        "issued_at",
        "due_date",
        "currency",
        "subtotal",
        "tax_amount",
        "total",
        "amount_paid",
        "open_amount",
    )

    number = tables.Column(gettext_lazy("Number"), orderable=True, attrs=cell("text-nowrap"))
    order = tables.Column(
        gettext_lazy("Order"), accessor="order__number", orderable=True, attrs=cell("d-none", "d-md-table-cell")
    )
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", orderable=True)
    status = tables.Column(
        gettext_lazy("Status"), orderable=True, attrs=cell("d-none", "d-sm-table-cell", "text-nowrap")
    )
    kind = tables.Column(gettext_lazy("Invoice kind"), orderable=True, attrs=cell("d-none", "d-lg-table-cell"))
    issued = tables.Column(
        gettext_lazy("Issued"),
        accessor="issued_at",
        orderable=True,
        exclude_from_export=True,
        attrs=cell("d-none", "d-lg-table-cell", "text-nowrap"),
    )
    due = tables.Column(
        gettext_lazy("Due"),
        accessor="due_date",
        orderable=True,
        exclude_from_export=True,
        attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"),
    )
    total = _money_column(gettext_lazy("Total"))
    open = tables.Column(
        gettext_lazy("Open"),
        accessor="open_amount",
        exclude_from_export=True,
        attrs=cell("num", "text-nowrap", "d-none", "d-md-table-cell"),
    )
    # In downloads only.
    fapiao_number = tables.Column(gettext_lazy("Fapiao number"), visible=False)
    issued_at = tables.Column(gettext_lazy("Issued at"), visible=False)
    due_date = tables.Column(gettext_lazy("Due date"), visible=False)
    currency = tables.Column(gettext_lazy("Currency"), visible=False)
    subtotal = tables.Column(gettext_lazy("Subtotal"), visible=False)
    tax_amount = tables.Column(gettext_lazy("Tax"), visible=False)
    amount_paid = tables.Column(gettext_lazy("Paid"), visible=False)
    open_amount = tables.Column(gettext_lazy("Open"), visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "invoice-table"}
        row_attrs = {"data-testid": "invoice-row"}
        empty_text = gettext_lazy("No invoices match these filters.")

    def render_number(self, record):
        return format_html(
            '<a href="{}">{}</a><div class="small text-muted d-md-none">{}</div>{}',
            reverse("finance:invoice_detail", args=[record.pk]),
            record.number,
            record.order.number,
            on_phones(self.render_status(record, record.get_status_display())),
        )

    def render_customer(self, record):
        due = (
            format_html('{} <span class="text-nowrap">{}</span>', _("Due"), when(record.due_date))
            if record.due_date
            else ""
        )
        return format_html("{}{}", record.customer.name, on_phones(due) if due else "")

    def render_order(self, record):
        return _order_link(record.order)

    def render_status(self, record, value):
        return badge(status_class(record.status), value)

    def render_issued(self, value):
        return when(value)

    def render_due(self, record):
        return self.due(record)

    def render_total(self, value):
        return intcomma(value)

    def render_open(self, value):
        return intcomma(value)


class PaymentTable(ListTable):
    default_sort = "-received_on"
    # payment_received_idx, and the number's unique index.
    indexed_sorts = frozenset({"received_on", "number"})
    export_name = "payments"
    export_sequence = ("number", "customer", "received_on", "method", "reference", "currency", "amount", "allocated")

    number = tables.Column(gettext_lazy("Number"), orderable=True, attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", orderable=True, attrs=_WIDE)
    received_on = tables.Column(
        gettext_lazy("Received on"), orderable=True, attrs=cell("d-none", "d-sm-table-cell", "text-nowrap")
    )
    method = tables.Column(gettext_lazy("Method"), orderable=True, attrs=cell("d-none", "d-md-table-cell"))
    reference = tables.Column(gettext_lazy("Reference"), attrs=cell("d-none", "d-lg-table-cell"))
    amount = _money_column(gettext_lazy("Amount"))
    allocated = _money_column(gettext_lazy("Allocated"), "allocated_amount", "d-none", "d-sm-table-cell")
    currency = tables.Column(gettext_lazy("Currency"), visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "payment-table"}
        row_attrs = {"data-testid": "payment-row"}
        empty_text = gettext_lazy("No payments match these filters.")

    def render_number(self, record):
        return format_html("{}{}", record.number, on_phones(when(record.received_on)))

    def render_received_on(self, value):
        return when(value)

    def render_amount(self, value):
        return intcomma(value)

    def render_allocated(self, value):
        return intcomma(value)


# --- worklists ---------------------------------------------------------------------------------


def _actions(template_name: str):
    return tables.TemplateColumn(
        template_name=template_name,
        verbose_name=gettext_lazy("Actions"),
        exclude_from_export=True,
        orderable=False,
        attrs=cell("text-end", "text-nowrap"),
    )


class OrderToInvoiceTable(ListTable):
    number = tables.Column(gettext_lazy("Order"), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", attrs=_CUSTOMER)
    status = tables.Column(gettext_lazy("Status"), attrs=cell("d-none", "d-md-table-cell", "text-nowrap"))
    owner = tables.Column(gettext_lazy("Owner"), attrs=cell("d-none", "d-lg-table-cell", "text-nowrap"))
    total = tables.Column(gettext_lazy("Total"), attrs=cell("num", "text-nowrap", "d-none", "d-md-table-cell"))
    amount_invoiced = tables.Column(
        gettext_lazy("Invoiced"), attrs=cell("num", "text-nowrap", "d-none", "d-md-table-cell")
    )
    actions = _actions("finance/worklists/_invoice_action.html")

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "to-invoice-table"}
        row_attrs = {"data-testid": "to-invoice-row", "data-order": lambda record: record.number}
        empty_text = gettext_lazy("Everything shipped is invoiced.")

    def render_number(self, record):
        return format_html("{}{}", _order_link(record), on_phones(record.customer.name))

    def render_customer(self, record):
        return format_html('{}<div class="small text-muted d-md-none">{}</div>', record.customer.name, record.owner)

    def render_status(self, record, value):
        return badge(status_class(record.status), value)

    def render_total(self, value):
        return intcomma(value)

    def render_amount_invoiced(self, value):
        return intcomma(value)


class UnpaidInvoiceTable(_Dated):
    number = tables.Column(gettext_lazy("Invoice"), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", attrs=_CUSTOMER)
    due_date = tables.Column(gettext_lazy("Due"), empty_values=(), attrs=cell("text-nowrap"))
    total = tables.Column(gettext_lazy("Total"), attrs=cell("num", "text-nowrap", "d-none", "d-md-table-cell"))
    open = tables.Column(
        gettext_lazy("Open"), accessor="open_amount", attrs=cell("num", "text-nowrap", "d-none", "d-sm-table-cell")
    )
    actions = _actions("finance/worklists/_payment_action.html")

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "unpaid-invoices-table"}
        row_attrs = {"data-testid": "unpaid-invoice-row", "data-invoice": lambda record: record.number}
        empty_text = gettext_lazy("No invoice is waiting for payment.")

    def render_number(self, record):
        return format_html(
            '<a href="{}">{}</a><div class="small text-muted">{}</div>{}',
            reverse("finance:invoice_detail", args=[record.pk]),
            record.number,
            record.order.number,
            on_phones(record.customer.name, format_html("{} {}", _("Open"), intcomma(record.open_amount))),
        )

    def render_customer(self, record):
        return format_html(
            '{}<div class="small text-muted d-md-none">{}</div>', record.customer.name, record.order.owner
        )

    def render_due_date(self, record):
        return self.due(record)

    def render_total(self, value):
        return intcomma(value)

    def render_open(self, value):
        return intcomma(value)


class UnallocatedPaymentTable(ListTable):
    number = tables.Column(gettext_lazy("Payment"), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", attrs={"td": {"class": "w-100"}})
    received_on = tables.Column(gettext_lazy("Received on"), attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"))
    amount = tables.Column(gettext_lazy("Amount"), attrs=cell("num", "text-nowrap", "d-none", "d-md-table-cell"))
    left = tables.Column(gettext_lazy("Not allocated"), empty_values=(), attrs=cell("num", "text-nowrap"))
    action = _actions("finance/worklists/_settle_action.html")

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "unallocated-payments-table"}
        row_attrs = {"data-testid": "unallocated-payment-row", "data-payment": lambda record: record.number}
        empty_text = gettext_lazy("Every payment is allocated.")

    def render_number(self, record):
        return format_html("{}{}", record.number, on_phones(when(record.received_on)))

    def render_customer(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("crm:customer_detail", args=[record.customer_id]), record.customer.name
        )

    def render_received_on(self, value):
        return when(value)

    def render_amount(self, value):
        return intcomma(value)

    def render_left(self, record):
        return intcomma(record.unallocated_amount)


class StatementTable(ListTable):
    default_sort = "-created"
    indexed_sorts = frozenset({"created"})
    export_name = "statements"
    export_sequence = ("number", "customer", "period_start", "period_end", "closing_balance", "status")

    number = tables.Column(gettext_lazy("Number"), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", attrs=_CUSTOMER)
    period = tables.Column(
        gettext_lazy("Period"),
        empty_values=(),
        exclude_from_export=True,
        attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"),
    )
    closing_balance = _money_column(gettext_lazy("Closing balance"))
    status = tables.Column(gettext_lazy("Status"), attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"))
    created = tables.Column(
        gettext_lazy("Made"),
        accessor="created_at",
        orderable=True,
        exclude_from_export=True,
        attrs=cell("d-none", "d-md-table-cell", "text-nowrap"),
    )
    period_start = tables.Column(gettext_lazy("From"), visible=False)
    period_end = tables.Column(gettext_lazy("To"), visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "statement-table"}
        row_attrs = {"data-testid": "statement-row"}
        empty_text = gettext_lazy("No statements match these filters.")

    def render_number(self, record):
        link = format_html('<a href="{}">{}</a>', reverse("finance:statement_detail", args=[record.pk]), record.label)
        return format_html(
            "{}{}",
            link,
            on_phones(
                record.customer.name,
                f"{when(record.period_start)} – {when(record.period_end)} · {record.get_status_display()}",
            ),
        )

    def value_number(self, record):
        return record.label

    def render_period(self, record):
        return f"{when(record.period_start)} – {when(record.period_end)}"

    def render_closing_balance(self, value):
        return intcomma(value)

    def render_status(self, record):
        return badge(status_class(record.status), record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_created(self, value):
        return when(value)
