from django.db import migrations, models


def keep_the_bell(apps, schema_editor):
    # The bell used to be on for every notice whatever the preference said; it is now chosen
    # like a channel, so every preference saved before keeps it.
    preference_model = apps.get_model("automation", "NotificationPreference")
    rows = list(preference_model.objects.all())
    for row in rows:
        if "bell" not in row.channels:
            row.channels = ["bell", *row.channels]
    preference_model.objects.bulk_update(rows, ["channels"], batch_size=500)


def drop_the_bell(apps, schema_editor):
    preference_model = apps.get_model("automation", "NotificationPreference")
    rows = list(preference_model.objects.all())
    for row in rows:
        row.channels = [c for c in row.channels if c != "bell"]
    preference_model.objects.bulk_update(rows, ["channels"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("automation", "0011_outbox_cursor")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="in_bell",
            field=models.BooleanField(default=True),
        ),
        migrations.RunPython(keep_the_bell, drop_the_bell),
    ]
