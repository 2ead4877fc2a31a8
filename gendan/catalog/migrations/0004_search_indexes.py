from django.db import migrations

from gendan.core.search_indexes import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_seed_units_of_measure"),
    ]

    operations = [
        AddSearchIndex("product", ["sku", "name"]),
    ]
