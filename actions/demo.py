"""Demo helpers for actions, used by the demo of each source app (``scr.demo`` today;
audits, the challenge log and the improvement plan later).

Actions are made and moved only through ``actions.services``, exactly as the pages and
the API do, so each has a real transition log and a real viewflow process with open
tasks. ``actions`` registers no demo of its own: every action hangs on a source record,
and the source's demo makes it.

A demo that wants an action's six-month learning check due now (not in six months)
asks for it with :func:`bring_learning_check_due`; the workflows demo, which runs last,
lets the scheduler fire the flow's timer (``workflows.demo``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from actions import services
from actions.models import Action
from agencies.models import Agency
from core.demo import DemoContext


@contextlib.contextmanager
def on_day(ctx: DemoContext, days: int, at: str = "10:00") -> Iterator[None]:
    """Run the block as if it were ``days`` days from the demo's today (negative: in the
    past) at ``at`` (local time), so the demo's history reads as a real year: every
    timestamp written inside (transitions, updates, evidence, tasks, e-mails queued)
    and every "today" a service reads (a new target date must not be in the past, the
    learning check falls six months after sign-off) is then's.

    The clock is moved with ``time-machine`` (a development dependency, as the demo is
    for development and demonstration only); without it the block runs now."""
    try:
        import time_machine
    except ImportError:  # pragma: no cover - a production install has no demo to load
        yield
        return
    hour, minute = (int(part) for part in at.split(":"))
    when = timezone.make_aware(
        datetime.combine(ctx.today + timedelta(days=days), time(hour, minute))
    )
    with time_machine.travel(when, tick=False):
        yield


def create_action(
    ctx: DemoContext,
    *,
    source: Any,
    agency: Agency,
    lead: Any,
    by: Any,
    description: str,
    target_in_days: int,
    reference: str,
) -> Action:
    """A new action on ``source``, due ``target_in_days`` from today (negative: past)."""
    return services.action_create(
        source=source,
        agency=agency,
        lead=lead,
        by=by,
        description=description,
        reference=reference,
        target_date=ctx.in_days(target_in_days),
        # the demo records a plan part-way through its life: some dates have passed
        allow_past=target_in_days < 0,
    )


def walk_to_sign_off(
    action: Action,
    *,
    lead: Any,
    qa: Any,
    evidence: str,
    ctx: DemoContext | None = None,
    days: tuple[int, int, int, int, int, int] | None = None,
) -> None:
    """Every step from assigned to signed off: started, a progress update, one piece of
    evidence, submitted, accepted by ``qa``, signed off by ``lead``; with ``ctx`` and
    ``days`` (one day per step, from the demo's today), each on its own day."""
    steps: list[Callable[[], Any]] = [
        lambda: services.action_start_work(action=action, by=lead),
        lambda: services.action_report_progress(action=action, by=lead, text="Work under way."),
        lambda: services.action_add_evidence(action=action, by=lead, description=evidence),
        lambda: services.action_submit_evidence(action=action, by=lead),
        lambda: services.action_accept_evidence(action=action, by=qa),
        lambda: services.action_sign_off(action=action, by=lead, note="Complete."),
    ]
    times = ["09:20", "14:05", "11:40", "16:10", "10:35", "15:50"]
    for i, step in enumerate(steps):
        if ctx is not None and days is not None:
            with on_day(ctx, days[i], times[i]):
                step()
        else:
            step()


@dataclass(frozen=True)
class CheckDue:
    """A request to bring ``action``'s learning check due now; ``then`` (if given) is
    called with the action once its check is due, e.g. to record the check."""

    action: Action
    then: Callable[[Action], None] | None = None


_KEY = "actions.learning_checks_due"


def bring_learning_check_due(
    ctx: DemoContext, action: Action, *, then: Callable[[Action], None] | None = None
) -> None:
    """Ask for ``action``'s learning check to fall due in this run (if it is signed off
    and never had one: asking on every run is safe)."""
    ctx.records.setdefault(_KEY, []).append(CheckDue(action, then))


def learning_checks_due(ctx: DemoContext) -> list[CheckDue]:
    """The requests of :func:`bring_learning_check_due`, in the order made."""
    return list(ctx.records.get(_KEY, []))
