"""The invoice's owner kept on each payment allocation (PaymentAllocation.owner), filled from the invoices in one
UPDATE.

Made required, and indexed, in the next migration: PostgreSQL refuses to alter a table in the transaction that has
just updated its foreign keys (their checks are deferred to the commit).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_owner(apps, schema_editor):
    Invoice = apps.get_model("finance", "Invoice")
    PaymentAllocation = apps.get_model("finance", "PaymentAllocation")
    owner = Invoice.objects.filter(pk=models.OuterRef("invoice_id")).values("owner_id")
    PaymentAllocation.objects.update(owner_id=models.Subquery(owner))


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0009_overdue_invoices_by_owner"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentallocation",
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
