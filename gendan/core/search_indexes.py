"""The text indexes core.search reads, made by a migration operation of the model's own app.

    AddSearchIndex("customer", ["name", "code", "phone", "tax_id"])

PostgreSQL: the pg_trgm extension and, per field, a GIN trigram index on `UPPER(column::text)`,
exactly the expression of Django's `icontains`, so the planner uses it for `LIKE '%term%'`; then
ANALYZE, so the planner knows the indexed expression at once.

SQLite: an FTS5 table with the trigram tokenizer over the fields, external content (it indexes the
model's own table and stores no copy), kept in step by triggers on insert, update and delete —
whatever writes the rows, `save()`, `update()`, `bulk_create()` or raw SQL — and filled from the
rows already there. A migration that remakes the table on SQLite (Django does so for most
`AlterField`s) drops its triggers with it, and the FTS table, left behind, no longer follows the
writes: such a migration ends with `RestoreSearchIndex` (and `RestoreShortSearchIndex` for the index of
characters below; `tests/test_search.py` checks that every description's index and triggers are there).

Terms shorter than a trigram (one or two characters: a surname, a city, 华为) find nothing in those
indexes. For the large tables that people search that way (customers, contacts), a second index holds
each row's single characters:

    AddShortSearchIndex("customer", ["name", "code", "phone", "tax_id"])

PostgreSQL: per field, a GIN index on the array of the characters of `UPPER(column::text)`
(`string_to_array(..., NULL)`), which serves `@>` (every character of the term is in the value).

SQLite: an FTS5 table (the unicode61 tokenizer, its own copy of the text) holding each field with a
space between every two characters, so that each character is a token and a term of two characters
is a phrase of two adjacent tokens. The triggers space the text out through a table of positions
(`search_positions`, 1 to SHORT_INDEX_LENGTH): SQLite has no function that splits a string, and a
trigger may not use a recursive WITH. `group_concat` joins the characters in the order the positions
are read, their primary key's.

Either index finds a superset of the rows (case and accents folded, punctuation dropped): core.search
keeps the rows `icontains` matches among them.

Neither Django's migration state nor the models know of these indexes: a GIN index in
`Meta.indexes` could not be created on SQLite.
"""

from django.db.migrations.operations.base import Operation

from .search import SHORT_INDEX_LENGTH, character_index, fts_table, short_fts_table, trigram_index


def _gin_indexes(table: str, columns: list[str], name, expression: str) -> tuple[list[str], list[str]]:
    """A GIN index per column on `expression` (the column's SQL in place of {column}), named by `name`."""
    create = [
        f'CREATE INDEX "{name(table, column)}" ON "{table}" USING gin ({expression.format(column=quoted)})'
        for column, quoted in ((column, f'"{column}"') for column in columns)
    ]
    # The planner weighs an expression index by statistics of the expression, gathered by ANALYZE.
    create.append(f'ANALYZE "{table}"')
    drop = [f'DROP INDEX IF EXISTS "{name(table, column)}"' for column in columns]
    return create, drop


def _postgresql(table: str, columns: list[str]) -> tuple[list[str], list[str]]:
    create, drop = _gin_indexes(table, columns, trigram_index, "UPPER({column}::text) gin_trgm_ops")
    return ["CREATE EXTENSION IF NOT EXISTS pg_trgm", *create], drop


def _postgresql_short(table: str, columns: list[str]) -> tuple[list[str], list[str]]:
    return _gin_indexes(table, columns, character_index, "string_to_array(UPPER({column}::text), NULL)")


def _fts_triggers(fts: str, table: str, columns: list[str], insert: str, forget: str) -> tuple[list[str], list[str]]:
    """The triggers that keep the FTS5 table `fts` in step with `table`'s `columns`, and the SQL that drops them."""
    listed = ", ".join(f'"{column}"' for column in columns)
    changed = " OR ".join(f'old."{column}" IS NOT new."{column}"' for column in columns)
    create = [
        f'CREATE TRIGGER "{fts}_insert" AFTER INSERT ON "{table}" BEGIN {insert} END',
        f'CREATE TRIGGER "{fts}_delete" AFTER DELETE ON "{table}" BEGIN {forget} END',
        f'CREATE TRIGGER "{fts}_update" AFTER UPDATE OF {listed} ON "{table}" WHEN {changed} '
        f"BEGIN {forget} {insert} END",
    ]
    drop = [f'DROP TRIGGER IF EXISTS "{fts}_{event}"' for event in ("insert", "delete", "update")]
    drop.append(f'DROP TABLE IF EXISTS "{fts}"')
    return create, drop


