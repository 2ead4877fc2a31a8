import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from gendan.core.search_indexes import RestoreSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0006_shipment_owner"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="shipment",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="owner",
            ),
        ),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(fields=["owner", "created_at", "id"], name="shipment_owner_created_idx"),
        ),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(fields=["owner", "number"], name="shipment_owner_number_idx"),
        ),
        # SQLite remade the table for the AlterField above, and its search triggers went with it.
        RestoreSearchIndex("shipment", ["tracking_number"]),
    ]
