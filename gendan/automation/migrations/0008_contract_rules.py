from django.db import migrations


def install_shipped_rules(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0007_followup_and_meeting_rules"),
        ("crm", "0004_contracts"),
    ]

    operations = [
        # Adds the shipped rules still missing (contract_expiring_60d, _30d, _7d); leaves the others alone.
        migrations.RunPython(install_shipped_rules, migrations.RunPython.noop),
    ]
