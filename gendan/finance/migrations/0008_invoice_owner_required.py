import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0007_invoice_owner"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="invoice",
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
            model_name="invoice",
            index=models.Index(fields=["owner", "issued_at", "id"], name="invoice_owner_issued_idx"),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["owner", "created_at", "id"], name="invoice_owner_created_idx"),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["owner", "number"], name="invoice_owner_number_idx"),
        ),
    ]
