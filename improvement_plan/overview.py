"""The improvement plan's section of the partnership overview (``core.overview``): the
current plan's recommendations by RAG, and by objective and RAG. Each figure counts the
lines the plan page shows with the same filters (``?rag=``, ``?objective=``) and links
there.

A line's RAG is the one the plan's table rolls up (``selectors.plan_table``,
``rag.action_rag``): the worst of its actions' the user may see, an open red or amber
action whose milestones are all met counting green, a cancelled one not at all. Here it
is worked out in the database (:func:`line_rag_counts`: an ``Exists`` a RAG a line,
counted by objective), so neither the overview nor the summary on My work loads the
plan's lines and actions: :func:`build` is three queries (the plan, its objectives, the
counts), :func:`summary` two."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, When
from django.db.models.expressions import Combinable

from actions.models import Milestone
from actions.selectors import rag_q
from agencies.models import Partnership
from core.overview import Cell, Figure, FigureRow, FigureTable, Period, SectionFigures, link
from improvement_plan import rag, selectors
from improvement_plan.models import Plan, PlanState, RecommendationLine

AMBER_WINDOW = "overview_amber_window"


def _url(plan: Any, **params: Any) -> str:
    return link("improvement_plan:detail", plan.pk, **params)


def current_plan(user: Any) -> Plan | None:
    """The plan the overview is about: the active one, else the latest (as
    ``selectors.plan_list`` orders them), with the partnership's amber window read in the
    same query."""
    window = Partnership.objects.order_by("pk").values("amber_window_days")[:1]
    return (
        selectors.plan_list(user)
        .annotate(**{AMBER_WINDOW: Subquery(window)})
        .order_by(Case(When(state=PlanState.ACTIVE, then=0), default=1), "-created", "pk")
        .first()
    )


def _amber_days(plan: Plan) -> int:
    days = getattr(plan, AMBER_WINDOW, None)
    return int(days if days is not None else Partnership.current().amber_window_days)


def line_rag_counts(
    user: Any, plan: Plan, today: Any, amber_days: int, *, by_objective: bool
) -> list[dict[str, Any]]:
    """How many of the plan's lines (those ``user`` may see) roll up to each RAG
    (``rag.ORDER``; a line with no counted action is in none): one row, or one row an
    objective (``objective__number``) with ``by_objective``. One query."""
    # the plan's actions as ``selectors.plan_actions`` reads them (a line's, visible)
    actions = selectors.visible_actions(user).filter(
        source_content_type=ContentType.objects.get_for_model(RecommendationLine),
        source_object_id=OuterRef("pk"),
    )
    milestones = Milestone.objects.filter(action=OuterRef("pk"))
    all_met = Q(Exists(milestones)) & ~Q(Exists(milestones.filter(completed_on__isnull=True)))

    def q(value: str) -> Q:
        return rag_q(value, today=today, amber_days=amber_days)

    late = q(rag.Rag.RED) | q(rag.Rag.AMBER)
    found = {
        rag.Rag.RED: Q(Exists(actions.filter(q(rag.Rag.RED) & ~all_met))),
        rag.Rag.AMBER: Q(Exists(actions.filter(q(rag.Rag.AMBER) & ~all_met))),
        rag.Rag.GREEN: Q(Exists(actions.filter(q(rag.Rag.GREEN) | (late & all_met)))),
        rag.Rag.COMPLETE: Q(Exists(actions.filter(q(rag.Rag.COMPLETE)))),
    }
    counts: dict[str, Combinable] = {}
    worse = Q()
    for value in rag.ORDER:  # the worst found is the line's
        counts[value] = Count("pk", filter=worse & found[value])
        worse &= ~found[value]
    lines = selectors.visible_lines(user).filter(objective__plan=plan).order_by()
    if by_objective:
        return [dict(row) for row in lines.values("objective__number").annotate(**counts)]
    return [lines.aggregate(**counts)]


def build(user: Any, period: Period) -> SectionFigures | None:
    plan = current_plan(user)
    if plan is None:
        return None
    per_objective = {
        row["objective__number"]: row
        for row in line_rag_counts(user, plan, period.today, _amber_days(plan), by_objective=True)
    }
    by_rag = {str(r): sum(row[r] for row in per_objective.values()) for r in rag.ORDER}
    rows = tuple(
        FigureRow(
            f"Objective {o.number}",
            tuple(
                Cell(
                    per_objective.get(o.number, {}).get(r, 0),
                    _url(plan, objective=o.number, rag=r),
                )
                for r in rag.ORDER
            ),
            url=_url(plan, objective=o.number),
        )
        for o in plan.objectives.order_by("number")
    )
    return SectionFigures(
        key_figures=_key_figures(plan, by_rag),
        tables=(
            FigureTable.single(
                f"{plan.title}: recommendations by RAG",
                "Recommendations",
                [Figure(rag.LABELS[r], by_rag[r], _url(plan, rag=r)) for r in rag.ORDER],
            ),
            FigureTable(
                caption=f"{plan.title}: recommendations by objective and RAG",
                columns=tuple(rag.LABELS[r] for r in rag.ORDER),
                rows=rows,
                row_heading="Objective",
            ),
        ),
        notes=(f"{plan.title} is {plan.get_state_display().lower()}.",),
    )


def _key_figures(plan: Plan, by_rag: dict[str, int]) -> tuple[Figure, ...]:
    return tuple(
        Figure(
            f"{plan.title}: {rag.LABELS[r].lower()} recommendations", by_rag[r], _url(plan, rag=r)
        )
        for r in (rag.Rag.RED, rag.Rag.AMBER)
    )


def summary(user: Any, period: Period) -> SectionFigures | None:
    """:func:`build`'s key figures alone (My work): the plan, and one aggregate."""
    plan = current_plan(user)
    if plan is None:
        return None
    (by_rag,) = line_rag_counts(user, plan, period.today, _amber_days(plan), by_objective=False)
    return SectionFigures(key_figures=_key_figures(plan, by_rag))
