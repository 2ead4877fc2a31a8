"""Hot-path reads and writes with SQL that Django builds once per process.

The order-to-cash services re-read the rows they change under a lock many times per order.
Through the queryset API each such read pays for building and compiling the query again
(about 0.5 ms for an order row); the statement itself costs a few tens of microseconds.
These helpers keep the models (instances, field converters, `pre_save` of auto_now
fields) but reuse the SQL text, so a locked re-read or a narrow UPDATE costs about what
the database needs. Use them only where a profile shows the ORM's overhead matters;
everywhere else the queryset API is clearer.
"""

import datetime
from decimal import Decimal
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


def _connection():
    # The connection itself, not django.db.connection: every attribute read through that
    # proxy looks the connection up again, which shows in a profile when done per value.
    return connections[DEFAULT_DB_ALIAS]


class _Columns:
    """A model's concrete columns, with the converters the backend applies when reading them."""

    def __init__(self, model: type[models.Model], alias: str):
        connection = _connection()
        self.model = model
        self.fields = model._meta.concrete_fields
        # Where the primary key sits in a row: a NULL there is a LEFT JOIN that found nothing.
        self.pk_index = self.fields.index(model._meta.pk)
        self.sql = ", ".join(
            f"{connection.ops.quote_name(alias)}.{connection.ops.quote_name(f.column)}" for f in self.fields
        )
        self.attnames = [f.attname for f in self.fields]
        self.converters = []
        for index, field in enumerate(self.fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            if found:
                self.converters.append((index, found, col))
        self.from_db_overridden = model.from_db.__func__ is not models.Model.from_db.__func__

    def instance(self, values, connection) -> models.Model:
        values = list(values)
        for index, found, col in self.converters:
            for converter in found:
                values[index] = converter(values[index], col, connection)
        if self.from_db_overridden or not _plain_init(self.model):
            return self.model.from_db(connection.alias, None, values)
        return _bare(self.model, dict(zip(self.attnames, values, strict=True)), adding=False, db=connection.alias)


def _plain_init(model) -> bool:
    """Whether building an instance needs nothing Model.__init__ adds to setting its attributes."""
    # Checked per call, and cheap: a test or a later app may connect a receiver at any time.
    return not (pre_init.receivers or post_init.receivers) and model.__init__ is models.Model.__init__


def _bare(model, attributes: dict, *, adding: bool, db) -> models.Model:
    """An instance with these attribute values, as Model.__init__ would leave it, without its per-field walk.

    A row read back or a new event sets every concrete field; Model.__init__ does that one
    setattr at a time and sends two signals, which costs more than the row itself. This is
    how Django unpickles an instance, too.
    """
    obj = model.__new__(model)
    state = ModelState()
    state.adding = adding
    state.db = db
    obj._state = state
    obj.__dict__.update(attributes)
    return obj


class _Defaults:
    """A model's concrete fields by attribute name, and which of them default to a constant."""

    def __init__(self, model):
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        # A field with no default of either kind gets the same empty value every time.
        self.constant = {
            name: f.get_default() for name, f in self.fields.items() if not f.has_default() and not f.has_db_default()
        }
        self.computed = [(name, f) for name, f in self.fields.items() if name not in self.constant]


@cache
def _defaults(model) -> _Defaults:
    return _Defaults(model)


def new(model, **values) -> models.Model:
    """model(**values), unsaved, for a hot path that builds many: values by attribute name (`actor_id`).

    Fields not given get their defaults as Model.__init__ gives them. Unknown names are a TypeError.
    """
    if not _plain_init(model):
        return model(**values)
    defaults = _defaults(model)
    unknown = values.keys() - defaults.fields.keys()
    if unknown:
        raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {', '.join(sorted(unknown))}")
    attributes = dict(defaults.constant)
    for name, field in defaults.computed:
        if name not in values:
            attributes[name] = field.get_default()
    attributes.update(values)
    return _bare(model, attributes, adding=True, db=None)


@cache
def _columns(model: type[models.Model], alias: str) -> _Columns:
    return _Columns(model, alias)


# Field classes whose get_db_prep_save hands a value of these Python types to the driver
# unchanged. Exact classes only: a subclass may convert (encrypt, normalise) on the way in.
_UNCHANGED_TYPES = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.EmailField: (str,),
    models.SlugField: (str,),
    models.URLField: (str,),
    models.BooleanField: (bool,),
    models.IntegerField: (int,),
    models.BigIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.PositiveBigIntegerField: (int,),
    models.DecimalField: (Decimal,),
    # Reached through the foreign keys that point at them.
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.SmallAutoField: (int,),
}


_ABSENT = object()


