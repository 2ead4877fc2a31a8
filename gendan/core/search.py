"""What people type into a search box, matched through indexes: one service for every list, look-up and API.

A table of a million orders cannot be scanned for each keystroke, so each searchable model is
described once, in its app's `search.py`, by what its fields are:

- `numbers`: document numbers (SO20250600123). Matched by prefix, whatever case is typed: numbers
  are stored uppercase (core.numbering), so the uppercased term is a range on their unique index —
  `LIKE 'SO2025%'` on PostgreSQL's `varchar_pattern_ops` index, `>= 'SO2025' AND < 'SO2025' || U+10FFFF`
  on SQLite, whose LIKE cannot use an index of the BINARY collation.
- `text`: names, codes, phones — matched anywhere, as `icontains` (ASCII case-insensitive) matches,
  through the text index the app's migration makes (core.search_indexes.AddSearchIndex): a trigram
  GIN index on `UPPER(column)` per field on PostgreSQL, which serves the `UPPER(col) LIKE UPPER('%term%')`
  that Django writes for `icontains`; an FTS5 trigram table on SQLite, asked for the term as one
  phrase, with `icontains` checking the few rows it finds. A term shorter than a trigram (one or two
  characters, common in Chinese names) can use neither index. Where `short_terms` says so (customers,
  contacts), a second index of the text's single characters serves it (AddShortSearchIndex: a GIN index
  of each value's characters on PostgreSQL, an FTS5 table of the characters spaced out on SQLite), again
  with `icontains` checking what it finds; elsewhere it is the plain `icontains`, a scan (on PostgreSQL
  written so that the planner cannot pick a trigram index to read whole for it).
- `scanned`: text without an index, matched by `icontains`: for small tables only.
- `through`: relations searched by another model's description. An order matches when its customer
  does (`customer_id IN (<the customer search>)`), a customer when one of its contacts does
  (`id IN (SELECT customer_id FROM <the contact search>)`).

`search(queryset, searchable, term)` narrows the queryset it is given: the caller passes the
user's scoped rows (`visible_to`), and a search never sees beyond them.

Reading every match through the indexes costs what the term finds: 有限公司, in nearly every
customer's name, reads and sorts every order. So the search first weighs each term
(`Searchable.probe`): one query reads each relation's matching keys, up to SEARCH_MANY_MATCHES, and
a second counts the term's own rows with them, up to as many. A term finding fewer is matched as
above; one finding that many or more is tested on the rows the list reads (`row_matches`), in the
list's order, and the page needs about PAGE_SIZE / (the share of rows it finds) of them. The results
are the same either way. Either way a relation whose keys were read is asked for those keys
(`customer_id IN (<keys>)`), not searched again by the page and its count: for a term shorter than a
trigram, each search of customers and contacts is a scan of both.

Apps register their record types' descriptions in `AppConfig.ready()` (`register`): the global
search (one box for every kind of record) runs over `registered()`, each in the user's scope.
"""

import json
import operator
import unicodedata
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import BooleanField, Expression, F, Lookup, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import WhereNode

# Trigram indexes (pg_trgm, FTS5's trigram tokenizer) find nothing shorter.
TRIGRAM = 3
# The largest code point: every string starting with a prefix sorts (byte-wise) before prefix + it.
_LAST_CHARACTER = "\U0010ffff"
# The characters of a value that SQLite's index of single characters holds (core.search_indexes).
SHORT_INDEX_LENGTH = 4096


def fts_table(db_table: str) -> str:
    """The SQLite FTS5 table holding the text fields of `db_table` (made by core.search_indexes)."""
    return f"{db_table}_search"


def trigram_index(db_table: str, column: str) -> str:
    """The PostgreSQL trigram index on one text column (made by core.search_indexes)."""
    return f"{db_table}_{column}_trgm"


def short_fts_table(db_table: str) -> str:
    """The SQLite FTS5 table holding the single characters of the text fields of `db_table`."""
    return f"{db_table}_short"


def character_index(db_table: str, column: str) -> str:
    """The PostgreSQL index of the single characters of one text column."""
    return f"{db_table}_{column}_chars"


def short_phrase(term: str) -> str | None:
    """`term` as a phrase of single characters for the FTS5 table of characters; None if no character is a token.

    The unicode61 tokenizer keeps letters and digits (and drops the rest, as it did from the indexed text).
    """
    if not any(character.isalnum() for character in term):
        return None
    return fts_phrase(" ".join(term))


