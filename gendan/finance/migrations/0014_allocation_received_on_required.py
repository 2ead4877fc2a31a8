from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("finance", "0013_allocation_received_on")]

    operations = [
        migrations.AlterField(
            model_name="paymentallocation",
            name="received_on",
            field=models.DateField(editable=False, verbose_name="received on"),
        ),
        migrations.RemoveIndex(model_name="paymentallocation", name="allocation_owner_payment_idx"),
        migrations.AddIndex(
            model_name="paymentallocation",
            index=models.Index(fields=["owner", "received_on", "payment"], name="allocation_owner_received_idx"),
        ),
    ]