class _Prepared:
    """How one field's value goes to the database, decided once per field.

    Field.get_db_prep_save walks several methods per value; for the common plain types it
    returns the value itself, so those skip it. A field with its own pre_save (auto_now,
    auto_now_add, files) still gets it.
    """

    __slots__ = ("field", "attname", "pre_save", "unchanged", "datetime")

    def __init__(self, field: models.Field):
        self.field = field
        self.attname = field.attname
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        self.unchanged = _UNCHANGED_TYPES.get(type(target), ())
        self.pre_save = type(field).pre_save is not models.Field.pre_save and not (
            isinstance(field, models.DateField) and not (field.auto_now or field.auto_now_add)
        )
        # For an aware datetime, DateTimeField's preparation ends in the backend's adapter
        # after checks that only a naive one needs.
        self.datetime = type(field) is models.DateTimeField

    def value(self, instance: models.Model, add: bool, connection):
        if self.pre_save:
            value = self.field.pre_save(instance, add)
        else:
            # From the instance's dict: a foreign key's attribute is a descriptor, slower to go through.
            value = instance.__dict__.get(self.attname, _ABSENT)
            if value is _ABSENT:
                value = getattr(instance, self.attname)  # deferred: loads it
        if type(value) in self.unchanged or (value is None and self.unchanged):
            return value
        if self.datetime and type(value) is datetime.datetime and value.tzinfo is not None:
            return connection.ops.adapt_datetimefield_value(value)
        return self.field.get_db_prep_save(value, connection)


@cache
def _prepared(model: type[models.Model], names: tuple[str, ...] | None = None) -> tuple[_Prepared, ...]:
    """The fields named (all concrete ones but the auto primary key when None), prepared."""
    opts = model._meta
    if names is None:
        return tuple(_Prepared(f) for f in opts.concrete_fields if f is not opts.auto_field)
    return tuple(_Prepared(opts.get_field(name)) for name in names)


def _lock_clause(alias: str) -> str:
    connection = _connection()
    if not connection.features.has_select_for_update:
        # SQLite: the transaction began IMMEDIATE and holds the database's write lock already.
        return ""
    return f" FOR UPDATE OF {connection.ops.quote_name(alias)}"


class _Select:
    """A locked or plain read of one row (by primary key) with rows joined to it, SQL built once.

    Parts, in column order: the row (alias p), the rows its foreign keys `related` point to,
    then optionally its children (alias c, through their foreign key to it) with the rows
    their foreign keys `child_related` point to. Each part is (its columns, its joined rows as
    (foreign key, their columns, alias)).
    """

    def __init__(self, model, related, child, fk, child_related, order_by, lock):
        connection = _connection()
        quote = connection.ops.quote_name
        opts = model._meta

        def joined(owner, owner_alias, names):
            found = []
            for name in names:
                field = owner._meta.get_field(name)
                alias = f"{owner_alias}_{name}"
                found.append((field, _columns(field.related_model, alias), alias))
            return tuple(found)

        def join_sql(owner_alias, part):
            return [
                f"LEFT JOIN {quote(columns.model._meta.db_table)} {alias} "
                f"ON {alias}.{quote(columns.model._meta.pk.column)} = {owner_alias}.{quote(field.column)}"
                for field, columns, alias in part[1]
            ]

        def selected(part):
            return [part[0].sql, *(columns.sql for _field, columns, _alias in part[1])]

        self.parent = (_columns(model, "p"), joined(model, "p", related))
        joins, columns = join_sql("p", self.parent), selected(self.parent)
        self.child = None
        if child is not None:
            self.child_fk = child._meta.get_field(fk)
            self.child = (_columns(child, "c"), joined(child, "c", child_related))
            joins.append(
                f"LEFT JOIN {quote(child._meta.db_table)} c "
                f"ON c.{quote(self.child_fk.column)} = p.{quote(opts.pk.column)}"
            )
            joins += join_sql("c", self.child)
            columns += selected(self.child)
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {quote(opts.db_table)} p {' '.join(joins)} "
            f"WHERE p.{quote(opts.pk.column)} = %s"
            + (f" ORDER BY c.{quote(order_by)}" if child is not None else "")
            + (_lock_clause("p") if lock else "")
        )

    @staticmethod
    def _build(part, row, start, connection):
        """(instance or None, index after its columns) with its joined rows cached on it."""
        columns, joined = part
        end = start + len(columns.fields)
        values = row[start:end]
        if values[columns.pk_index] is None:
            return None, end + sum(len(related.fields) for _field, related, _alias in joined)
        obj = columns.instance(values, connection)
        for field, related, _alias in joined:
            related_end = end + len(related.fields)
            related_values = row[end:related_end]
            field.set_cached_value(
                obj,
                related.instance(related_values, connection) if related_values[related.pk_index] is not None else None,
            )
            end = related_end
        return obj, end

    def fetch(self, pk):
        connection = _connection()
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [pk])
            fetched = cursor.fetchall()
        if not fetched:
            return None, []
        parent, width = self._build(self.parent, fetched[0], 0, connection)
        children = []
        if self.child is not None:
            for row in fetched:
                child, _end = self._build(self.child, row, width, connection)
                if child is not None:
                    self.child_fk.set_cached_value(child, parent)
                    children.append(child)
        return parent, children


@cache
def _select(model, related, child, fk, child_related, order_by, lock, vendor) -> _Select:
    return _Select(model, related, child, fk, child_related, order_by, lock)


