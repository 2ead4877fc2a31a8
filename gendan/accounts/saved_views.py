"""The lists people save their set-ups of (accounts.SavedView), each registered by its app in AppConfig.ready():

    saved_views.register(
        "orders", table=OrderTable, filters=OrderFilter, permission="sales.view_order", url_name="sales:order_list"
    )

A view's query holds the list's filters and sort, checked against the list's filter set and table; its
columns are among the table's optional ones (core.tables.ListTable.optional_columns). A list page offers
its views by passing `accounts.selectors.saved_views_menu(request, name)` to the template as
`saved_views`, which includes "accounts/includes/saved_views_menu.html".
"""

from dataclasses import dataclass

from django.http import QueryDict
from django.urls import reverse


@dataclass(frozen=True)
class SavedList:
    name: str
    # A core.tables.ListTable: the sort keys and the optional columns.
    table: type
    # A core.filters.FilterSet: the parameters a view may hold.
    filters: type
    # Whoever may read the list may save views of it.
    permission: str
    url_name: str


_LISTS: dict[str, SavedList] = {}


def register(name: str, *, table: type, filters: type, permission: str, url_name: str) -> None:
    _LISTS[name] = SavedList(name, table, filters, permission, url_name)


def get(name: str) -> SavedList | None:
    return _LISTS.get(name)


def names_for(user) -> list[str]:
    """The lists `user` may read, so may keep views of."""
    return [name for name, entry in _LISTS.items() if user.has_perm(entry.permission)]


# Parameters of a list's address that are not its set-up: the page, a download, a selection, the columns
# (kept apart) and the chosen view itself.
NOT_SAVED = frozenset({"page", "after", "before", "export", "id", "columns", "view"})


def canonical_query(data: QueryDict) -> str:
    """The set-up in a list's query: its filters and sort, empty values left out, parameters in name order.

    The same set-up always reads the same, so a page can tell whether it still shows the view it opened.
    """
    pairs = [(name, value) for name in sorted(data) if name not in NOT_SAVED for value in data.getlist(name) if value]
    params = QueryDict(mutable=True)
    for name, value in pairs:
        params.appendlist(name, value)
    return params.urlencode()


def link(view, entry: SavedList | None = None) -> str:
    """The list as `view` sets it up: its filters and sort, its columns, and the view named (?view=)."""
    entry = entry or get(view.list_name)
    params = QueryDict(view.query, mutable=True)
    params["columns"] = ",".join(view.columns)
    params["view"] = str(view.pk)
    return f"{reverse(entry.url_name)}?{params.urlencode()}"
