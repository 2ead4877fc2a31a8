"""The warehouse's worklists: each row carries the step that takes it off the list."""

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gendan.core.tables import ListTable, badge, cell, when
from gendan.core.worklist_lists import days_since
from gendan.sales.templatetags.sales_ui import status_class

from .models import TRACKING_NUMBER_MAX_LENGTH, DeliveryMethod


def _actions(template_name: str, **extra_context):
    return tables.TemplateColumn(
        template_name=template_name,
        verbose_name=gettext_lazy("Actions"),
        exclude_from_export=True,
        orderable=False,
        attrs=cell("text-end", "text-nowrap"),
        extra_context=extra_context,
    )


# Hidden on phones, where the row's first cell names the customer.
_CUSTOMER = cell("d-none", "d-sm-table-cell", td="w-100")


def _order_link(order):
    return format_html('<a href="{}">{}</a>', reverse("sales:order_detail", args=[order.pk]), order.number)


class _WorklistTable(ListTable):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()

    def promised(self, order):
        """The promised date, with how late it is once it has passed."""
        if order.promised_date is None:
            return "—"
        late = days_since(order.promised_date, self.today)
        if late <= 0:
            return when(order.promised_date)
        return format_html(
            '{}<div><span class="badge text-bg-danger" data-testid="days-late">{}</span></div>',
            when(order.promised_date),
            ngettext("%(days)s day late", "%(days)s days late", late) % {"days": late},
        )

    def customer_cell(self, order):
        return format_html('{}<div class="small text-muted d-md-none">{}</div>', order.customer.name, order.owner)

    def on_phones(self, *lines):
        """What the columns hidden on a phone would show, under the row's first cell."""
        return format_html_join("", '<div class="small text-muted d-sm-none">{}</div>', ((line,) for line in lines))


class OrderToShipTable(_WorklistTable):
    number = tables.Column(gettext_lazy("Order"), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", attrs=_CUSTOMER)
    status = tables.Column(gettext_lazy("Status"), attrs=cell("d-none", "d-md-table-cell", "text-nowrap"))
    owner = tables.Column(gettext_lazy("Owner"), attrs=cell("d-none", "d-lg-table-cell", "text-nowrap"))
    promised_date = tables.Column(gettext_lazy("Promised"), empty_values=(), attrs=cell("text-nowrap"))
    actions = _actions("fulfillment/worklists/_ship_action.html")

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "to-ship-table"}
        row_attrs = {"data-testid": "to-ship-row", "data-order": lambda record: record.number}
        empty_text = gettext_lazy("No order is waiting to ship.")

    def render_number(self, record):
        return format_html("{}{}", _order_link(record), self.on_phones(record.customer.name))

    def render_customer(self, record):
        return self.customer_cell(record)

    def render_status(self, record, value):
        return badge(status_class(record.status), value)

    def render_promised_date(self, record):
        return self.promised(record)


class PendingShipmentTable(_WorklistTable):
    number = tables.Column(gettext_lazy("Shipment"), attrs=cell("text-nowrap"))
    order = tables.Column(gettext_lazy("Order"), attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="order__customer__name", attrs=_CUSTOMER)
    promised_date = tables.Column(
        gettext_lazy("Promised"),
        accessor="order__promised_date",
        empty_values=(),
        attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"),
    )
    created_at = tables.Column(gettext_lazy("Created"), attrs=cell("d-none", "d-md-table-cell", "text-nowrap"))
    # Shipping needs the way it goes (a courier needs a tracking number): asked in the row.
    actions = _actions(
        "fulfillment/worklists/_mark_shipped_action.html",
        delivery_methods=DeliveryMethod.choices,
        tracking_number_max_length=TRACKING_NUMBER_MAX_LENGTH,
    )

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "pending-shipments-table"}
        row_attrs = {"data-testid": "pending-shipment-row", "data-shipment": lambda record: record.number}
        empty_text = gettext_lazy("No shipment is waiting to leave.")

    def render_number(self, record):
        order = record.order
        return format_html(
            "{}{}", record.number, self.on_phones(_order_link(order), order.customer.name, self.promised(order))
        )

    def render_order(self, record):
        return _order_link(record.order)

    def render_customer(self, record):
        return self.customer_cell(record.order)

    def render_promised_date(self, record):
        return self.promised(record.order)

    def render_created_at(self, value):
        return when(value)


class InTransitTable(_WorklistTable):
    number = tables.Column(gettext_lazy("Shipment"), attrs=cell("text-nowrap"))
    order = tables.Column(gettext_lazy("Order"), attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="order__customer__name", attrs=_CUSTOMER)
    carrier = tables.Column(
        gettext_lazy("Carrier"), empty_values=(), attrs=cell("d-none", "d-lg-table-cell", "text-nowrap")
    )
    shipped_at = tables.Column(gettext_lazy("Shipped"), attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"))
    actions = _actions("fulfillment/worklists/_deliver_action.html")

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "in-transit-table"}
        row_attrs = {"data-testid": "in-transit-row", "data-shipment": lambda record: record.number}
        empty_text = gettext_lazy("Nothing is on the road.")

    def render_number(self, record):
        order = record.order
        return format_html(
            "{}{}",
            record.number,
            self.on_phones(_order_link(order), order.customer.name, self.render_shipped_at(record.shipped_at)),
        )

    def render_order(self, record):
        return _order_link(record.order)

    def render_customer(self, record):
        return self.customer_cell(record.order)

    def render_carrier(self, record):
        return " ".join(part for part in (record.carrier, record.tracking_number) if part) or "—"

    def render_shipped_at(self, value):
        days = days_since(value, self.today)
        return format_html(
            '{} <span class="small text-muted text-nowrap" data-testid="days-on-road">{}</span>',
            when(value),
            ngettext("%(days)s day ago", "%(days)s days ago", days) % {"days": days} if days else _("today"),
        )
