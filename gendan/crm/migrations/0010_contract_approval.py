"""A contract may wait for approval between signing and being in force (status pending_approval)."""

from django.db import migrations, models

from gendan.core.search_indexes import RestoreSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0009_short_search_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="contract",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("pending_approval", "Pending approval"),
                    ("active", "Active"),
                    ("expired", "Expired"),
                    ("terminated", "Terminated"),
                ],
                default="draft",
                max_length=20,
                verbose_name="status",
            ),
        ),
        # SQLite remade the table for the longer column, dropping the triggers of its search index.
        RestoreSearchIndex("contract", ["title"]),
    ]
