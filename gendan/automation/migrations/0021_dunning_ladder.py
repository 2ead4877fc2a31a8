from django.db import migrations


def forwards(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0020_statement_disputed"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
