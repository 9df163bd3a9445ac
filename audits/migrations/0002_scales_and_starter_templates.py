"""The grading scales (each grade with whether it counts as good or better) and the
starter templates for the seed's themes (``audits.starters``)."""

from django.db import migrations


def load(apps, schema_editor):
    from audits.starters import load as load_starters

    load_starters(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
