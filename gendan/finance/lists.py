"""The invoice and payment lists re-run from a user and a query string: for the pages and their downloads."""

from gendan.sales.filters import list_filters_for

from .filters import InvoiceFilter, PaymentFilter, StatementFilter
from .models import Invoice, Payment, Statement
from .receivables import GROUPS, ageing
from .tables import InvoiceTable, PaymentTable, StatementTable
from .tables_receivables import AGEING_TABLES


def invoice_filter(user, data) -> InvoiceFilter:
    invoices = Invoice.objects.visible_to(user).select_related("customer", "order")
    filterset = list_filters_for(user, data, InvoiceFilter, invoices)
    # The order id is for the API and links; on the page the search box finds an order's invoices.
    del filterset.form.fields["order"]
    return filterset


def invoice_rows(user, data):
    return InvoiceTable, invoice_filter(user, data).qs, ()


def payment_filter(user, data) -> PaymentFilter:
    payments = Payment.objects.visible_to(user).select_related("customer")
    return list_filters_for(user, data, PaymentFilter, payments)


def payment_rows(user, data):
    return PaymentTable, payment_filter(user, data).qs, ()


def ageing_group(data) -> str:
    """The ?group_by= of the ageing (customer or owner); customer when missing or unknown."""
    group_by = data.get("group_by")
    return group_by if group_by in GROUPS else "customer"


def ageing_rows(user, data):
    group_by = ageing_group(data)
    # A download names every row in the query; a page only its own (receivables.name_rows).
    rows = ageing(user=user, group_by=group_by, named=bool(data.get("export")))
    return AGEING_TABLES[group_by], rows, ()


def statement_filter(user, data) -> StatementFilter:
    statements = Statement.objects.visible_to(user).select_related("customer")
    return list_filters_for(user, data, StatementFilter, statements)


def statement_rows(user, data):
    return StatementTable, statement_filter(user, data).qs, ()
