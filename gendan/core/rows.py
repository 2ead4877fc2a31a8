"""Hot-path reads and writes with SQL that Django builds once per process.

The order-to-cash services re-read the rows they change under a lock many times per order.
Through the queryset API each such read pays for building and compiling the query again
(about 0.5 ms for an order row); the statement itself costs a few tens of microseconds.
These helpers keep the models (instances, field converters, `pre_save` of auto_now
fields) but reuse the SQL text, so a locked re-read or a narrow UPDATE costs about what
the database needs. Use them only where a profile shows the ORM's overhead matters;
everywhere else the queryset API is clearer.
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections, models


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
        self.sql = ", ".join(
            f"{connection.ops.quote_name(alias)}.{connection.ops.quote_name(f.column)}" for f in self.fields
        )
        self.converters = []
        for field in self.fields:
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            self.converters.append((found, col) if found else None)

    def instance(self, values) -> models.Model:
        connection = _connection()
        values = list(values)
        for index, item in enumerate(self.converters):
            if item is not None:
                found, col = item
                for converter in found:
                    values[index] = converter(values[index], col, connection)
        return self.model.from_db(connection.alias, None, values)


@cache
def _columns(model: type[models.Model], alias: str) -> _Columns:
    return _Columns(model, alias)


def _lock_clause(alias: str) -> str:
    connection = _connection()
    if not connection.features.has_select_for_update:
        # SQLite: the transaction began IMMEDIATE and holds the database's write lock already.
        return ""
    return f" FOR UPDATE OF {connection.ops.quote_name(alias)}"


@cache
def _parent_with_children_sql(parent, child, fk_column, order_by, lock, vendor) -> str:
    connection = _connection()
    p, c = _columns(parent, "p"), _columns(child, "c")
    quote = connection.ops.quote_name
    return (
        f"SELECT {p.sql}, {c.sql} FROM {quote(parent._meta.db_table)} p "
        f"LEFT JOIN {quote(child._meta.db_table)} c ON c.{quote(fk_column)} = p.{quote(parent._meta.pk.column)} "
        f"WHERE p.{quote(parent._meta.pk.column)} = %s ORDER BY c.{quote(order_by)}"
        + (_lock_clause("p") if lock else "")
    )


def parent_with_children(parent, child, pk, *, fk: str, order_by: str = "id", lock: bool = False):
    """(the parent row, its child rows) in one statement; (None, []) when there is no such parent.

    lock: lock the parent's row (PostgreSQL) for the rest of the transaction, as
    select_for_update(of=("self",)) does; the children are not locked.
    """
    connection = _connection()
    fk_column = child._meta.get_field(fk).column
    sql = _parent_with_children_sql(parent, child, fk_column, order_by, lock, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        rows = cursor.fetchall()
    if not rows:
        return None, []
    p, c = _columns(parent, "p"), _columns(child, "c")
    width = len(p.fields)
    child_pk_index = width + c.fields.index(child._meta.pk)
    parent_obj = p.instance(rows[0][:width])
    children = [c.instance(row[width:]) for row in rows if row[child_pk_index] is not None]
    return parent_obj, children


@cache
def _rows_sql(model, where_columns, lock, vendor) -> str:
    connection = _connection()
    cols = _columns(model, "t")
    quote = connection.ops.quote_name
    where = " AND ".join(f"t.{quote(column)} = %s" for column in where_columns)
    return f"SELECT {cols.sql} FROM {quote(model._meta.db_table)} t WHERE {where}" + (_lock_clause("t") if lock else "")


def rows(model, *, lock: bool = False, **equals) -> list[models.Model]:
    """Instances of `model` whose columns equal the given values (field names or attnames)."""
    connection = _connection()
    names = sorted(equals)
    columns = tuple(model._meta.get_field(name.removesuffix("_id")).column for name in names)
    sql = _rows_sql(model, columns, lock, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [equals[name] for name in names])
        fetched = cursor.fetchall()
    cols = _columns(model, "t")
    return [cols.instance(row) for row in fetched]


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
    opts = model._meta
    concrete = [opts.get_field(name) for name in fields]
    values = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in concrete]
    sql = _update_sql(model, tuple(field.column for field in concrete), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, instance.pk])


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
    concrete = [model._meta.get_field(name) for name in fields]
    params = []
    for field in concrete:
        for instance in instances:
            params += [instance.pk, field.get_db_prep_save(field.pre_save(instance, False), connection)]
    params += [instance.pk for instance in instances]
    sql = _update_many_sql(model, tuple(field.column for field in concrete), len(instances), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@cache
def _insert_sql(model, columns, count, vendor) -> str:
    connection = _connection()
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES {', '.join([row] * count)} RETURNING {quote(model._meta.pk.column)}"
    )


def insert(instances) -> list[models.Model]:
    """Insert new instances of one model in one statement and set their primary keys.

    What bulk_create(instances) does, with the SQL built once per model and row count:
    defaults and auto_now_add are applied as save() would; no signals are sent.
    """
    connection = _connection()
    instances = list(instances)
    if not instances:
        return instances
    model = type(instances[0])
    fields = [f for f in model._meta.concrete_fields if f is not model._meta.auto_field]
    params = []
    for instance in instances:
        instance._prepare_related_fields_for_save(operation_name="insert")
        params += [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    sql = _insert_sql(model, tuple(field.column for field in fields), len(instances), connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias
    return instances
