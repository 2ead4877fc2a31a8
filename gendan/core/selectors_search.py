"""The global search: one box finds every kind of record the apps registered (core.search.register).

Each kind is searched as its own list searches (`core.search.search` over the user's scope), and
only its first few rows are read, in the list's own order, plus one to tell that there are more:
nothing is counted, so a broad term costs what a list's first page costs, once per kind. A kind
whose list the user may not open (its view permission) is not searched at all.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.text import capfirst

from . import search
from .lists import by_key

# The rows each kind shows: enough to recognise the one looked for; the rest are in the kind's list.
RESULTS_PER_KIND = 5
# Longer text is no number, name or phone anyone types (as the look-ups: core.lookups).
TERM_MAX_LENGTH = 100


@dataclass(frozen=True)
class Found:
    type: str
    id: int
    label: str
    detail: str
    url: str


@dataclass(frozen=True)
class Group:
    """One kind's rows; `more` when the kind found more than those, `list_url` its list searched the same way."""

    kind: search.Kind
    rows: list[Found]
    more: bool
    list_url: str

    @property
    def type(self) -> str:
        return self.kind.name

    @property
    def title(self) -> str:
        return str(self.kind.title)

    @property
    def record_title(self) -> str:
        """What one of its records is: "Order" (the group's title is "Orders")."""
        return capfirst(self.kind.searchable.model._meta.verbose_name)


def global_search(*, user, term: str, per_kind: int = RESULTS_PER_KIND) -> list[Group]:
    """The groups of records `term` (stripped, not empty) finds among those `user` sees; kinds finding nothing left out.

    A fixed number of queries per kind the user may see (the search's probe, then one page of rows
    with what their labels name), whatever the term finds.
    """
    groups = []
    with search.sharing_keys():
        for kind in search.kinds():
            if user.has_perm(kind.permission):
                groups += _group(kind, user, term, per_kind)
    return groups


def _group(kind: search.Kind, user, term: str, per_kind: int) -> list[Group]:
    """The kind's group, in a list: none when it finds nothing."""
    found = search.search(kind.visible_to(user), kind.searchable, term)
    # The few keys first, then their rows with what their labels name. In one statement, PostgreSQL joined each of a
    # term's 2,000 payments to its customer before sorting them for the first six (28 ms; 12 for the keys alone).
    keys = list(found.values_list("pk", flat=True)[: per_kind + 1])
    if not keys:
        return []
    rows = by_key(found.select_related(*kind.related)).in_bulk(keys)
    # A row deleted between the two reads is left out.
    records = [rows[key] for key in keys if key in rows]
    rows = [
        Found(
            type=kind.name,
            id=record.pk,
            label=str(kind.label(record)),
            detail=str(kind.detail(record)) if kind.detail else "",
            url=kind.url(record),
        )
        for record in records[:per_kind]
    ]
    list_url = f"{reverse(kind.list_url)}?{urlencode({'q': term})}" if kind.list_url else ""
    return [Group(kind=kind, rows=rows, more=len(records) > per_kind, list_url=list_url)]
