"""The lists re-run from a user and a query string: for their pages and for their downloads in the worker."""

from gendan.accounts.roles import DataScope
from gendan.core.bounds import id_from

from .filters import OPEN, ContractFilter, CustomerFilter, OpportunityFilter
from .models import Customer
from .selectors import contract_list, customer_list, opportunity_list
from .tables import ContractTable, CustomerTable, OpportunityTable

# What a page's own links add to its query without choosing a filter: a sort, a page, a download.
NOT_FILTERS = {"sort", "page", "after", "before", "export"}


def with_default(data, key, value):
    """The query, with `key` preset when no filter is chosen (opened from the menu, then sorted, paged or downloaded)."""
    params = data.copy()
    if set(params) <= NOT_FILTERS:
        params[key] = value
    return params


def for_customer(user, data, queryset):
    """?customer= (from a customer's page) narrows a list to that customer; the customer, if the user sees it."""
    customer_id = id_from(data.get("customer"))
    if customer_id is None:
        return queryset, None
    customer = Customer.objects.visible_to(user).filter(pk=customer_id).first()
    return queryset.filter(customer_id=customer_id), customer


def customer_filter(user, data, request=None) -> CustomerFilter:
    filterset = CustomerFilter(data, queryset=customer_list(user=user), request=request)
    if user.data_scope == DataScope.OWN:
        # Someone who sees only their own customers has no owner to choose.
        del filterset.form.fields["owner"]
    return filterset


def customer_rows(user, data):
    return CustomerTable, customer_filter(user, data).qs, ()


def contract_filter(user, data, request=None) -> tuple[ContractFilter, Customer | None]:
    queryset, customer = for_customer(user, data, contract_list(user=user))
    return ContractFilter(data, queryset=queryset, request=request), customer


def contract_rows(user, data):
    return ContractTable, contract_filter(user, data)[0].qs, ()


def opportunity_filter(user, data, request=None) -> tuple[OpportunityFilter, Customer | None]:
    queryset, customer = for_customer(user, data, opportunity_list(user=user))
    return OpportunityFilter(with_default(data, "stage", OPEN), queryset=queryset, request=request), customer


def opportunity_rows(user, data):
    return OpportunityTable, opportunity_filter(user, data)[0].qs, ()
