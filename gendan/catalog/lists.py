"""The product list as the page and its downloads (in the request or by the worker) both build it."""

from .filters import ProductListFilter
from .selectors import product_list
from .tables import ProductTable

# Columns a user without the permission does not get, on the page or in a download.
HIDDEN_WITHOUT = (("cost", "catalog.view_cost"), ("actions", "catalog.change_product"))


def hidden_columns(user) -> list[str]:
    return [name for name, perm in HIDDEN_WITHOUT if not user.has_perm(perm)]


def product_filter(user, data, request=None) -> ProductListFilter:
    return ProductListFilter(data, queryset=product_list(user=user), request=request)


def product_rows(user, data):
    return ProductTable, product_filter(user, data).qs, hidden_columns(user)
