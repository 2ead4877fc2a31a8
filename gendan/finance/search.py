"""How invoices and payments are searched (core.search): by number, their order's number or their customer."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from gendan.core.search import Kind, Searchable, joined
from gendan.crm.search import CUSTOMERS
from gendan.sales.search import ORDER_NUMBERS

from .models import Invoice, Payment

# Seen through their order or customer (a join): found by number on SQLite (core.search.Searchable.sqlite_key).
INVOICES = Searchable(
    Invoice,
    numbers=("number",),
    through=(("order", ORDER_NUMBERS), ("customer", CUSTOMERS)),
    sqlite_key="number",
)
PAYMENTS = Searchable(
    Payment,
    numbers=("number",),
    text=("reference",),
    codes=True,
    through=(("customer", CUSTOMERS),),
    sqlite_key="number",
)


def _payment_url(payment) -> str:
    # No page of its own: the payment list searched for its number, where it is allocated and refunded.
    return f"{reverse('finance:payment_list')}?{urlencode({'q': payment.number})}"


# What the global search finds of finance (core.search.Kind), registered in FinanceConfig.ready().
INVOICE_KIND = Kind(
    "invoice",
    INVOICES,
    title=_("Invoices"),
    permission="finance.view_invoice",
    label=lambda invoice: joined(invoice.number, invoice.customer.name),
    detail=lambda invoice: joined(invoice.fapiao_number, invoice.get_status_display()),
    url=lambda invoice: reverse("finance:invoice_detail", args=[invoice.pk]),
    related=("customer",),
    list_url="finance:invoice_list",
)
PAYMENT_KIND = Kind(
    "payment",
    PAYMENTS,
    title=_("Payments"),
    permission="finance.view_payment",
    label=lambda payment: joined(payment.number, payment.customer.name),
    detail=lambda payment: joined(date_format(payment.received_on), payment.reference),
    url=_payment_url,
    related=("customer",),
    list_url="finance:payment_list",
)
