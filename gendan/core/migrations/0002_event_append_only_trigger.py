from django.db import migrations

# On PostgreSQL the database itself refuses to change or remove an event, whatever the
# code path (raw SQL, a shell, a bug). SQLite has no equivalent worth the complexity; the
# model and queryset guards cover it there.
CREATE = """
CREATE OR REPLACE FUNCTION core_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_event is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_event_no_update_delete
    BEFORE UPDATE OR DELETE ON core_event
    FOR EACH ROW EXECUTE FUNCTION core_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_event_no_update_delete ON core_event;
DROP FUNCTION IF EXISTS core_event_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
