from django.db import migrations

# code, name (a message id in the "unit of measure" context, translated when shown), decimal places
UNITS = [
    ("个", "piece", 0),
    ("台", "machine", 0),
    ("件", "item", 0),
    ("套", "set", 0),
    ("箱", "case", 0),
    ("盒", "box", 0),
    ("包", "pack", 0),
    ("袋", "bag", 0),
    ("卷", "roll", 0),
    ("根", "rod", 0),
    ("条", "strip", 0),
    ("张", "sheet", 0),
    ("块", "block", 0),
    ("对", "pair", 0),
    ("瓶", "bottle", 0),
    ("桶", "drum", 0),
    ("pcs", "pieces", 0),
    ("米", "metre", 2),
    ("平方米", "square metre", 2),
    ("立方米", "cubic metre", 3),
    ("升", "litre", 2),
    ("千克", "kilogram", 3),
    ("吨", "tonne", 3),
]

# What products were given as free text before, and the unit it means.
ALIASES = {
    "pc": "pcs",
    "piece": "pcs",
    "pieces": "pcs",
    "ea": "pcs",
    "公斤": "千克",
    "kg": "千克",
    "m": "米",
    "t": "吨",
}

# Text that matches no unit keeps what every quantity column holds: nothing refused that was
# accepted before, until an administrator sets its decimals.
UNKNOWN_DECIMALS = 3


def seed_units(apps, schema_editor):
    UnitOfMeasure = apps.get_model("catalog", "UnitOfMeasure")
    Product = apps.get_model("catalog", "Product")
    for code, name, decimals in UNITS:
        UnitOfMeasure.objects.get_or_create(code=code, defaults={"name": name, "decimals": decimals})
    units = {unit.code: unit for unit in UnitOfMeasure.objects.all()}
    by_lower = {code.lower(): code for code in units}
    for text in Product.objects.values_list("unit", flat=True).distinct().order_by():
        cleaned = text.strip()
        code = ALIASES.get(cleaned.lower()) or by_lower.get(cleaned.lower()) or cleaned or "pcs"
        if code not in units:
            units[code] = UnitOfMeasure.objects.create(code=code, name=code, decimals=UNKNOWN_DECIMALS)
        Product.objects.filter(unit=text).update(unit=code, unit_decimals=units[code].decimals)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_units_of_measure"),
    ]

    operations = [
        # Reversed, the units stay: products may name units added since.
        migrations.RunPython(seed_units, migrations.RunPython.noop),
    ]
