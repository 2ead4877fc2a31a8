from django.db import migrations


def forwards(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    install(apps.get_model("automation", "Rule"))


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0015_order_change_rules"),
        ("sales", "0017_approvals_of_quotations_and_contracts"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