def fts_phrase(term: str) -> str:
    """`term` as one FTS5 string: every character literal (AND, OR, NEAR, *, ^, :), its quotes doubled."""
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class Searchable:
    model: type[models.Model]
    numbers: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    scanned: tuple[str, ...] = ()
    through: tuple[tuple[str, "Searchable"], ...] = ()
    # The unique column naming the found rows on SQLite. A list scoped through a join (a rep's
    # invoices, by their orders) names them by document number: by primary key, SQLite without
    # statistics may take the joined rows first and look every match up again for each of them
    # in the foreign key's index, which ends in the rowid — orders times matches, seconds.
    sqlite_key: str = "pk"
    # Whether the app's migration made an index of the `text` fields' single characters
    # (AddShortSearchIndex), for terms shorter than a trigram.
    short_terms: bool = False
    # Whether its `text` holds codes, not words (tracking numbers, payment references): a term shorter than a
    # trigram is not looked for in them. One or two characters name no code, and no index serves them: the global
    # search's 合 scanned 923,000 tracking numbers twice and 885,000 references (530 ms of 917 at a million orders).
    codes: bool = False

    def __deepcopy__(self, memo):
        # Immutable: the filter sets that carry one (copied for each request) share it.
        return self

    @property
    def key(self) -> str:
        return self.model._meta.label_lower

    def matches(self, term: str, vendor: str, related: "Related" = None) -> Q:
        """The rows whose fields match `term` (stripped, not empty) on a database of `vendor`."""
        return self.matches_all([term], vendor, [related])

    def matches_all(self, terms: list[str], vendor: str, related: list["Related"] | None = None) -> Q:
        """The rows that every one of `terms` (stripped, none empty) finds; `related`, each term's from `probe`.

        For each term, one condition for the model's own fields and one per relation, each served
        by an index, and the rows those of their UNION ALL. Not one WHERE with OR: PostgreSQL
        cannot join a subquery under an OR and reads the whole table row by row, and SQLite gives
        up its MULTI-INDEX OR for a full scan as soon as the list joins two tables (select_related).
        """
        related = related or [None] * len(terms)
        if not self.through:
            return reduce(operator.and_, (self._own_matches(term, vendor) for term in terms))
        if vendor == "postgresql":
            # One array for all the terms: with one `= ANY` per term on the same index PostgreSQL
            # walks every combination of their elements (900 x 900 x 180 stock moves: 4 s).
            found = self._union(terms[0], vendor, "pk", related=related[0])
            if len(terms) > 1:
                found = self.model._base_manager.order_by().filter(pk__in=found)
                for term, keys in zip(terms[1:], related[1:], strict=True):
                    found = found.filter(pk__in=self._union(term, vendor, "pk", related=keys))
                found = found.values("pk")
            return Q(_AnyOf(F("pk"), found))
        key = self.sqlite_key
        return reduce(
            operator.and_,
            (
                Q(**{f"{key}__in": self._union(term, vendor, key, related=keys)})
                for term, keys in zip(terms, related, strict=True)
            ),
        )

    def matching(self, term: str, vendor: str, limit: int | None = None) -> QuerySet:
        """The primary keys of the rows `term` finds, for another model's search through a relation.

        With `limit`, at most that many of them (and of each relation's): for the probe, which only asks
        whether there are many.
        """
        if not self.through:
            found = self.model._base_manager.order_by().filter(self._own_matches(term, vendor, limit)).values("pk")
            return found if limit is None else found[:limit]
        return self._union(term, vendor, "pk", limit)

    def _union(
        self, term: str, vendor: str, column: str, limit: int | None = None, related: "Related" = None
    ) -> QuerySet:
        """`column` of the rows `term` finds: one SELECT for the model's own fields, one per relation.

        A relation whose matching keys the probe read (`related`) is asked for those keys, not searched again.
        """
        rows = self.model._base_manager.order_by()
        own = self._own_matches(term, vendor, limit)
        selects = [] if own is None else [rows.filter(own).values(column)]
        for (name, other), keys in zip(self.through, related or (None,) * len(self.through), strict=True):
            relation = self.model._meta.get_field(name)
            if keys == ():
                continue
            if keys is not None:
                selects.append(rows.filter(_InKeys(F(_linked(relation)), keys)).values(column))
            elif relation.concrete:
                found = other.matching(term, vendor, limit)
                selects.append(rows.filter(**{f"{relation.attname}__in": found}).values(column))
            else:
                # A reverse relation (a customer's contacts): the keys the matching rows point at.
                pointed = other._pointed(relation, term, vendor, limit)
                selects.append(pointed if column == "pk" else rows.filter(pk__in=pointed).values(column))
        if not selects:
            return rows.none().values(column)
        found = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
        return found if limit is None else found[:limit]

    def _pointed(self, relation, term: str, vendor: str, limit: int | None = None) -> QuerySet:
        """The keys that this model's rows `term` finds point at through `relation` (a reverse relation to it)."""
        found = self.model._base_manager.order_by().filter(self._own_matches(term, vendor, limit))
        return found.values(relation.field.attname)

    def row_matches(self, term: str, vendor: str, related: "Related" = None, walked: bool = False) -> Q:
        """The rows `term` finds, as one condition tested on each row: for a list walked in its own order.

        Equal to `matches`, read the other way round: instead of finding every matching row through
        the indexes, the database tests the rows the list reads, in the list's order, and stops at its
        page (or, counting, at the cap). A relation whose matching keys the probe read (`related`)
        is `IN (those keys)`, a look-up per row tested (in a count on PostgreSQL, `= ANY`); one whose rows `term` finds by the thousand
        is tested on the related row itself (`_found_on`), a few index reads for each row tested and
        nothing for rows never reached. `walked` (the statement is ordered): on SQLite every relation
        is tested on the related row, since SQLite, without statistics, would read every key's rows
        through the foreign key's index and sort them instead of walking the list's order.
        """
        conditions = [_number_prefix(name, term.upper(), vendor) for name in self.numbers]
        conditions += [Q(**{f"{name}__icontains": term}) for name in (*self._text_for(term), *self.scanned)]
        for (name, other), keys in zip(self.through, related or (None,) * len(self.through), strict=True):
            relation = self.model._meta.get_field(name)
            if walked and vendor == "sqlite":
                conditions.append(Q(other._found_on(relation, term, vendor)))
            elif keys == ():
                continue
            elif keys is not None:
                # Counted (not walked) on PostgreSQL, `= ANY(<keys>)`, which the foreign key's index serves: a
                # hashed IN is only a test, and the planner then scans the table for a rep's 1,000 matches
                # (62 ms against 16 for 5,556 customers' keys at a million orders).
                in_keys = _AnyKey if vendor == "postgresql" and not walked else _InKeys
                conditions.append(Q(in_keys(F(_linked(relation)), keys)))
            else:
                conditions.append(Q(other._found_on(relation, term, vendor)))
        return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])

    def _found_on(self, relation, term: str, vendor: str) -> Subquery:
        """Whether `term` finds the row (of this model) that `relation` links the outer row to, read per outer row.

        A scalar subquery, not EXISTS: PostgreSQL may turn an EXISTS into a hash of every matching
        related row, built before the first row is tested — a scan of every customer (and contact)
        for a page that tests thirty orders.
        """
        found = self.model._base_manager.order_by().filter(self.row_matches(term, vendor))
        if relation.concrete:
            found = found.filter(pk=OuterRef(relation.attname))
        else:
            found = found.filter(**{relation.field.attname: OuterRef("pk")})
        return Subquery(found.annotate(found=Value(True)).values("found")[:1], output_field=BooleanField())

    def probe(self, terms: list[str], using: str) -> list["Weighed"]:
        """For each term: whether it finds SEARCH_MANY_MATCHES rows or more, and each relation's matching keys.

        Each relation's keys are read once, up to that many (one query for all the terms), and the
        term's rows then counted with them, up to that many too (a second query): the page and its
        count reuse the keys instead of searching the related tables again — which, for a term shorter
        than a trigram, is a scan of every customer and contact each time. Unscoped: it is the term
        that is weighed.
        """
        many = settings.SEARCH_MANY_MATCHES
        connection = connections[using]
        vendor = connection.vendor
        related = self._related_keys(terms, using, many) if self.through else [None] * len(terms)
        counts, params = [], []
        for term, keys in zip(terms, related, strict=True):
            if _cut(keys):
                counts.append("0")  # many already: not counted
                continue
            try:
                found = self._union(term, vendor, self._counted_column, many, keys)
                sql, found_params = found.query.get_compiler(using).as_sql()
            except EmptyResultSet:
                # Nothing of its own to match and no related row found (stock by a product no term finds).
                counts.append("0")
                continue
            counts.append(f"(SELECT COUNT(*) FROM ({sql}) found)")
            params.extend(found_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(counts), params)
            found = cursor.fetchone()
        return [
            Weighed(
                count >= many or _cut(keys),
                keys,
                none=not count and not _cut(keys) and not self._fts_limited(term, vendor),
            )
            for term, count, keys in zip(terms, found, related, strict=True)
        ]

    def _fts_limited(self, term: str, vendor: str) -> bool:
        """Whether the probe reads `term`'s own matches through a full-text table cut at its limit (SQLite): the
        candidates are cut before icontains checks them (ä against Ä), so nothing counted may be a floor. Otherwise
        nothing counted is nothing found, and the list is not asked: SQLite walked a rep's 60,000 invoices by date
        looking for a tracking number among their numbers (50 ms), PostgreSQL every contact for 合 (190 ms)."""
        if vendor != "sqlite" or not self._text_for(term):
            return False
        return len(term) >= TRIGRAM or (self.short_terms and short_phrase(term) is not None)

    @property
    def _counted_column(self) -> str:
        """What the probe's count reads of each found row: a foreign key it is found by, where there is one.

        An order found through its customer is then counted from the index on the customer (order_customer_idx)
        alone; its id, which that index does not hold on PostgreSQL, meant a read of each of 10,000 rows.
        """
        for name, _other in self.through:
            relation = self.model._meta.get_field(name)
            if relation.concrete:
                return relation.attname
        return "pk"

    def _related_keys(self, terms: list[str], using: str, many: int) -> list["Related"]:
        """Each term's matching keys of each relation, in one query; None for a relation with `many` or more.

        Within `sharing_keys`, keys read for one search serve the next that asks for the same (another kind of
        document found through its customer): read once, not once per kind."""
        vendor = connections[using].vendor
        shared = _shared_keys.get()
        if shared is None:
            shared = {}
        wanted, arrays, params = [], [], []
        for term in terms:
            for name, other in self.through:
                key = self._keys_key(name, other, term, using, many)
                if key in shared or key in wanted:
                    continue
                relation = self.model._meta.get_field(name)
                if relation.concrete:
                    found = other.matching(term, vendor, many)
                else:
                    found = other._pointed(relation, term, vendor, many)[:many]
                sql, found_params = found.query.get_compiler(using).as_sql()
                if vendor == "postgresql":
                    arrays.append(f"ARRAY({sql})")
                else:
                    arrays.append(f"(WITH found(key) AS ({sql}) SELECT json_group_array(key) FROM found)")
                params.extend(found_params)
                wanted.append(key)
        if arrays:
            with connections[using].cursor() as cursor:
                cursor.execute("SELECT " + ", ".join(arrays), params)
                row = [keys if vendor == "postgresql" else json.loads(keys) for keys in cursor.fetchone()]
            for key, keys in zip(wanted, row, strict=True):
                shared[key] = None if len(keys) >= many else tuple(keys)
        return [
            tuple(shared[self._keys_key(name, other, term, using, many)] for name, other in self.through)
            for term in terms
        ]

    def _keys_key(self, name: str, other: "Searchable", term: str, using: str, many: int) -> tuple:
        """What a relation's keys are the keys of, whoever asks: another model's rows (a concrete relation), or the
        column of the other model's rows pointing back (a reverse one)."""
        relation = self.model._meta.get_field(name)
        return (using, other.key, "" if relation.concrete else relation.field.attname, term, many)

    def _text_for(self, term: str) -> tuple[str, ...]:
        """The `text` fields `term` is looked for in: none of codes for a term shorter than a trigram."""
        return () if self.codes and len(term) < TRIGRAM else self.text

    def _own_matches(self, term: str, vendor: str, limit: int | None = None) -> Q | None:
        conditions = [_number_prefix(name, term.upper(), vendor) for name in self.numbers]
        if self._text_for(term):
            conditions.append(self._text_matches(term, vendor, limit))
        conditions += [Q(**{f"{name}__icontains": term}) for name in self.scanned]
        return reduce(operator.or_, conditions) if conditions else None

    def _text_matches(self, term: str, vendor: str, limit: int | None = None) -> Q:
        if self.short_terms and len(term) < TRIGRAM:
            short = self._short_matches(term, vendor, limit)
            if short is not None:
                return short
        if vendor == "postgresql" and len(term) < TRIGRAM:
            # No trigram in the term: the planner may still take the trigram index for the LIKE,
            # which then reads the whole index. The same test in a form no index serves: a scan.
            return reduce(operator.or_, (Q(_ContainsUpper(F(name), term)) for name in self.text))
        anywhere = reduce(operator.or_, (Q(**{f"{name}__icontains": term}) for name in self.text))
        if vendor == "postgresql" or len(term) < TRIGRAM:
            # PostgreSQL's planner finds the trigram indexes for icontains by itself.
            return anywhere
        table = f'"{fts_table(self.model._meta.db_table)}"'
        # FTS5 folds case beyond ASCII (Ä = ä), LIKE does not: icontains keeps the found rows to what it matches.
        # Limited (the probe), FTS5 stops reading there; SQLite would otherwise collect every match for the IN.
        found = f"SELECT rowid FROM {table} WHERE {table} MATCH %s" + ("" if limit is None else f" LIMIT {int(limit)}")
        return Q(pk__in=RawSQL(found, [fts_phrase(term)])) & anywhere

    def _short_matches(self, term: str, vendor: str, limit: int | None) -> Q | None:
        """A term shorter than a trigram through the index of single characters; None where it cannot serve."""
        if vendor == "postgresql":
            return reduce(
                operator.or_,
                (Q(_HasCharacters(F(name), term)) & Q(_ContainsUpper(F(name), term)) for name in self.text),
            )
        phrase = short_phrase(term)
        if vendor != "sqlite" or phrase is None:
            return None
        table = f'"{short_fts_table(self.model._meta.db_table)}"'
        found = f"SELECT rowid FROM {table} WHERE {table} MATCH %s" + ("" if limit is None else f" LIMIT {int(limit)}")
        anywhere = reduce(operator.or_, (Q(**{f"{name}__icontains": term}) for name in self.text))
        return Q(pk__in=RawSQL(found, [phrase])) & anywhere


