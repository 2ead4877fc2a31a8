from django.db import migrations


def install_shipped_rules(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0004_deadlines_at_risk_and_calendar_revision"),
    ]

    operations = [
        # Rules switched off or edited by an administrator are left alone (get_or_create by system_key);
        # on reversal the rows stay, as they may have fired and been edited since.
        migrations.RunPython(install_shipped_rules, migrations.RunPython.noop),
    ]
