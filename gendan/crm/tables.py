"""The CRM lists: customers, leads, opportunities, contracts, follow-ups and meetings."""

import datetime

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gendan.core.tables import ListTable, badge, cell, number, when

from .models import ContractStatus

# Contracts in force ending this soon are flagged in lists and on their page.
SOON_DAYS = 60


def _customer_link(customer_id, name, css_class="text-reset"):
    return format_html(
        '<a class="{}" href="{}">{}</a>', css_class, reverse("crm:customer_detail", args=[customer_id]), name
    )


def _phone_link(phone):
    return format_html('<a href="tel:{}">{}</a>', phone, phone) if phone else ""


def _subline(breakpoint, content):
    """What a column hidden on phones says under the row's first cell, on phones only."""
    return format_html('<div class="small text-muted d-{}-none">{}</div>', breakpoint, content)


class CustomerTable(ListTable):
    default_sort = "name"
    # customer_name_idx, and the code's unique index.
    indexed_sorts = frozenset({"name", "code"})
    export_name = "customers"
    custom_record_type = "crm.customer"
    export_sequence = (
        "code",
        "name",
        "phone",
        "email",
        "level",
        "region",
        "industry",
        "owner",
        "open_orders",
        "credit_limit",
        "payment_terms_days",
        "created_at",
    )

    code = tables.Column(
        _("Code"), orderable=True, attrs=cell("text-nowrap", "d-none", "d-sm-table-cell", td="text-muted small")
    )
    name = tables.Column(_("Name"), orderable=True)
    phone = tables.Column(_("Phone"), attrs=cell("d-none", "d-md-table-cell", td="text-nowrap"))
    owner = tables.Column(_("Owner"), attrs=cell("d-none", "d-sm-table-cell", td="text-nowrap"))
    level = tables.Column(_("Level"), attrs=cell("d-none", "d-sm-table-cell"))
    open_orders = tables.Column(
        _("Open orders"), accessor="open_order_count", orderable=True, attrs=cell("num", th="text-nowrap")
    )
    created = tables.Column(
        _("Created"),
        accessor="created_at",
        orderable=True,
        exclude_from_export=True,
        attrs=cell("d-none", "d-lg-table-cell", "text-nowrap", td="small"),
    )
    # In downloads only.
    email = tables.Column(_("E-mail"), visible=False)
    region = tables.Column(_("Region"), visible=False)
    industry = tables.Column(_("Industry"), visible=False)
    credit_limit = tables.Column(_("Credit limit"), visible=False)
    payment_terms_days = tables.Column(_("Payment terms (days)"), visible=False)
    created_at = tables.Column(_("Created at"), visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "customer-table"}
        empty_text = _("No customers match these filters.")

    def render_name(self, record):
        return format_html(
            '<a href="{}">{}</a>{}',
            reverse("crm:customer_detail", args=[record.pk]),
            record.name,
            _subline("md", record.phone),
        )

    def render_level(self, record, value):
        return format_html('<span class="badge level-{}" title="{}">{}</span>', record.level, value, record.level)

    def render_created(self, value):
        return when(value)


class LeadTable(ListTable):
    default_sort = "-created"

    company = tables.Column(_("Company"), orderable=True, empty_values=())
    contact = tables.Column(
        _("Contact"), accessor="contact_name", empty_values=(), attrs=cell("d-none", "d-sm-table-cell", td="small")
    )
    source = tables.Column(_("Source"), attrs=cell("d-none", "d-md-table-cell", td="small"))
    owner = tables.Column(_("Owner"), attrs=cell("d-none", "d-lg-table-cell", td="text-nowrap"))
    status = tables.Column(_("Status"), orderable=True, attrs={"th": {"class": "text-nowrap"}})
    created = tables.Column(
        _("Created"),
        accessor="created_at",
        orderable=True,
        attrs=cell("d-none", "d-sm-table-cell", "text-nowrap", td="small"),
    )

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "lead-table"}
        row_attrs = {"data-testid": "lead-row"}
        empty_text = _("No leads match these filters.")

    def render_company(self, record):
        return format_html(
            '<a href="{}">{}</a><div class="small text-muted d-sm-none">{} {}</div>',
            reverse("crm:lead_detail", args=[record.pk]),
            record.company,
            record.contact_name,
            _phone_link(record.phone),
        )

    def render_contact(self, record):
        phone = format_html("<div>{}</div>", _phone_link(record.phone)) if record.phone else ""
        return format_html("{}{}", record.contact_name or "—", phone)

    def render_status(self, record, value):
        return badge(f"text-bg-light border lead-{record.status}", value)

    def render_created(self, value):
        return when(value, "Y-m-d H:i")


class OpportunityTable(ListTable):
    default_sort = "close"
    export_name = "opportunities"
    custom_record_type = "crm.opportunity"

    name = tables.Column(_("Name"), orderable=True)
    customer = tables.Column(
        _("Customer"), accessor="customer__name", orderable=True, attrs=cell("d-none", "d-sm-table-cell")
    )
    stage = tables.Column(_("Stage"), orderable=True, attrs={"th": {"class": "text-nowrap"}})
    amount = tables.Column(_("Amount"), orderable=True, attrs=cell("num", td="text-nowrap"))
    probability = tables.Column("%", exclude_from_export=True, attrs=cell("num", "d-none", "d-md-table-cell"))
    probability_percent = tables.Column(_("Probability (%)"), accessor="probability", visible=False)
    close = tables.Column(
        _("Expected close"),
        accessor="expected_close_on",
        orderable=True,
        attrs=cell("d-none", "d-md-table-cell", "text-nowrap", td="small"),
    )
    owner = tables.Column(_("Owner"), attrs=cell("d-none", "d-lg-table-cell", td="text-nowrap"))
    lost_reason = tables.Column(_("Reason lost"), visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "opportunity-table"}
        row_attrs = {"data-testid": "opportunity-row"}
        empty_text = _("No opportunities match these filters.")

    def render_name(self, record):
        return format_html(
            '<a href="{}">{}</a>{}',
            reverse("crm:opportunity_detail", args=[record.pk]),
            record.name,
            _subline("sm", record.customer.name),
        )

    def render_customer(self, record):
        return _customer_link(record.customer_id, record.customer.name)

    def render_stage(self, record, value):
        return badge(f"text-bg-light border stage-{record.stage}", value)

    def render_amount(self, value):
        return format_html("¥{}", number(value, "0g"))

    def render_close(self, value):
        return when(value)


