"""Finance's worklists, registered in FinanceConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from gendan.accounts.roles import Role
from gendan.core.worklists import Worklist

from .selectors_worklists import invoices_unpaid, orders_to_invoice, payments_unallocated

# The people who bill and collect, and those who watch the money come in.
FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN, Role.EXECUTIVE})


def works_finance(user) -> bool:
    """By role, not by permission: asked on every page for the navigation, it must cost no query."""
    return user.is_authenticated and (user.is_superuser or user.role in FINANCE_ROLES)


WORKLISTS = [
    Worklist(
        key="finance.to_invoice",
        label=_("To invoice"),
        url_name="finance:to_invoice",
        api_url_name="worklist-to-invoice-list",
        rows=orders_to_invoice,
        allowed=works_finance,
        icon="bi-receipt",
        order=50,
    ),
    Worklist(
        key="finance.unpaid_invoices",
        label=_("Unpaid invoices"),
        url_name="finance:unpaid_invoices",
        api_url_name="worklist-unpaid-invoices-list",
        rows=invoices_unpaid,
        allowed=works_finance,
        icon="bi-hourglass-split",
        order=51,
    ),
    Worklist(
        key="finance.unallocated_payments",
        label=_("Payments to allocate"),
        url_name="finance:unallocated_payments",
        api_url_name="worklist-unallocated-payments-list",
        rows=payments_unallocated,
        allowed=works_finance,
        icon="bi-cash-stack",
        order=52,
    ),
]
