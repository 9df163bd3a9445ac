from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class ImprovementPlanConfig(AppConfig):
    name = "improvement_plan"
    verbose_name = "Improvement plan"

    def ready(self) -> None:
        from core.demo import register_demo

        register_demo("improvement_plan", "improvement_plan.demo.load", order=300)
        register_lines_as_action_sources()
        from core.overview import register_overview_section
        from improvement_plan.overview import build, summary

        register_overview_section(
            "improvement_plan", title="Improvement plan", order=50, build=build, summary=summary
        )


def register_lines_as_action_sources() -> None:
    """How a plan's recommendation line appears as an action's source: its reference and
    recommendation, its objective to group and filter by (``?objective=``). No export
    columns of its own: the action's reference (1.3.2) already places it in the plan."""
    from actions.sources import Parent, register_source
    from improvement_plan import selectors
    from improvement_plan.models import Objective, RecommendationLine

    def visible_objectives(user: Any) -> Any:
        return (
            Objective.objects.filter(lines__in=selectors.visible_lines(user))
            .select_related("plan")
            .distinct()
        )

    register_source(
        RecommendationLine,
        kind="Improvement plan recommendation",
        label=lambda line: f"{line.objective.plan.title}: {line}",
        url=lambda line: line.get_absolute_url(),
        text=lambda line: line.recommendation,
        visible_to=selectors.visible_lines,
        parent=Parent(
            model=Objective,
            param="objective",
            lookup="objective",
            visible_to=visible_objectives,
            # several plans each have an Objective 1: the select names the plan
            choice_label=lambda objective: f"{objective.plan.title}: {objective}",
            newest_first=("-plan__created", "-plan_id", "number"),
            label="Plan objective",
            plural="plan objectives",
            help_text="Actions on this improvement plan objective's recommendations.",
        ),
        related=["objective__plan"],
        alias="plan_line",
    )