# A term's matching keys of each of a description's relations (`through`), read by `Searchable.probe`:
# None for a relation whose rows it finds by SEARCH_MANY_MATCHES or more (those are not all read).
Related = tuple[tuple[int, ...] | None, ...] | None


def _cut(keys: Related) -> bool:
    """Whether a relation found `many` matches or more, its keys cut at `many` (None): the term is then weighed as
    many, uncounted. A count through the cut keys would be only a floor: an order number's year (SO2026) finds every
    shipment of a year through their orders; counted through 10,000 of the orders it read as few, and all 167,000
    were then joined and sorted (1.5 s at a million orders)."""
    return keys is not None and None in keys


@dataclass(frozen=True)
class Weighed:
    """What `Searchable.probe` found of one term."""

    many: bool
    related: Related
    # Counted, it finds no row at all (whoever looks): nothing to ask the list for (`Searchable._fts_limited`).
    none: bool = False


def _linked(relation) -> str:
    """The column of a model's row that a relation's keys name: its foreign key, or its own key for a reverse one."""
    return relation.attname if relation.concrete else "pk"


class _AnyOf(Lookup):
    """`pk = ANY(ARRAY(<subquery>))`: PostgreSQL runs the subquery once and reads the found rows by
    primary key before any join. `pk IN (<subquery>)` is a semi-join, which a list joined to more
    tables than join_collapse_limit (8: an order with its customer, contact, address, warehouse,
    owner, author and quotation) plans after joining every row of the table — seconds."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


class _InKeys(Lookup):
    """`column IN (<keys read before>)`, the keys as one parameter: an array unnested on PostgreSQL (a
    hashed subplan built once from the keys; as `= ANY(<array>)` the planner would weigh each of up
    to SEARCH_MANY_MATCHES constants), a JSON list read by json_each on SQLite."""

    lookup_name = "in_keys"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        keys = [int(key) for key in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} IN (SELECT unnest(%s::bigint[]))", (*lhs_params, keys)
        return f"{lhs} IN (SELECT value FROM json_each(%s))", (*lhs_params, json.dumps(keys))


class _AnyKey(Lookup):
    """`column = ANY(<keys read before>)` on PostgreSQL, the keys as one array parameter: an index condition
    (a bitmap of the foreign key's index), where `_InKeys` is a test of each row read. The planner weighs
    the array's elements (a few ms for SEARCH_MANY_MATCHES of them), so only for a statement that gains it."""

    lookup_name = "any_key"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, [int(key) for key in self.rhs])


