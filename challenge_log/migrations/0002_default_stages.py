"""The default stages of escalation (the London procedures' four levels), which the
partnership may change in the admin."""

from django.db import migrations

DEFAULT_STAGES = [
    # number, name, responder, working days, urgent working days
    (1, "Practitioner to practitioner", "agencies.respond_to_challenge", 5, 1),
    (2, "Manager to manager", "agencies.respond_challenge_manager", 5, 1),
    (3, "Designated or senior leads", "agencies.respond_challenge_senior", 5, 2),
    (4, "The partnership Chair", "challenge_log.decide_challenge", 10, 3),
]


def add_stages(apps, schema_editor):
    Stage = apps.get_model("challenge_log", "Stage")
    for number, name, responder, days, urgent in DEFAULT_STAGES:
        Stage.objects.get_or_create(
            number=number,
            defaults={
                "name": name,
                "responder": responder,
                "working_days": days,
                "urgent_working_days": urgent,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("challenge_log", "0001_initial")]

    operations = [migrations.RunPython(add_stages, migrations.RunPython.noop)]
