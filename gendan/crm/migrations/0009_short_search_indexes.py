from django.db import migrations

from gendan.core.search_indexes import AddShortSearchIndex


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_customer_name_index")]

    operations = [
        AddShortSearchIndex("customer", ["name", "code", "phone", "tax_id"]),
        AddShortSearchIndex("contact", ["name", "phone"]),
    ]