class _ContainsUpper(Lookup):
    """`icontains` on PostgreSQL, `STRPOS(UPPER(col::text), UPPER(term)) > 0`: the same rows as
    `UPPER(col::text) LIKE UPPER('%term%')`, in a form the trigram index on UPPER(col) cannot serve.

    A caseless term (Chinese, digits) is looked for in the column as it is: no other character
    uppercases to a caseless one, so the rows are the same, and UPPER of every row is most of a
    scan's cost (0.7 against 2.3 ms for 3,000 customers).
    """

    lookup_name = "contains_upper"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if _caseless(self.rhs):
            return f"STRPOS({lhs}::text, %s) > 0", (*lhs_params, self.rhs)
        return f"STRPOS(UPPER({lhs}::text), UPPER(%s)) > 0", (*lhs_params, self.rhs)


class _HasCharacters(Lookup):
    """Every character of the term is among the value's (uppercased, both): what the GIN index of the
    column's characters (core.search_indexes.AddShortSearchIndex) answers. The index's expression exactly."""

    lookup_name = "has_characters"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return (
            f"string_to_array(UPPER({lhs}::text), NULL) @> string_to_array(UPPER(%s), NULL)",
            (*lhs_params, self.rhs),
        )


def _caseless(term: str) -> bool:
    """Whether no character of `term` has a case: uppercasing changes no character into one of them."""
    return all(
        unicodedata.category(character) not in {"Lu", "Ll", "Lt"}
        and character.upper() == character == character.lower()
        for character in term
    )


