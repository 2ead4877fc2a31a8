from django.db import migrations


def forwards(apps, schema_editor):
    from gendan.automation.shipped_rules import install

    Rule = apps.get_model("automation", "Rule")
    # The first level's wait ends when that level approves; the next level's wait is a rule of its own.
    for rule in Rule.objects.filter(system_key="approval_waiting_4h"):
        if "order.approval_advanced" not in rule.unless_verbs:
            rule.unless_verbs = ["order.approval_advanced", *rule.unless_verbs]
            rule.save(update_fields=["unless_verbs"])
    install(Rule)


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0013_order_step_notices"),
        ("sales", "0014_default_approval_rule"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
