"""The sellers' and approvers' worklists as tables (see selectors_worklists)."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from gendan.core.tables import ListTable, badge, cell, when

from .approval_rules import reason_text
from .models import ApprovalSubject
from .selectors_worklists import Attention
from .templatetags.sales_ui import status_class

_WIDE = {"td": {"style": "min-width: 12rem"}}
_ATTENTION_CLASSES = {
    Attention.ON_HOLD: "text-bg-warning",
    Attention.REFUSED: "text-bg-danger",
    Attention.LATE: "text-bg-danger",
}


def _order_link(order) -> str:
    return format_html('<a href="{}">{}</a>', reverse("sales:order_detail", args=[order.pk]), order.number)


class ApprovalInboxTable(ListTable):
    default_sort = "waiting"

    subject = tables.Column(gettext_lazy("To approve"), empty_values=(), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), empty_values=(), attrs=_WIDE)
    reasons = tables.Column(gettext_lazy("Why it needs approval"), empty_values=(), attrs=cell(td="small"))
    requested_by = tables.Column(gettext_lazy("Submitted by"), attrs=cell("d-none", "d-md-table-cell", "text-nowrap"))
    waiting = tables.Column(
        gettext_lazy("Waiting"), accessor="created_at", orderable=True, attrs=cell("text-nowrap", td="small")
    )
    total = tables.Column(gettext_lazy("Total"), empty_values=(), attrs=cell("num", "text-nowrap"))

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "approval-inbox"}
        row_attrs = {"data-testid": "worklist-row"}
        empty_text = gettext_lazy("Nothing waits for your approval.")

    def render_subject(self, record):
        link = format_html('<a href="{}">{}</a>', record.url, record.number)
        if record.subject == ApprovalSubject.ORDER:
            return link
        return format_html('{} <span class="badge text-bg-info">{}</span>', link, ApprovalSubject(record.subject).label)

    def render_customer(self, record):
        return record.record.customer.name

    def render_total(self, record):
        return intcomma(record.total)

    def render_reasons(self, record):
        return format_html_join("", "<div>{}</div>", ((reason_text(r),) for r in record.reasons))

    def render_waiting(self, value):
        return format_html('<span title="{}">{}</span>', when(value, "Y-m-d H:i"), timesince(value))


class QuotationsAwaitingTable(ListTable):
    default_sort = "sent"

    number = tables.Column(gettext_lazy("Number"), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", attrs=_WIDE)
    sent = tables.Column(gettext_lazy("Sent"), accessor="sent_at", orderable=True, attrs=cell("text-nowrap"))
    valid_until = tables.Column(gettext_lazy("Valid until"), orderable=True, attrs=cell("text-nowrap"))
    owner = tables.Column(gettext_lazy("Owner"), attrs=cell("d-none", "d-md-table-cell", "text-nowrap"))
    total = tables.Column(gettext_lazy("Total"), attrs=cell("num", "text-nowrap"))

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "quotations-awaiting"}
        row_attrs = {"data-testid": "worklist-row"}
        empty_text = gettext_lazy("No quotation waits for an answer.")

    def render_number(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.number)

    def render_sent(self, value):
        return format_html(
            '{}<div class="small text-muted">{}</div>', when(value), _("%(time)s ago") % {"time": timesince(value)}
        )

    def render_valid_until(self, value):
        if value < timezone.localdate():
            return format_html('<span class="text-danger">{}</span>', when(value))
        return when(value)

    def render_total(self, value):
        return intcomma(value)


class OrdersAttentionTable(ListTable):
    default_sort = ""

    number = tables.Column(gettext_lazy("Number"), attrs=cell("text-nowrap"))
    customer = tables.Column(gettext_lazy("Customer"), accessor="customer__name", attrs=_WIDE)
    attention = tables.Column(gettext_lazy("What is wrong"), attrs=cell("text-nowrap"))
    status = tables.Column(gettext_lazy("Status"), attrs=cell("d-none", "d-sm-table-cell", "text-nowrap"))
    promised_date = tables.Column(gettext_lazy("Promised date"), attrs=cell("text-nowrap"))
    owner = tables.Column(gettext_lazy("Owner"), attrs=cell("d-none", "d-md-table-cell", "text-nowrap"))
    total = tables.Column(gettext_lazy("Total"), attrs=cell("num", "text-nowrap", "d-none", "d-sm-table-cell"))

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "orders-attention"}
        row_attrs = {"data-testid": "worklist-row"}
        empty_text = gettext_lazy("Nothing is wrong with your orders.")

    def render_number(self, record):
        return _order_link(record)

    def render_attention(self, record, value):
        detail = record.hold_reason if value == Attention.ON_HOLD else ""
        text = Attention(value).label
        return format_html('{}<div class="small text-muted">{}</div>', badge(_ATTENTION_CLASSES[value], text), detail)

    def render_status(self, record, value):
        return badge(status_class(record.status), value)

    def render_promised_date(self, record, value):
        late = (timezone.localdate() - value).days
        if late > 0 and record.attention == Attention.LATE:
            days = ngettext("%(days)s day late", "%(days)s days late", late) % {"days": late}
            return format_html('{}<div class="small text-danger">{}</div>', when(value), days)
        return when(value)

    def render_total(self, value):
        return intcomma(value)
