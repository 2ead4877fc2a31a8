from django.db import migrations

from gendan.core.search_indexes import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0004_list_indexes"),
    ]

    operations = [
        AddSearchIndex("payment", ["reference"]),
    ]
