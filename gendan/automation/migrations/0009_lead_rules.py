from django.db import migrations


def install_shipped_rules(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0008_contract_rules"),
        ("crm", "0005_leads_and_opportunities"),
    ]

    operations = [
        # Adds the shipped rules still missing (lead_not_contacted_24h); leaves the others alone.
        migrations.RunPython(install_shipped_rules, migrations.RunPython.noop),
    ]
