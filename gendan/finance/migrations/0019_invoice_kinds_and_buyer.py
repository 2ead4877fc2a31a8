"""Invoices of two kinds (normal and special VAT), the buyer as it was when issued, the fapiao number."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def buyer_of_issued_invoices(apps, schema_editor):
    """Invoices issued before there was a copy printed their customer's name and tax id as they are now: keep
    those, so that they go on printing the same."""
    Invoice = apps.get_model("finance", "Invoice")
    Customer = apps.get_model("crm", "Customer")
    customer = Customer.objects.filter(pk=OuterRef("customer_id"))
    Invoice.objects.filter(issued_at__isnull=False).update(
        buyer_name=Subquery(customer.values("name")[:1]), buyer_tax_id=Subquery(customer.values("tax_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0011_customer_billing_details"),
        ("finance", "0018_statements"),
        ("sales", "0021_order_payment_terms"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="buyer_address_phone",
            field=models.CharField(
                blank=True, editable=False, max_length=200, verbose_name="buyer's address and phone"
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="buyer_bank_account",
            field=models.CharField(
                blank=True, editable=False, max_length=200, verbose_name="buyer's bank and account"
            ),
        ),
        migrations.AddField(
            model_name="invoice",
            name="buyer_name",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="buyer"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="buyer_tax_id",
            field=models.CharField(blank=True, editable=False, max_length=32, verbose_name="buyer's tax id"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="fapiao_number",
            field=models.CharField(blank=True, max_length=20, verbose_name="fapiao number"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="kind",
            field=models.CharField(
                choices=[("normal", "VAT invoice"), ("special", "Special VAT invoice")],
                default="normal",
                max_length=8,
                verbose_name="invoice kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(
                condition=models.Q(("fapiao_number", ""), _negated=True),
                fields=("kind", "fapiao_number"),
                name="invoice_fapiao_number_unique",
            ),
        ),
        migrations.RunPython(buyer_of_issued_invoices, migrations.RunPython.noop, elidable=True),
    ]
