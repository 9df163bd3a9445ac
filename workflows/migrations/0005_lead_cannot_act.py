"""Issue 13: ``LeadCannotAct``, the (lead, agency) pairs whose named lead can no longer
act on the agency's actions, kept by ``workflows.signals``; filled here for what is
already so (the same rule as ``workflows.signals.refresh_lead_cannot_act``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    from workflows.signals import refresh_lead_cannot_act

    Action = apps.get_model("actions", "Action")
    leads = set(Action.objects.order_by().values_list("lead_id", flat=True).distinct())
    leads.discard(None)
    refresh_lead_cannot_act(leads)


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_task_listing"),
        ("agencies", "0001_initial"),
        ("actions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadCannotAct",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("since", models.DateTimeField(auto_now_add=True)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="agencies.agency",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "agency"), name="wf_lead_cannot_act_once"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
