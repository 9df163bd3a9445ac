"""RAG rolled up, never typed: a line's from its actions (each action's from its next open
milestone, ``actions.models.follow_milestones``), an objective's from its lines, the
plan's from its objectives. The worst counts: red, then amber, then green, then
complete; cancelled actions do not count. Also the RAG of an action at a past day, for
the plan's progress over time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from actions.models import COMPLETE_STATES, ActionState, Rag

ORDER = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.COMPLETE]
NONE = "none"
LABELS = {
    Rag.RED: "Red",
    Rag.AMBER: "Amber",
    Rag.GREEN: "Green",
    Rag.COMPLETE: "Complete",
    NONE: "No actions",
}


def worst(rags: Iterable[str]) -> str:
    found = {r for r in rags if r in ORDER}
    return next((r for r in ORDER if r in found), NONE)


@dataclass
class Rollup:
    rag: str = NONE
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def label(self) -> str:
        return LABELS[self.rag]

    def add(self, rag: str) -> None:
        if rag in ORDER:
            self.counts[rag] += 1
            self.rag = worst([self.rag, rag])

    def merge(self, other: Rollup) -> None:
        self.counts.update(other.counts)
        self.rag = worst([self.rag, other.rag])

    def summary(self) -> str:
        return ", ".join(f"{self.counts[r]} {LABELS[r].lower()}" for r in ORDER if self.counts[r])


def rag_on(action: Any, milestones: list[Any], day: date, amber_days: int) -> str | None:
    """The action's RAG as it stood at the end of ``day``: complete once signed off,
    otherwise from the first milestone not completed by then; None if cancelled."""
    if action.state == ActionState.CANCELLED:
        return None
    if action.state in COMPLETE_STATES and (
        action.signed_off_at is None or timezone.localdate(action.signed_off_at) <= day
    ):
        return Rag.COMPLETE
    dates = [
        m.falls_on
        for m in milestones
        if m.falls_on is not None and (m.completed_on is None or m.completed_on > day)
    ]
    if not dates and milestones:
        return Rag.GREEN  # every milestone met by then
    due = min(dates) if dates else action.target_date
    if due < day:
        return Rag.RED
    if due - day <= timedelta(days=amber_days):
        return Rag.AMBER
    return Rag.GREEN


# The order a plan reads an action's milestones in (``selectors.plan_actions``).
MILESTONE_ORDER = ("position", "due_on", "pk")


def milestones_of(action: Any) -> list[Any]:
    """The action's milestones as ``selectors.plan_actions`` prefetched them (the list
    ``milestone_list``), else read in the same order."""
    found = getattr(action, "milestone_list", None)
    if found is None:
        return list(action.milestones.order_by(*MILESTONE_ORDER))
    return list(found)


def action_rag(action: Any, today: date | None = None) -> str:
    """An action's RAG in the plan: the action's own (``Action.rag``: from its state and
    its target date, which follows its next open milestone), except that an open action
    whose milestones are all met is on track (green): delivered, its evidence and
    sign-off still to come. Reads the action's prefetched milestones (``milestone_list``
    as ``selectors.plan_actions`` reads them)."""
    found = action.rag(today=today)
    if found in (Rag.RED, Rag.AMBER):
        milestones = milestones_of(action)
        if milestones and all(m.completed_on is not None for m in milestones):
            return Rag.GREEN
    return str(found)


def month_ends(first: date, last: date, limit: int = 36) -> list[date]:
    """The last day of each month from ``first``'s to ``last``'s (the latest ``limit``)."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        out.append(nxt - timedelta(days=1))
        year, month = nxt.year, nxt.month
    return out[-limit:]
