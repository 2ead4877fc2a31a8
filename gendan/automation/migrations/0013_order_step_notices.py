from django.db import migrations


def install_shipped_rules(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0012_bell_in_preferences"),
        ("inventory", "0004_warehouse_staff"),
    ]

    operations = [
        # Adds the notices at each step of an order; leaves the rules already there alone.
        migrations.RunPython(install_shipped_rules, migrations.RunPython.noop),
    ]
