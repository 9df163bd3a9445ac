"""The national CDOP categories of death; partnerships may add or retire their own."""

from django.db import migrations

CATEGORIES = [
    "Deliberately inflicted injury, abuse or neglect",
    "Suicide or deliberate self-inflicted harm",
    "Trauma and other external factors",
    "Malignancy",
    "Acute medical or surgical condition",
    "Chronic medical condition",
    "Chromosomal, genetic and congenital anomalies",
    "Perinatal or neonatal event",
    "Infection",
    "Sudden unexpected, unexplained death",
]


def add(apps, schema_editor):
    DeathCategory = apps.get_model("scr", "DeathCategory")
    for order, name in enumerate(CATEGORIES, start=1):
        DeathCategory.objects.get_or_create(name=name, defaults={"order": order})


class Migration(migrations.Migration):
    dependencies = [("scr", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
