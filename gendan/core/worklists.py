"""Worklists: each role's "what is waiting for me", one page per list, counted in the navigation.

An app registers its worklists in its AppConfig.ready(); the navigation, the home page and
`GET /api/v1/worklists/` ask `for_user(user)` and never import the app. A worklist is a
scoped, filtered list with its own page (`url_name`) and API list (`api_url_name`); `rows(user=)`
is the selector the page and the API list start from, and `count(user)` counts it in one query,
no further than LIST_COUNT_CAP + 1 (core.lists.capped_count; templates show it with `capped`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise

from .lists import capped_count


@dataclass(frozen=True)
class Worklist:
    key: str  # "fulfillment.to_ship": the app, then the list
    label: str | Promise
    url_name: str
    rows: Callable[..., QuerySet]  # rows(user=user) -> the items waiting, in the user's scope
    allowed: Callable[..., bool]  # allowed(user) -> whether the user works this list (no queries)
    api_url_name: str = ""
    icon: str = "bi-list-check"
    order: int = 100  # smaller comes first in the navigation

    def count(self, user) -> int:
        return capped_count(self.rows(user=user))

    @property
    def url(self) -> str:
        return reverse(self.url_name)

    @property
    def api_url(self) -> str:
        return reverse(self.api_url_name) if self.api_url_name else ""


_registry: dict[str, Worklist] = {}


def register(worklist: Worklist) -> None:
    _registry[worklist.key] = worklist


def for_user(user) -> list[Worklist]:
    """The worklists `user` works, in navigation order (no queries: counts are asked separately)."""
    if not user.is_authenticated:
        return []
    return sorted((w for w in _registry.values() if w.allowed(user)), key=lambda w: (w.order, w.key))


def with_counts(user) -> list[tuple[Worklist, int]]:
    return [(worklist, worklist.count(user)) for worklist in for_user(user)]
