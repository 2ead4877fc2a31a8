"""The order list re-run from a user and a query string: for the page and for its downloads in the worker."""

from .filters import OrderFilter
from .selectors import order_list
from .tables import OrderTable


def order_filter(user, data, request=None) -> OrderFilter:
    return OrderFilter(data, queryset=order_list(user=user), request=request)


def order_rows(user, data):
    return OrderTable, order_filter(user, data).qs, ()