class _ByOrder(Expression):
    """A broad term's condition, written for the statement it is in: `walked` in an ordered one, else `unordered`.

    A list's page is ordered: `walked` (on SQLite every relation tested on the related row, which
    no index serves) makes the database walk the list's sort index and stop at the page; given
    anything an index could serve, SQLite without statistics reads every match through it and sorts
    them (PostgreSQL weighs the keys by its statistics and walks). A count (core.lists
    `capped_count`) is unordered: `unordered` (relations with few matches as `IN (<their keys>)`)
    lets SQLite read the matches through the indexes until the cap (MULTI-INDEX OR) instead of
    testing row after row, each with its related row, when matches are a few percent of the rows.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, walked: Q, unordered: Q):
        super().__init__(output_field=BooleanField())
        self.walked, self.unordered = walked, unordered

    def get_source_expressions(self):
        return [self.walked, self.unordered]

    def set_source_expressions(self, expressions):
        self.walked, self.unordered = expressions

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.walked = self.walked.resolve_expression(query, allow_joins, reuse, summarize)
        resolved.unordered = self.unordered.resolve_expression(query, allow_joins, reuse, summarize)
        return resolved

    def as_sql(self, compiler, connection):
        query = compiler.query
        ordered = bool(query.order_by) or (query.default_ordering and bool(query.get_meta().ordering))
        sql, params = compiler.compile(self.walked if ordered else self.unordered)
        return f"({sql})", params


def _number_prefix(name: str, prefix: str, vendor: str) -> Q:
    if vendor == "postgresql":
        return Q(**{f"{name}__startswith": prefix})
    return Q(**{f"{name}__gte": prefix, f"{name}__lt": prefix + _LAST_CHARACTER})


def search(queryset: QuerySet, searchable: Searchable, term: str) -> QuerySet:
    """The rows of `queryset` that `term` finds; all of them for a blank term."""
    return search_all(queryset, searchable, [term])


def search_all(queryset: QuerySet, searchable: Searchable, terms: list[str]) -> QuerySet:
    """The rows of `queryset` that every one of `terms` finds (the API's words); blank ones find all.

    A term that finds many rows is tested on the rows the list reads (`row_matches`), the others
    find their rows through the indexes (`matches_all`).
    """
    terms = [term.strip() for term in terms if term.strip()]
    if not terms:
        return queryset
    vendor = connections[queryset.db].vendor
    narrow, related, conditions = [], [], []
    for term, weighed in zip(terms, searchable.probe(terms, queryset.db), strict=True):
        if weighed.none:
            return queryset.none()
        if weighed.many:
            walked = searchable.row_matches(term, vendor, weighed.related, walked=True)
            conditions.append(_ByOrder(walked, searchable.row_matches(term, vendor, weighed.related)))
        else:
            narrow.append(term)
            related.append(weighed.related)
    if narrow:
        if vendor == "sqlite" and not conditions:
            queryset = _tested_only(queryset)
        conditions.append(searchable.matches_all(narrow, vendor, related))
    return queryset.filter(*conditions)


def _tested_only(queryset: QuerySet) -> QuerySet:
    """The queryset with each of its conditions a test of the rows found, never where SQLite starts reading.

    Every term found few rows: they are what to start from. SQLite, without statistics, guesses ten rows for any
    equality on an indexed column and starts from a scope's (`owner_id = ?`) whenever that index also gives the
    list's order, testing each of the rep's rows against the few found — a rep's 60,000 invoices walked by date
    for a phone number. Each condition as `+(<condition>)` (the same truth) leaves the found rows the only way in.
    """
    queryset = queryset.all()
    _test_each(queryset.query.where)
    return queryset


def _test_each(node: WhereNode) -> None:
    for index, child in enumerate(node.children):
        if isinstance(child, WhereNode):
            _test_each(child)
        elif isinstance(child, Lookup):
            node.children[index] = _Tested(child)


class _Tested(Expression):
    """A condition as `+(<condition>)`: what it was, in a form no index serves (see `_tested_only`)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, condition):
        super().__init__(output_field=BooleanField())
        self.condition = condition

    def get_source_expressions(self):
        return [self.condition]

    def set_source_expressions(self, expressions):
        (self.condition,) = expressions

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.condition)
        return f"+({sql})", params


