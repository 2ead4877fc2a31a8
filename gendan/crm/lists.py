"""The customer list re-run from a user and a query string: for the page and for its downloads in the worker."""

from gendan.accounts.roles import DataScope

from .filters import CustomerFilter
from .selectors import customer_list
from .tables import CustomerTable


def customer_filter(user, data, request=None) -> CustomerFilter:
    filterset = CustomerFilter(data, queryset=customer_list(user=user), request=request)
    if user.data_scope == DataScope.OWN:
        # Someone who sees only their own customers has no owner to choose.
        del filterset.form.fields["owner"]
    return filterset


def customer_rows(user, data):
    return CustomerTable, customer_filter(user, data).qs, ()
