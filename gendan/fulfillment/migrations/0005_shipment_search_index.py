from django.db import migrations

from gendan.core.search_indexes import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("fulfillment", "0004_list_indexes"),
    ]

    operations = [
        AddSearchIndex("shipment", ["tracking_number"]),
    ]
