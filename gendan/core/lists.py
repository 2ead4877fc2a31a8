"""Pagination, the same on every list: list pages (gendan.core.tables) and the paged feeds (notifications).

At a million rows two things are slow: counting every matching row for "1–25 of N", and OFFSET on deep pages
(the database reads and drops every row before the page). So:

- the count stops at LIST_COUNT_CAP: `paginator.count` is at most the cap and `paginator.capped` says there
  are more; the pager then shows "more than N" and offers next/previous, never a last page it cannot know;
- past page LIST_KEYSET_FROM_PAGE the pager's next/previous links carry a cursor (?after= / ?before=, the
  sort values of the page's last / first row, signed) and the page is read with `(sort key, pk) > cursor`
  instead of OFFSET. Keyset needs every sort field to be a non-null model field (NULLs sort first on SQLite
  and last on PostgreSQL, so they cannot be compared portably): sorts on a nullable field or on an
  annotation page by OFFSET all the way, as before;
- a page asked for by its number from page LIST_KEYSET_FROM_PAGE on (a link, a typed URL, the API's ?page=)
  still needs its OFFSET, but pays it on the list's own table only: the page's keys first (on an index of the
  sort, alone), then those rows with their customer, owner, ... An OFFSET over the whole list would join each
  row it skips before skipping it. A queryset may offer `deep_page_keys(bottom, top)`, a narrower read of those
  keys (a rep's payments, from the allocations' index of owner and date), or None where its filters or order
  leave it none; and likewise `narrow_count(cap)`, a narrower capped count. A list sorted by what no index
  holds reads every page so (`keys_first`).
"""

import datetime
import decimal
import uuid
from functools import reduce
from operator import or_

from django.conf import settings
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q, QuerySet
from django.db.models.sql.where import WhereNode
from django.utils.functional import cached_property

PAGE_SIZE = 25
# A page number past this is refused as out of range (its OFFSET would be absurd, or overflow).
_MAX_PAGE = 1_000_000
_CURSOR_SALT = "gendan.core.lists.cursor"


def keyset_of(model, order: list[tuple[str, bool]]) -> list[tuple[str, bool]] | None:
    """`order` ((field path, descending) pairs, ending with a unique field) if a page can be found by keyset.

    None when a field is nullable, reached through a nullable relation, a relation itself (it would
    sort by the related model's ordering) or not a model field at all (an annotation).
    """
    if not order or order[-1][0] not in ("pk", model._meta.pk.name):
        return None
    for path, _descending in order:
        current, field = model, None
        for part in path.split("__"):
            if current is None:
                return None
            try:
                field = current._meta.pk if part == "pk" else current._meta.get_field(part)
            except FieldDoesNotExist:
                return None
            if not field.concrete or field.null or field.many_to_many:
                return None
            current = field.related_model if field.is_relation else None
        if field.is_relation:
            return None
    return order


def keyset_filter(queryset, keyset: list[tuple[str, bool]], values: list):
    """The rows of `queryset` (ordered by `keyset`) that come after the row whose sort values are `values`."""
    conditions, equal = [], Q()
    for (path, descending), value in zip(keyset, values, strict=True):
        conditions.append(equal & Q(**{f"{path}__{'lt' if descending else 'gt'}": value}))
        equal &= Q(**{path: value})
    # The same bound on the first sort field alone, which the OR above implies: an index on that field
    # starts its scan there. Without it PostgreSQL walks the index from the top and filters out
    # every row before the cursor, as OFFSET would.
    (first, descending), first_value = keyset[0], values[0]
    return queryset.filter(Q(**{f"{first}__{'lte' if descending else 'gte'}": first_value}), reduce(or_, conditions))


def keys_first(queryset: QuerySet) -> QuerySet:
    """`queryset`, whose every page reads its keys first, then those rows (as deep pages do).

    For a list ordered by what no index holds and long before its filters: the database sorts the narrow
    rows of the table alone and joins only the page's (the orders needing attention of a whole company:
    eleven thousand on hold at a million orders, each joined to its customer and owner before the sort).
    """
    queryset = queryset.all()
    # On the query, which every later filter, order and slice copies.
    queryset.query.keys_first = True
    return queryset


def by_key(rows: QuerySet) -> QuerySet:
    """`rows` without their conditions: the same joins, columns and annotations, for reading rows by key alone.

    The keys were read under the list's scope and filters a moment before. Asked again beside 25 keys, those
    conditions cost more than the keys save: PostgreSQL plans for the conditions (a company's approval inbox,
    its scope and eight joins, is a parallel scan of every request: 33 ms against 11 ms by key alone). A row
    changed in between shows as it is now, as a row of a page read a moment later would.
    """
    by_key = rows.order_by()
    by_key.query.where = WhereNode()
    return by_key


def capped_count(queryset, cap: int | None = None) -> int:
    """How many rows `queryset` has, counting no further than `cap` + 1 (a COUNT over a LIMITed subquery).

    More than `cap` (LIST_COUNT_CAP by default) reads as `cap` + 1: show it with the `capped` filter.
    """
    cap = settings.LIST_COUNT_CAP if cap is None else cap
    narrower = getattr(queryset, "narrow_count", None)
    if narrower is not None and (counted := narrower(cap)) is not None:
        return counted
    if queryset.query.group_by:
        # Rows that are groups (values().annotate()): their count is the groups', keys and all.
        return queryset.order_by()[: cap + 1].count()
    if not queryset.query.distinct and not queryset.query.distinct_fields:
        # Sorting the whole table only to count its first rows would cost what the cap saves, and so
        # would computing the columns it shows (a count per customer): only the key is read.
        queryset = queryset.order_by().values("pk")
    return queryset[: cap + 1].count()


