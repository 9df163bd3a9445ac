"""``workflows``' own records. Processes, tasks and their ``TaskDue`` rows are not made
here: they come from the flows, which follow the records the other factories create
through the services (``ActionFactory`` opens the action's flow and its first task)."""

from __future__ import annotations

import factory

from workflows.models import SweepRun


class SweepRunFactory(factory.django.DjangoModelFactory[SweepRun]):
    """When a scheduler sweep last ran."""

    class Meta:
        model = SweepRun
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"sweep-{n}")
    last_run_at = None