class ContractTable(ListTable):
    default_sort = "end"
    export_name = "contracts"
    export_sequence = ("number", "title", "customer", "status", "start_date", "end", "amount", "owner", "signed_on")

    number = tables.Column(_("Number"), orderable=True, attrs=cell("text-nowrap", td="small"))
    customer = tables.Column(_("Customer"), accessor="customer__name", orderable=True)
    title = tables.Column(_("Title"), attrs=cell("d-none", "d-md-table-cell"))
    end = tables.Column(
        _("End date"),
        accessor="end_date",
        orderable=True,
        attrs={
            "th": {"class": "text-nowrap"},
            "td": {
                "class": lambda record, table: (
                    "text-nowrap small" + (" text-danger fw-semibold" if table.ends_soon(record) else "")
                )
            },
        },
    )
    amount = tables.Column(
        _("Amount"), orderable=True, attrs=cell("num", "d-none", "d-sm-table-cell", td="text-nowrap")
    )
    owner = tables.Column(_("Owner"), attrs=cell("d-none", "d-lg-table-cell", td="text-nowrap"))
    status = tables.Column(_("Status"), orderable=True, attrs={"th": {"class": "text-nowrap"}})
    # In downloads only.
    start_date = tables.Column(_("Start date"), visible=False)
    signed_on = tables.Column(_("Signed on"), visible=False)

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "contract-table"}
        row_attrs = {"data-testid": "contract-row"}
        empty_text = _("No contracts match these filters.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.soon = timezone.localdate() + datetime.timedelta(days=SOON_DAYS)

    def ends_soon(self, contract) -> bool:
        return contract.status == ContractStatus.ACTIVE and contract.end_date <= self.soon

    def render_number(self, record):
        return format_html('<a href="{}">{}</a>', reverse("crm:contract_detail", args=[record.pk]), record.number)

    def render_customer(self, record):
        return format_html(
            "{}{}", _customer_link(record.customer_id, record.customer.name), _subline("md", record.title)
        )

    def render_end(self, value):
        return when(value)

    def render_amount(self, value):
        return format_html("¥{}", number(value, "2g"))

    def render_status(self, record, value):
        return badge(f"text-bg-light border contract-{record.status}", value)


class FollowUpTable(ListTable):
    default_sort = "-when"

    when = tables.Column(
        pgettext_lazy("follow-up", "When"),
        accessor="occurred_at",
        orderable=True,
        attrs=cell("text-nowrap", td="small"),
    )
    customer = tables.Column(_("Customer"), accessor="customer__name", orderable=True)
    kind = tables.Column(_("Kind"), orderable=True, attrs=cell("d-none", "d-sm-table-cell", td="text-nowrap"))
    notes = tables.Column(_("Notes"), empty_values=(), attrs={"td": {"class": "small wrap"}})
    author = tables.Column(_("Recorded by"), attrs=cell("d-none", "d-md-table-cell", td="text-nowrap"))
    next_followup_on = tables.Column(
        _("Next follow-up"), attrs=cell("d-none", "d-lg-table-cell", "text-nowrap", td="small")
    )

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "followup-table"}
        row_attrs = {"data-testid": "followup-row"}
        empty_text = _("No follow-ups match these filters.")

    def render_when(self, value):
        return when(value, "Y-m-d H:i")

    def render_customer(self, record):
        return format_html(
            "{}{}",
            _customer_link(record.customer_id, record.customer.name, css_class=""),
            _subline("sm", record.get_kind_display()),
        )

    def render_notes(self, record):
        outcome = format_html('<div class="text-success">{}</div>', record.outcome) if record.outcome else ""
        return format_html("{}{}", Truncator(record.notes).chars(80), outcome)

    def render_next_followup_on(self, value):
        return when(value)


class MeetingTable(ListTable):
    default_sort = "starts"

    starts = tables.Column(_("Starts at"), accessor="starts_at", orderable=True, attrs=cell("text-nowrap", td="small"))
    title = tables.Column(_("Subject"))
    customer = tables.Column(_("Customer"), accessor="customer__name", orderable=True)
    place = tables.Column(_("Place"), attrs=cell("d-none", "d-md-table-cell", td="small"))
    owner = tables.Column(_("Owner"), attrs=cell("d-none", "d-sm-table-cell", td="text-nowrap"))
    status = tables.Column(_("Status"), orderable=True, attrs={"th": {"class": "text-nowrap"}})

    class Meta(ListTable.Meta):
        attrs = {**ListTable.Meta.attrs, "data-testid": "meeting-table"}
        row_attrs = {"data-testid": "meeting-row"}
        empty_text = _("No meetings match these filters.")

    def render_starts(self, value):
        return when(value, "Y-m-d H:i")

    def render_title(self, record):
        return format_html('<a href="{}">{}</a>', reverse("crm:meeting_detail", args=[record.pk]), record.title)

    def render_customer(self, record):
        return _customer_link(record.customer_id, record.customer.name)

    def render_status(self, record, value):
        return badge(f"text-bg-light border meeting-{record.status}", value)
