"""A record's history, for any record: one selector, :func:`timeline`, and one include,
``templates/includes/timeline.html`` (the MOJ timeline component).

The entries come from providers, each a function ``provider(record)`` returning
:class:`TimelineEntry` rows about any record it knows, or none. ``core`` provides two
for every record:

* the transition log (django-fsm-log's ``StateLog``: who moved the record to which
  state, when, and why), and
* change records (every concrete :class:`core.models.ChangeRecord` with a foreign key to
  the record's model: who changed which details, from what to what, and why);

and other apps register theirs in their ``AppConfig.ready()``
(:func:`register_timeline_provider`): ``workflows`` the task events (picked up,
released, reassigned). A page adds what only it knows about its record with
``extra`` (an action's progress updates and evidence).

Each provider reads its rows in a fixed number of queries whatever the number of
entries (``select_related``, one batch per source), so a record's history costs the
same to show with 5 events as with 50.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django_fsm_log.models import StateLog

from core.models import ChangeRecord


@dataclass
class TimelineEntry:
    at: datetime
    title: str
    by: Any = None  # a user, or None for the system
    text: str = ""
    lines: tuple[str, ...] = ()


Provider = Callable[[models.Model], Iterable[TimelineEntry]]

_providers: dict[str, Provider] = {}


def register_timeline_provider(name: str, provider: Provider) -> None:
    """Add (or, under the same ``name``, replace) a source of every record's history."""
    _providers[name] = provider


def timeline_providers() -> dict[str, Provider]:
    return dict(_providers)


def timeline(record: models.Model, *, extra: Iterable[TimelineEntry] = ()) -> list[TimelineEntry]:
    """Every provider's entries about ``record`` and ``extra``, newest first (entries at
    the same moment keep the providers' order)."""
    entries = list(extra)
    for provider in _providers.values():
        entries.extend(provider(record))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


# -- core's providers --------------------------------------------------------------------
def transition_log(record: models.Model) -> list[TimelineEntry]:
    """Each logged transition: the state it reached, who took it, and the comment."""
    return [
        TimelineEntry(
            log.timestamp, log.get_state_display() or log.state, log.by, log.description or ""
        )
        for log in StateLog.objects.for_(record).select_related("by", "content_type")
    ]


@cache
def _change_record_links(model: type[models.Model]) -> list[tuple[type[ChangeRecord], str]]:
    """Every concrete ``ChangeRecord`` model and its foreign key to ``model``."""
    found: list[tuple[type[ChangeRecord], str]] = []
    for candidate in apps.get_models():
        if not issubclass(candidate, ChangeRecord):
            continue
        for f in candidate._meta.concrete_fields:
            if f.many_to_one and f.related_model is model:
                found.append((candidate, f.name))
    return found


def change_records(record: models.Model) -> list[TimelineEntry]:
    """Each change to the record's details: its ``title`` (if the model has one, else
    "Details changed"), ``Reason: ...`` if it has a reason, and its ``lines()``."""
    entries = []
    for model, link in _change_record_links(type(record)._meta.concrete_model):
        related = [f.name for f in model._meta.concrete_fields if f.many_to_one]
        for change in model._default_manager.filter(**{link: record}).select_related(*related):
            reason = getattr(change, "reason", "")
            lines = change.lines() if hasattr(change, "lines") else []
            entries.append(
                TimelineEntry(
                    change.at,
                    getattr(change, "title", "") or "Details changed",
                    change.by,
                    f"Reason: {reason}" if reason else "",
                    tuple(lines),
                )
            )
    return entries


register_timeline_provider("core.transition_log", transition_log)
register_timeline_provider("core.change_records", change_records)
