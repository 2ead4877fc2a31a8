"""The order's owner kept on each invoice (Invoice.owner), filled from the orders in one UPDATE.

Made required, and indexed, in the next migration: PostgreSQL refuses to alter a table in the transaction
that has just updated its foreign keys (their checks are deferred to the commit).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_owner(apps, schema_editor):
    Invoice = apps.get_model("finance", "Invoice")
    Order = apps.get_model("sales", "Order")
    owner = Order.objects.filter(pk=models.OuterRef("order_id")).values("owner_id")
    Invoice.objects.update(owner_id=models.Subquery(owner))


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0006_overdue_invoices_index"),
        ("sales", "0010_stalled_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="owner",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="owner",
            ),
        ),
        migrations.RunPython(fill_owner, migrations.RunPython.noop, elidable=True),
    ]
