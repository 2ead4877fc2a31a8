"""Worklists: each role's "what is waiting for me", one page per list, counted in the navigation.

An app registers its worklists in its AppConfig.ready(); the navigation, the home page and
`GET /api/v1/worklists/` ask `for_user(user)` and never import the app. A worklist is a
scoped, filtered list with its own page (`url_name`) and API list (`api_url_name`); `count`
gives the number shown beside its name and must cost one query, counting no further than
LIST_COUNT_CAP + 1 (gendan.core.lists.capped_count; templates show it with the `capped` filter).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class Worklist:
    key: str  # "fulfillment.to_ship": the app, then the list
    label: str | Promise
    url_name: str
    count: Callable[..., int]  # count(user) -> how many items wait, in the user's scope, capped
    allowed: Callable[..., bool]  # allowed(user) -> whether the user works this list (no queries)
    api_url_name: str = ""
    icon: str = "bi-list-check"
    order: int = 100  # smaller comes first in the navigation

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
