from django.db import migrations

from gendan.core.search_indexes import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_drop_redundant_fk_indexes"),
    ]

    operations = [
        AddSearchIndex("customer", ["name", "code", "phone", "tax_id"]),
        AddSearchIndex("contact", ["name", "phone"]),
        AddSearchIndex("lead", ["company", "contact_name", "phone"]),
        AddSearchIndex("contract", ["title"]),
        AddSearchIndex("opportunity", ["name"]),
        AddSearchIndex("followup", ["notes", "outcome"]),
        AddSearchIndex("meeting", ["title", "place"]),
    ]