def _sqlite(table: str, pk: str, columns: list[str]) -> tuple[list[str], list[str]]:
    fts = fts_table(table)
    listed = ", ".join(f'"{column}"' for column in columns)

    def values(row: str) -> str:
        return ", ".join(f'{row}."{column}"' for column in [pk, *columns])

    insert = f'INSERT INTO "{fts}"(rowid, {listed}) VALUES ({values("new")});'
    # An external-content table forgets a row by being told the values it indexed.
    forget = f'INSERT INTO "{fts}"("{fts}", rowid, {listed}) VALUES (\'delete\', {values("old")});'
    triggers, drop = _fts_triggers(fts, table, columns, insert, forget)
    create = [
        f'CREATE VIRTUAL TABLE "{fts}" USING fts5({listed}, content="{table}", content_rowid="{pk}", '
        "tokenize='trigram')",
        *triggers,
        f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')',
    ]
    return create, drop


def _sqlite_short(table: str, pk: str, columns: list[str]) -> tuple[list[str], list[str]]:
    fts = short_fts_table(table)
    listed = ", ".join(f'"{column}"' for column in columns)

    def spaced(row: str) -> str:
        return ", ".join(
            f"(SELECT group_concat(substr({row}\"{column}\", n, 1), ' ') FROM search_positions "
            f'WHERE n <= length({row}"{column}"))'
            for column in columns
        )

    insert = f'INSERT INTO "{fts}"(rowid, {listed}) VALUES (new."{pk}", {spaced("new.")});'
    forget = f'DELETE FROM "{fts}" WHERE rowid = old."{pk}";'
    triggers, drop = _fts_triggers(fts, table, columns, insert, forget)
    qualified = f'"{table}".'
    create = [
        "CREATE TABLE IF NOT EXISTS search_positions (n INTEGER PRIMARY KEY)",
        "WITH RECURSIVE counted(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM counted "
        f"WHERE n < {SHORT_INDEX_LENGTH}) INSERT OR IGNORE INTO search_positions SELECT n FROM counted",
        f"CREATE VIRTUAL TABLE \"{fts}\" USING fts5({listed}, tokenize='unicode61')",
        *triggers,
        f'INSERT INTO "{fts}"(rowid, {listed}) SELECT "{pk}", {spaced(qualified)} FROM "{table}"',
    ]
    # search_positions stays: other tables' triggers may read it.
    return create, drop


def statements(vendor: str, model, fields: list[str], short: bool = False) -> tuple[list[str], list[str]]:
    """The SQL that makes the search index of `fields` of `model` (`short`: of their characters) and that drops it."""
    table = model._meta.db_table
    columns = [model._meta.get_field(name).column for name in fields]
    if vendor == "postgresql":
        return (_postgresql_short if short else _postgresql)(table, columns)
    if vendor == "sqlite":
        return (_sqlite_short if short else _sqlite)(table, model._meta.pk.column, columns)
    return [], []


class AddSearchIndex(Operation):
    reduces_to_sql = True
    reversible = True
    short = False

    def __init__(self, model_name: str, fields: list[str]):
        self.model_name = model_name
        self.fields = list(fields)

    def deconstruct(self):
        return self.__class__.__qualname__, [], {"model_name": self.model_name, "fields": self.fields}

    def state_forwards(self, app_label, state):
        pass

    def _run(self, app_label, schema_editor, state, create: bool):
        model = state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        made, dropped = statements(schema_editor.connection.vendor, model, self.fields, self.short)
        for sql in made if create else dropped:
            schema_editor.execute(sql, params=None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, to_state, create=True)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(app_label, schema_editor, from_state, create=False)

    def describe(self):
        return f"Add a search index on {self.model_name} ({', '.join(self.fields)})"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name}_search_index"


class RestoreSearchIndex(AddSearchIndex):
    """The search index of `fields` made again on SQLite, after an operation of the same migration that
    remade the table (dropping its triggers). PostgreSQL keeps its indexes through ALTER TABLE.

    Forwards only: reversing the migration remakes the table once more after this has run; migrate back
    past the index's own migration, or forwards again.
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "sqlite":
            return
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        made, dropped = statements("sqlite", model, self.fields, self.short)
        for sql in [*dropped, *made]:
            schema_editor.execute(sql, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Make the search index on {self.model_name} ({', '.join(self.fields)}) again after the table was remade"


class RestoreShortSearchIndex(RestoreSearchIndex):
    """The index of the single characters of `fields` (AddShortSearchIndex) made again, as RestoreSearchIndex."""

    short = True

    def describe(self):
        return (
            f"Make the search index of single characters on {self.model_name} ({', '.join(self.fields)}) again "
            "after the table was remade"
        )


class AddShortSearchIndex(AddSearchIndex):
    """The index of the single characters of `fields`, for terms shorter than a trigram (module docstring)."""

    short = True

    def _run(self, app_label, schema_editor, state, create: bool):
        model = state.apps.get_model(app_label, self.model_name)
        for name in self.fields:
            length = model._meta.get_field(name).max_length
            if length is None or length > SHORT_INDEX_LENGTH:
                raise ValueError(
                    f"{self.model_name}.{name}: a short search index spaces out at most {SHORT_INDEX_LENGTH} characters"
                )
        super()._run(app_label, schema_editor, state, create)

    def describe(self):
        return f"Add a search index of single characters on {self.model_name} ({', '.join(self.fields)})"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name}_short_search_index"
