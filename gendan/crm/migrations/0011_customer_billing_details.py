"""A customer's billing details (开票信息): the kind of VAT invoice they get, the title, address and phone, bank and
account their invoices print."""

from django.db import migrations, models

from gendan.core.search_indexes import RestoreSearchIndex, RestoreShortSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0010_contract_approval"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="invoice_address_phone",
            field=models.CharField(blank=True, max_length=200, verbose_name="address and phone"),
        ),
        migrations.AddField(
            model_name="customer",
            name="invoice_bank_account",
            field=models.CharField(blank=True, max_length=200, verbose_name="bank and account"),
        ),
        migrations.AddField(
            model_name="customer",
            name="invoice_kind",
            field=models.CharField(
                choices=[("normal", "VAT invoice"), ("special", "Special VAT invoice")],
                default="normal",
                max_length=8,
                verbose_name="invoice kind",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="invoice_title",
            field=models.CharField(
                blank=True,
                help_text="Leave empty to use the customer's name.",
                max_length=200,
                verbose_name="invoice title",
            ),
        ),
        # SQLite adds a NOT NULL column by remaking the table, which drops the triggers of both its search indexes.
        RestoreSearchIndex("customer", ["name", "code", "phone", "tax_id"]),
        RestoreShortSearchIndex("customer", ["name", "code", "phone", "tax_id"]),
    ]