def _sort_value(record, path: str):
    for part in path.split("__"):
        record = getattr(record, part)
    return record


def _plain(value):
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


class ListPage(Page):
    """A page that knows whether rows follow without the full count, and its keyset cursors."""

    def __init__(self, object_list, number, paginator, *, more_after=None, more_before=None):
        super().__init__(object_list, number, paginator)
        self._more_after = more_after
        self._more_before = more_before

    def has_next(self):
        return super().has_next() if self._more_after is None else self._more_after

    def has_previous(self):
        return super().has_previous() if self._more_before is None else self._more_before

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return max(self.number - 1, 1)

    def end_index(self):
        return self.start_index() + len(self.object_list) - 1 if len(self.object_list) else 0

    @property
    def next_cursor(self) -> str:
        """?after= for the next page, or "" when it is near enough for OFFSET (or keyset is not possible)."""
        if self.has_next() and self.number + 1 > settings.LIST_KEYSET_FROM_PAGE:
            return self.paginator.cursor_of(self.object_list[len(self.object_list) - 1])
        return ""

    @property
    def previous_cursor(self) -> str:
        """?before= for the previous page, or "" as for `next_cursor`."""
        if self.has_previous() and self.number - 1 > settings.LIST_KEYSET_FROM_PAGE:
            return self.paginator.cursor_of(self.object_list[0])
        return ""


class ListPaginator(Paginator):
    """Django's Paginator whose count stops at `cap` and whose deep pages can be found by keyset."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, keyset=None, counted=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = settings.LIST_COUNT_CAP if cap is None else cap
        self.keyset = keyset
        if counted is not None:
            # Counted already (capped at the same cap) by the caller: not twice.
            self._counted = counted

    @cached_property
    def _counted(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return len(self.object_list)
        return capped_count(self.object_list, self.cap)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """Whether there are more rows than `count` says."""
        return self._counted > self.cap

    def validate_number(self, number):
        if not self.capped:
            return super().validate_number(number)
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1 or number > _MAX_PAGE:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        if not self.capped:
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self._rows(bottom, top), number, self)
        # Past the counted rows no count tells where the list ends: one more row than the page does.
        rows = self._rows(bottom, bottom + self.per_page + 1)
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        return ListPage(rows[: self.per_page], number, self, more_after=len(rows) > self.per_page)

    def _rows(self, bottom: int, top: int) -> list:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return list(rows[bottom:top])
        far = bottom >= (settings.LIST_KEYSET_FROM_PAGE - 1) * self.per_page
        # Groups (values().annotate()) have no row keys to read first: they are sliced. Nor do DISTINCT rows
        # (a filter of several choices) on PostgreSQL, which sorts DISTINCT keys only by what they select.
        if not (far or getattr(rows.query, "keys_first", False)) or rows.query.group_by or rows.query.distinct:
            return list(rows[bottom:top])
        narrower = getattr(rows, "deep_page_keys", None)
        keys = narrower(bottom, top) if narrower else None
        if keys is None:
            keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = by_key(rows).in_bulk(keys)
        # A row deleted between the two reads is left out, as if the page had been read a moment later.
        return [found[key] for key in keys if key in found]

    def get_page(self, number):
        try:
            return super().get_page(number)
        except EmptyPage:
            # Capped, a number past the end of the list (which no count tells): the last page the count vouches for.
            return self.page(self.num_pages)

    def _get_page(self, *args, **kwargs):
        return ListPage(*args, **kwargs)

    def cursor_of(self, record) -> str:
        if not self.keyset:
            return ""
        return signing.dumps(
            [_plain(_sort_value(record, path)) for path, _descending in self.keyset], salt=_CURSOR_SALT, compress=True
        )

    def keyset_page(self, cursor: str, number, *, backwards: bool = False) -> ListPage:
        """The page after (or, `backwards`, before) the row `cursor` names; InvalidPage for a bad cursor."""
        if not self.keyset:
            raise InvalidPage
        try:
            plain_values = signing.loads(cursor, salt=_CURSOR_SALT)
            model = self.object_list.model
            values = [
                self._field(model, path).to_python(value)
                for (path, _descending), value in zip(self.keyset, plain_values, strict=True)
            ]
        except (signing.BadSignature, ValidationError, TypeError, ValueError):
            raise InvalidPage from None
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 2 if not backwards else 1
        keyset = [(path, descending != backwards) for path, descending in self.keyset]
        rows = self.object_list.reverse() if backwards else self.object_list
        rows = list(keyset_filter(rows, keyset, values)[: self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if backwards:
            rows.reverse()
            # With nothing before it, this is the first page whatever the link said.
            number = min(max(number, 2), _MAX_PAGE) if more else 1
            return ListPage(rows, number, self, more_after=True, more_before=more)
        return ListPage(rows, min(max(number, 2), _MAX_PAGE), self, more_after=more, more_before=True)

    @staticmethod
    def _field(model, path: str):
        field = None
        for part in path.split("__"):
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
            model = field.related_model
        return field


def paginate(request, queryset, per_page: int | None = None, *, keyset=None, counted=None):
    """The requested page; an out-of-range or malformed ?page= gives the nearest real page, a bad cursor page 1.

    `keyset`, from `keyset_of`, lets ?after= / ?before= cursors find deep pages without OFFSET; `counted`
    is the rows' `capped_count`, when the caller has it.
    """
    paginator = ListPaginator(queryset, per_page or PAGE_SIZE, keyset=keyset, counted=counted)
    for param, backwards in (("after", False), ("before", True)):
        if cursor := request.GET.get(param):
            try:
                return paginator.keyset_page(cursor, request.GET.get("page"), backwards=backwards)
            except InvalidPage:
                return paginator.get_page(1)
    return paginator.get_page(request.GET.get("page"))
