"""The payment's date kept on each allocation (PaymentAllocation.received_on), filled from the payments in one
UPDATE. Made required, and indexed with the owner, in the next migration (as 0010 and 0011 did for the owner)."""

from django.db import migrations, models


def fill_received_on(apps, schema_editor):
    Payment = apps.get_model("finance", "Payment")
    PaymentAllocation = apps.get_model("finance", "PaymentAllocation")
    received_on = Payment.objects.filter(pk=models.OuterRef("payment_id")).values("received_on")
    PaymentAllocation.objects.update(received_on=models.Subquery(received_on))


class Migration(migrations.Migration):
    dependencies = [("finance", "0012_payment_customer_index")]

    operations = [
        migrations.AddField(
            model_name="paymentallocation",
            name="received_on",
            field=models.DateField(editable=False, null=True, verbose_name="received on"),
        ),
        migrations.RunPython(fill_received_on, migrations.RunPython.noop, elidable=True),
    ]
