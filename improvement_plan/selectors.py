"""Reads of plans, always scoped in the database to what the user may see: a plan and all
its lines for whoever sees the partnership's own records (partnership roles); for an
agency's users, the lines with an action they may see (``actions.selectors.visible_q``:
their agency's, or one their agency contributes to)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from actions.models import Action, Milestone
from actions.selectors import visible_actions, with_amber_window

__all__ = ["visible_actions"]
from agencies.models import Agency
from agencies.selectors import visible_agencies
from improvement_plan import rag
from improvement_plan.models import Objective, Plan, Provenance, RecommendationLine


def _line_actions(user: Any) -> QuerySet[Action]:
    return visible_actions(user).filter(
        source_content_type=ContentType.objects.get_for_model(RecommendationLine)
    )


def visible_lines(user: Any) -> QuerySet[RecommendationLine]:
    if not getattr(user, "is_authenticated", False):
        return RecommendationLine.objects.none()
    has_action = _line_actions(user).filter(source_object_id=OuterRef("pk"))
    return RecommendationLine.objects.filter(
        Q(objective__plan__owner__in=visible_agencies(user)) | Q(Exists(has_action))
    )


def plan_list(user: Any) -> QuerySet[Plan]:
    lines = visible_lines(user).filter(objective__plan=OuterRef("pk"))
    return Plan.objects.filter(Q(owner__in=visible_agencies(user)) | Q(Exists(lines))).order_by(
        "-created", "pk"
    )


def plan_get(user: Any, pk: Any) -> Plan:
    try:
        return plan_list(user).select_related("owner").get(pk=int(pk))
    except (Plan.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def line_get(user: Any, pk: Any) -> RecommendationLine:
    try:
        return (
            visible_lines(user)
            .select_related("objective__plan")
            .prefetch_related("refs")
            .get(pk=int(pk))
        )
    except (RecommendationLine.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def milestone_get(user: Any, pk: Any) -> Milestone:
    try:
        return Milestone.objects.select_related("action__agency", "action__lead").get(
            pk=int(pk), action__in=_line_actions(user)
        )
    except (Milestone.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404 from exc


def plan_actions(user: Any, plan: Plan) -> QuerySet[Action]:
    lines = RecommendationLine.objects.filter(objective__plan=plan).values("pk")
    return with_amber_window(
        _line_actions(user)
        .filter(source_object_id__in=lines)
        .select_related("agency", "lead")
        .prefetch_related(
            # as plain lists (``to_attr``): Django makes a queryset per action otherwise,
            # which for a plan of 750 actions costs more than the queries
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by(*rag.MILESTONE_ORDER),
                to_attr="milestone_list",
            ),
            Prefetch(
                "contributing_agencies",
                queryset=Agency.objects.order_by("name"),
                to_attr="contributor_list",
            ),
        )
        .order_by("pk")
    )


def contributors_of(action: Action) -> list[Agency]:
    """The agencies contributing to the action, as ``plan_actions`` reads them."""
    found = getattr(action, "contributor_list", None)
    if found is None:
        return list(action.contributing_agencies.order_by("name"))
    return list(found)


# -- the plan's table ------------------------------------------------------------------
@dataclass
class LineRow:
    line: RecommendationLine
    actions: list[Action] = field(default_factory=list)
    rollup: rag.Rollup = field(default_factory=rag.Rollup)


@dataclass
class ObjectiveRow:
    objective: Objective
    lines: list[LineRow] = field(default_factory=list)
    rollup: rag.Rollup = field(default_factory=rag.Rollup)


@dataclass
class PlanTable:
    plan: Plan
    objectives: list[ObjectiveRow]
    rollup: rag.Rollup
    actions: list[Action]
    all_objectives: list[Objective]
    leads: list[Any]
    agencies: list[Any]


FILTERS = ("objective", "source", "agency", "lead", "rag")


def plan_table(
    user: Any, plan: Plan, filters: dict[str, str] | None = None, today: date | None = None
) -> PlanTable:
    """The plan as its table reads: objectives, their lines, each line's actions (that the
    user may see) with milestones, and every RAG rolled up. A fixed number of queries,
    whatever the plan's size. ``filters``: objective (number), source (OR, OC, LR),
    agency (id: owner or contributor), lead (user id), rag (of the line)."""
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
    today = today or timezone.localdate()
    objectives = list(plan.objectives.order_by("number"))
    lines_qs = (
        visible_lines(user)
        .filter(objective__plan=plan)
        .prefetch_related(Prefetch("refs", queryset=Provenance.objects.order_by("pk")))
        .order_by("objective__number", "position")
    )
    if filters.get("objective", "").isdigit():
        lines_qs = lines_qs.filter(objective__number=int(filters["objective"]))
    if filters.get("source", "").upper() in ("OR", "OC", "LR"):
        lines_qs = lines_qs.filter(refs__kind=filters["source"].upper()).distinct()
    actions = list(plan_actions(user, plan))
    by_line: dict[int, list[Action]] = defaultdict(list)
    for action in actions:
        by_line[action.source_object_id].append(action)  # type: ignore[index]
    agency = int(filters["agency"]) if filters.get("agency", "").isdigit() else None
    lead = int(filters["lead"]) if filters.get("lead", "").isdigit() else None
    rows: dict[int, ObjectiveRow] = {o.pk: ObjectiveRow(o) for o in objectives}
    total = rag.Rollup()
    for line in lines_qs:
        line_actions = by_line.get(line.pk, [])
        row = LineRow(line)
        for action in line_actions:
            action.plan_rag = rag.action_rag(action, today)  # type: ignore[attr-defined]
            row.rollup.add(action.plan_rag)  # type: ignore[attr-defined]
        shown = line_actions
        if agency is not None:
            shown = [
                a
                for a in shown
                if a.agency_id == agency or any(c.pk == agency for c in contributors_of(a))
            ]
        if lead is not None:
            shown = [a for a in shown if a.lead_id == lead]
        if (agency is not None or lead is not None) and not shown:
            continue
        if filters.get("rag") and row.rollup.rag != filters["rag"]:
            continue
        row.actions = shown
        objective_row = rows[line.objective_id]
        objective_row.lines.append(row)
        objective_row.rollup.merge(row.rollup)
    for objective_row in rows.values():
        total.merge(objective_row.rollup)
    leads = {a.lead_id: a.lead for a in actions}
    agencies = {a.agency_id: a.agency for a in actions}
    for a in actions:
        for c in contributors_of(a):
            agencies[c.pk] = c
    return PlanTable(
        plan=plan,
        objectives=[r for r in rows.values() if r.lines or not filters],
        rollup=total,
        actions=actions,
        all_objectives=objectives,
        leads=sorted(leads.values(), key=lambda u: u.get_full_name() or u.get_username()),
        agencies=sorted(agencies.values(), key=lambda a: a.name),
    )


@dataclass
class ProgressRow:
    objective: Objective
    months: list[tuple[date, str, rag.Rollup]]


def progress(
    user: Any, plan: Plan, table: PlanTable | None = None, today: date | None = None
) -> tuple[list[date], list[ProgressRow]]:
    """RAG by objective by month: each objective's rolled-up RAG at each month's end, from
    the month of the plan's first milestone to two months after its last (never past
    this month; the latest 36 months at most)."""
    today = today or timezone.localdate()
    table = table or plan_table(user, plan, today=today)
    milestones = [m for a in table.actions for m in rag.milestones_of(a)]
    days = [d for m in milestones for d in (m.starts_on, m.due_on) if d is not None]
    if not days:
        return [], []
    # to two months past the last milestone (the plan's period), never past today
    last = min(today, max(days) + timedelta(days=62))
    months = rag.month_ends(min(days), last)
    out = []
    amber = table.actions[0].amber_days() if table.actions else 0
    for objective_row in table.objectives:
        cells = []
        for month_end in months:
            rollup = rag.Rollup()
            for line_row in objective_row.lines:
                for action in line_row.actions:
                    found = rag.rag_on(action, rag.milestones_of(action), month_end, amber)
                    if found:
                        rollup.add(found)
            cells.append((month_end, rollup.rag, rollup))
        out.append(ProgressRow(objective_row.objective, cells))
    return months, out
