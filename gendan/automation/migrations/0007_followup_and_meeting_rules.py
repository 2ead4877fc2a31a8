from django.db import migrations


def install_shipped_rules(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0006_delivery_once_without_endpoint"),
        # The records the new rules watch: follow-ups keep the customer's quiet_since; meetings.
        ("crm", "0003_followups_and_meetings"),
    ]

    operations = [
        # Adds the shipped rules still missing (customer_no_followup_30d, meeting_in_1h); leaves the others alone.
        migrations.RunPython(install_shipped_rules, migrations.RunPython.noop),
    ]
