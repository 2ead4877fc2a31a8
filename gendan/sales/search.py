"""How orders and quotations are searched (core.search): by number, or by their customer."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gendan.core.search import Kind, Searchable, joined
from gendan.crm.search import CUSTOMERS

from .models import Order, Quotation

ORDERS = Searchable(Order, numbers=("number",), through=(("customer", CUSTOMERS),))
QUOTATIONS = Searchable(Quotation, numbers=("number",), through=(("customer", CUSTOMERS),))
# For the documents that follow an order (invoices, shipments): found by their order's number.
ORDER_NUMBERS = Searchable(Order, numbers=("number",))


# What the global search finds of sales (core.search.Kind), registered in SalesConfig.ready().
ORDER_KIND = Kind(
    "order",
    ORDERS,
    title=_("Orders"),
    permission="sales.view_order",
    label=lambda order: joined(order.number, order.customer.name),
    detail=lambda order: order.get_status_display(),
    url=lambda order: reverse("sales:order_detail", args=[order.pk]),
    related=("customer",),
    list_url="sales:order_list",
)
QUOTATION_KIND = Kind(
    "quotation",
    QUOTATIONS,
    title=_("Quotations"),
    permission="sales.view_quotation",
    label=lambda quotation: joined(quotation.label, quotation.customer.name),
    detail=lambda quotation: quotation.get_status_display(),
    url=lambda quotation: quotation.get_absolute_url(),
    related=("customer",),
    list_url="quotations:list",
)
