"""Task events on a record's history: who picked up, released or passed on the tasks of
the record's flow, and the tasks put back in the queue because their holder may no
longer take them.

viewflow keeps only a task's current holder, so ``workflows.services`` notes each
change as it makes it (:func:`record_task_event`) in the task's own ``data`` (no
table of its own), saved with the change. :func:`task_events` is the timeline
provider (``core.timeline``) that reads them back: two queries for a record, however
many tasks and events (its tasks with events, then the people named)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from viewflow.workflow.models import Task

from core.timeline import TimelineEntry
from workflows.base import flow_for

EVENTS = "events"  # the key in Task.data

PICKED_UP = "picked_up"
RELEASED = "released"
REASSIGNED = "reassigned"
OUT_OF_REACH = "out_of_reach"  # released because its holder may no longer take it


def record_task_event(
    task: Task, event: str, *, by: Any, to: Any = None, holder: Any = None
) -> None:
    """Note ``event`` on ``task``, in memory: call it inside ``with task.activation()``
    (which re-reads the task) before the claim, release or reassignment, whose save
    keeps it. ``by`` acted (None: the system), ``to`` is the new holder, ``holder`` the
    one before."""
    data = dict(task.data or {})
    data[EVENTS] = [
        *data.get(EVENTS, []),
        {
            "event": event,
            "at": timezone.now().isoformat(),
            "by": getattr(by, "pk", None),
            "to": getattr(to, "pk", to),
            "holder": getattr(holder, "pk", holder),
        },
    ]
    task.data = data


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username()) if user is not None else "someone"


def _entry(task: Task, event: dict[str, Any], users: dict[int, Any]) -> TimelineEntry | None:
    at = parse_datetime(str(event.get("at", "")))
    if at is None:
        return None
    title = task.title or "Task"
    by = users.get(event.get("by"))  # type: ignore[arg-type]
    to = users.get(event.get("to"))  # type: ignore[arg-type]
    holder = users.get(event.get("holder"))  # type: ignore[arg-type]
    kind = event.get("event")
    if kind == PICKED_UP:
        return TimelineEntry(at, "Task picked up", by, f"{title}.")
    if kind == RELEASED:
        whose = "" if holder is None or holder == by else f" from {_name(holder)}"
        return TimelineEntry(at, "Task released", by, f"{title}: back in the queue{whose}.")
    if kind == REASSIGNED:
        source = f" from {_name(holder)}" if holder is not None else ""
        return TimelineEntry(at, "Task reassigned", by, f"{title}: passed{source} to {_name(to)}.")
    if kind == OUT_OF_REACH:
        return TimelineEntry(
            at,
            "Task back in the queue",
            None,
            f"{title}: {_name(holder)} can no longer take it.",
        )
    return None


def task_events(record: models.Model) -> list[TimelineEntry]:
    """The task events of ``record``'s flow (a record no flow follows has none)."""
    if flow_for(type(record)) is None:
        return []
    tasks = list(
        Task.objects.filter(
            process__artifact_content_type=ContentType.objects.get_for_model(record),
            process__artifact_object_id=record.pk,
            data__has_key=EVENTS,
        ).only("pk", "flow_task", "data")
    )
    events = [(task, e) for task in tasks for e in task.data.get(EVENTS, []) if isinstance(e, dict)]
    ids = {e.get(key) for _, e in events for key in ("by", "to", "holder")} - {None}
    users = get_user_model().objects.in_bulk([i for i in ids if isinstance(i, int)])
    return [entry for task, e in events if (entry := _entry(task, e, users)) is not None]
