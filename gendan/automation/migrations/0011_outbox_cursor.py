from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0010_quote_rule"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutboxCursor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("last_event_id", models.BigIntegerField(default=0)),
                ("gaps", models.JSONField(blank=True, default=list)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="outbox_cursor_single_row")],
            },
        ),
    ]
