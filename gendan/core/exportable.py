"""Lists whose downloads the worker can build: each is re-run from a user and a query string.

An app registers its lists in `AppConfig.ready()`:

    exportable.register("orders", order_rows, permission="sales.view_order")

`rows(user, querydict)` returns (table_class, queryset, exclude): the list's table, its scoped and
filtered rows (unsorted: the sort comes from the query, as on the page) and the columns the user
may not see. The view calls the same function, so a download in the background holds exactly what
the page would.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportableList:
    name: str
    rows: Callable
    permission: str


_LISTS: dict[str, ExportableList] = {}


def register(name: str, rows: Callable, *, permission: str) -> None:
    _LISTS[name] = ExportableList(name, rows, permission)


def get(name: str) -> ExportableList | None:
    return _LISTS.get(name)
