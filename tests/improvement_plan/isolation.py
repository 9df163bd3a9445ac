"""Each agency's improvement-plan records for the isolation matrix
(tests/test_isolation__every_route.py): a plan owned by the partnership, one objective,
one line whose action the agency owns, a milestone; A's carry ``ALPHAREF``, B's
``BRAVOREF``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType

from actions.models import Action, Milestone
from improvement_plan.importing import partnership_agency
from improvement_plan.models import Objective, Plan, Provenance, RecommendationLine


@dataclass
class PlanSide:
    plan: Any
    objective: Any
    line: Any
    action: Any
    milestone: Any


def build_plan(side: Any, marker: str, *, manager: Any) -> PlanSide:
    plan = Plan.objects.create(
        title=f"{marker} plan", owner=partnership_agency(), created_by=manager
    )
    objective = Objective.objects.create(plan=plan, number=1, text=f"{marker} objective")
    line = RecommendationLine.objects.create(
        objective=objective,
        position=1,
        provenance_text="OR 1",
        recommendation=f"{marker} quality assurance programme",
        lead_text=f"{marker} lead",
        milestones_text="1. Oct 17",
    )
    Provenance.objects.create(line=line, kind="OR", number=1)
    action = Action.objects.create(
        source_content_type=ContentType.objects.get_for_model(RecommendationLine),
        source_object_id=line.pk,
        reference=f"{marker}-P1",
        agency=side.agency,
        lead=side.lead,
        description=f"{marker} plan action",
        target_date=date.today() + timedelta(days=60),
        created_by=manager,
    )
    milestone = Milestone.objects.create(
        action=action, text=f"{marker} by year end", kind="day", due_on=action.target_date
    )
    return PlanSide(plan, objective, line, action, milestone)


def build_plans(world: Any, *, manager: Any) -> dict[str, PlanSide]:
    return {
        "a": build_plan(world.a, "ALPHAREF", manager=manager),
        "b": build_plan(world.b, "BRAVOREF", manager=manager),
    }