def parent_with_children(
    parent, child, pk, *, fk: str, order_by: str = "id", lock: bool = False, related=(), child_related=()
):
    """(the parent row, its child rows) in one statement; (None, []) when there is no such parent.

    lock: lock the parent's row (PostgreSQL) for the rest of the transaction, as
    select_for_update(of=("self",)) does; the children and joined rows are not locked.
    related / child_related: foreign keys of the parent / of each child whose rows come
    in the same statement, as select_related would bring them.
    """
    select = _select(parent, tuple(related), child, fk, tuple(child_related), order_by, lock, _connection().vendor)
    return select.fetch(pk)


def one(model, pk, *, lock: bool = False, related=()):
    """The row with this primary key (None when there is none), with `related` joined as select_related does."""
    return _select(model, tuple(related), None, None, (), None, lock, _connection().vendor).fetch(pk)[0]


@cache
def _by_pks_sql(model, count, vendor) -> str:
    connection = _connection()
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * count)
    return (
        f"SELECT {_columns(model, 't').sql} FROM {quote(model._meta.db_table)} t "
        f"WHERE t.{quote(model._meta.pk.column)} IN ({placeholders})"
    )


def by_pks(model, pks) -> dict:
    """in_bulk(pks): {pk: instance} of the rows that exist, with the SQL built once per count."""
    pks = list(dict.fromkeys(pks))
    if not pks:
        return {}
    connection = _connection()
    with connection.cursor() as cursor:
        cursor.execute(_by_pks_sql(model, len(pks), connection.vendor), pks)
        fetched = cursor.fetchall()
    columns = _columns(model, "t")
    found = [columns.instance(row, connection) for row in fetched]
    return {obj.pk: obj for obj in found}


@cache
def _update_sql(model, columns, vendor) -> str:
    connection = _connection()
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"


def save_fields(instance: models.Model, fields) -> None:
    """instance.save(update_fields=fields), without building the UPDATE each time.

    auto_now fields named in `fields` get their new value as save() would give it. No
    signals are sent: use it only for models nothing listens to on save.
    """
    connection = _connection()
    model = type(instance)
    prepared = _prepared(model, tuple(fields))
    values = [p.value(instance, False, connection) for p in prepared]
    sql = _update_sql(model, tuple(p.field.column for p in prepared), connection.vendor)
    _write(connection, sql, [*values, instance.pk])


@cache
def _update_many_sql(model, columns, count, vendor) -> str:
    connection = _connection()
    quote = connection.ops.quote_name
    pk = quote(model._meta.pk.column)
    whens = " ".join(["WHEN %s THEN %s"] * count)
    assignments = ", ".join(f"{quote(column)} = CASE {pk} {whens} END" for column in columns)
    placeholders = ", ".join(["%s"] * count)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {pk} IN ({placeholders})"


def save_fields_many(instances, fields) -> None:
    """bulk_update(instances, fields) in one UPDATE whose SQL is built once per shape.

    Same limits as save_fields: no signals; auto_now fields named get their new value.
    """
    connection = _connection()
    instances = list(instances)
    if not instances:
        return
    model = type(instances[0])
    prepared = _prepared(model, tuple(fields))
    params = []
    for p in prepared:
        for instance in instances:
            params += [instance.pk, p.value(instance, False, connection)]
    params += [instance.pk for instance in instances]
    sql = _update_many_sql(model, tuple(p.field.column for p in prepared), len(instances), connection.vendor)
    _write(connection, sql, params)


@cache
def _insert_sql(model, columns, count, vendor) -> str:
    connection = _connection()
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES {', '.join([row] * count)} RETURNING {quote(model._meta.pk.column)}"
    )


def insert(instances, *, defer: bool = False) -> list[models.Model]:
    """Insert new instances of one model in one statement and set their primary keys.

    What bulk_create(instances) does, with the SQL built once per model and row count:
    defaults and auto_now_add are applied as save() would; no signals are sent.

    defer: the rows are written (and the primary keys set) with the transaction's next
    statement or its commit (see `_write`). Only for rows nothing in the transaction looks
    up by primary key before then.
    """
    connection = _connection()
    instances = list(instances)
    if not instances:
        return instances
    model = type(instances[0])
    prepared = _prepared(model)
    params = []
    for instance in instances:
        instance._prepare_related_fields_for_save(operation_name="insert")
        params += [p.value(instance, True, connection) for p in prepared]
    sql = _insert_sql(model, tuple(p.field.column for p in prepared), len(instances), connection.vendor)

    def saved(returned):
        for instance, (pk,) in zip(instances, returned, strict=True):
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = connection.alias

    _write(connection, sql, params, saved, defer=defer)
    return instances


def _write(connection, sql: str, params, on_rows=None, *, defer: bool = True) -> None:
    """Run a write, or hand it to the backend to send with the next statement (Gendan's PostgreSQL backend).

    on_rows gets the rows the statement returns, whenever it is sent. UPDATEs here are by
    primary key of rows the service has locked and nobody reads their row count, so they
    may wait; the backend sends them before anything else reaches the database.
    """
    defer_write = getattr(connection, "defer_write", None) if defer else None
    if defer_write is not None and defer_write(sql, params, on_rows):
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if on_rows is not None:
            on_rows(cursor.fetchall())