@dataclass(frozen=True)
class Kind:
    """A record type the global search finds, and how it shows one found record.

    `name` is the stable machine name the API answers as `type` (never renamed); `title` names
    the group (plural, translated lazily); `permission` is the view permission of the type's list,
    without which the group is left out; `label` / `detail` / `url` describe one row as a person
    recognises it (a document by its number and customer, a customer by its name and code), from
    the row and its `related` rows (select_related: one query for the group, whatever the rows).
    `list_url` is the URL name of the list that narrows by `?q=` the same way (empty if there is
    none), and `scope(user)` the rows the user sees there — `objects.visible_to(user)` unless said.
    Rows come in the model's default order: the list's own, which an index serves.
    """

    name: str
    searchable: Searchable
    title: str
    permission: str
    label: Callable[[models.Model], str]
    url: Callable[[models.Model], str]
    detail: Callable[[models.Model], str] | None = None
    related: tuple[str, ...] = ()
    list_url: str = ""
    scope: Callable[[object], QuerySet] | None = None

    def visible_to(self, user) -> QuerySet:
        if self.scope is not None:
            return self.scope(user)
        return self.searchable.model.objects.visible_to(user)


def joined(*parts) -> str:
    """A found row's parts as one line, the empty ones left out: "SO2025060001 · 宁波华东机电"."""
    return " · ".join(str(part) for part in parts if part)


_registry: dict[str, Kind] = {}

# The related keys read by the searches of one block (`sharing_keys`), or None: each search reads its own.
_shared_keys: ContextVar[dict | None] = ContextVar("search_shared_keys", default=None)


@contextmanager
def sharing_keys():
    """Within the block, searches for the same term share the keys of the related rows it finds: the global
    search reads the customers a term finds once, for orders, quotations, contracts, deals and invoices alike."""
    token = _shared_keys.set({})
    try:
        yield
    finally:
        _shared_keys.reset(token)


def register(*kinds: Kind) -> None:
    for kind in kinds:
        _registry[kind.name] = kind


def kinds() -> list[Kind]:
    """The record types the global search finds, in the order the apps registered them."""
    return list(_registry.values())


def registered() -> list[Searchable]:
    return [kind.searchable for kind in _registry.values()]
