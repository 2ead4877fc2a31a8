from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def cost_confirmed_lines(apps, schema_editor):
    """Lines confirmed before costs were kept take their product's cost now: the best figure there is, and the one
    the gross margin read until then."""
    OrderLine = apps.get_model("sales", "OrderLine")
    Product = apps.get_model("catalog", "Product")
    OrderLine.objects.filter(order__confirmed_at__isnull=False).update(
        unit_cost=Subquery(Product.objects.filter(pk=OuterRef("product_id")).values("cost")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("sales", "0022_order_confirmed_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="unit_cost",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="unit cost"),
        ),
        migrations.RunPython(cost_confirmed_lines, migrations.RunPython.noop, elidable=True),
    ]
