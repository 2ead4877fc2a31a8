"""Customers picked by name as people type (core.lookups): only those the user sees; and the people who sell."""

from django.urls import reverse_lazy

from gendan.accounts.lookups import user_matches, user_picker
from gendan.core.lookups import LOOKUP_LIMIT, LookupInput
from gendan.core.search import search

from .forms import SELLING_ROLES
from .models import Customer
from .search import CUSTOMERS


def customer_matches(user, query: str):
    """The user's customers that `query` finds (crm.search.CUSTOMERS), by name."""
    customers = search(Customer.objects.visible_to(user), CUSTOMERS, query)
    return customers.order_by("name", "pk").values_list("pk", "name")[:LOOKUP_LIMIT]


def customer_label(pk: int, user) -> str | None:
    if user is None:
        return None
    return Customer.objects.visible_to(user).filter(pk=pk).values_list("name", flat=True).first()


def customer_picker() -> LookupInput:
    return LookupInput(source=reverse_lazy("lookup_customers"), label_of=customer_label)


def seller_matches(user, query: str):
    """The people who may own customers, contracts and meetings."""
    return user_matches(user, query, roles=SELLING_ROLES)


def seller_picker() -> LookupInput:
    return user_picker(source=reverse_lazy("lookup_sellers"))
