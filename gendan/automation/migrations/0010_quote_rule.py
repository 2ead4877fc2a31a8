from django.db import migrations


def install_shipped_rules(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0009_lead_rules"),
        ("sales", "0003_quotation_opportunity"),
    ]

    operations = [
        # Adds the shipped rules still missing (quote_not_sent_48h); leaves the others alone.
        migrations.RunPython(install_shipped_rules, migrations.RunPython.noop),
    ]
