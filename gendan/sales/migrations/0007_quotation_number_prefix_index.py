"""The index the search by quotation number prefix reads on PostgreSQL (core.search, `numbers`).

`LIKE 'QT2025%'` can use a b-tree only in the C collation or with `varchar_pattern_ops`. Django
makes that `_like` index for a unique or indexed field (an order's number); a quotation's number
repeats across its revisions, so it has none. PostgreSQL only: SQLite's range on the number reads
`quotation_number_revision_unique`, which starts with it. Unknown to Django's migration state, as
the search indexes are (an `Index` with `opclasses` would be a second copy of that index on SQLite).
"""

from django.db import migrations

INDEX = "sales_quotation_number_like"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX "{INDEX}" ON "sales_quotation" ("number" varchar_pattern_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0006_home_figures_index"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
