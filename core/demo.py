"""The demo registry: each app registers the demo data it owns, ``manage.py load_demo``
runs them all.

An app registers its demo in its ``AppConfig.ready()``::

    register_demo("scr", "scr.demo.load", order=200)

Every demo function receives the one :class:`DemoContext` of the run, so a later app
(audits, the challenge log, the improvement plan) finds the agencies and personas an
earlier one made without importing it. Demos run by ``order`` (then by name), all in
one transaction; a demo registered with ``after_commit=True`` (one that runs the
scheduler, which sends mail) runs after that transaction has committed, after all the
others, whatever its order.

Each demo must be idempotent: running ``load_demo`` again changes nothing.

Orders in use: 100 agencies and personas (``agencies``), 200 reviews and their actions
(``scr``), 320 themed audits (``audits``), 900 learning checks brought due
(``workflows``, after commit). Leave gaps.

``core`` imports no domain app: the context holds agencies and people as plain objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string


def _quiet(text: str) -> None:
    pass


@dataclass
class DemoContext:
    """What the demos of one run share.

    ``agencies`` by name and ``people`` by username are filled by the agencies demo;
    ``records`` is for anything else one demo leaves for a later one (key it by the
    app's name). ``say`` writes a line now; ``notes`` are written once, at the end.
    """

    today: date = field(default_factory=timezone.localdate)
    agencies: dict[str, Any] = field(default_factory=dict)
    people: dict[str, Any] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    say: Callable[[str], None] = _quiet

    def in_days(self, n: int) -> date:
        return self.today + timedelta(days=n)


DemoFunc = Callable[[DemoContext], None]


@dataclass(frozen=True)
class Demo:
    name: str
    func: DemoFunc | str  # the function, or its dotted path (imported when run)
    order: int
    after_commit: bool = False

    def run(self, context: DemoContext) -> None:
        func = import_string(self.func) if isinstance(self.func, str) else self.func
        func(context)


_DEMOS: dict[str, Demo] = {}


def register_demo(
    name: str, func: DemoFunc | str, *, order: int, after_commit: bool = False
) -> None:
    """Register ``func`` (or its dotted path) as the demo called ``name``.

    Registering the same demo again is harmless; another function under a name already
    taken is a mistake, refused."""
    demo = Demo(name=name, func=func, order=order, after_commit=after_commit)
    existing = _DEMOS.get(name)
    if existing is not None and existing != demo:
        raise ValueError(f"A demo called {name!r} is already registered: {existing.func!r}.")
    _DEMOS[name] = demo


def unregister_demo(name: str) -> None:
    """Forget a demo (for tests that register their own)."""
    _DEMOS.pop(name, None)


def registered_demos() -> list[Demo]:
    """Every registered demo in the order ``run_demos`` runs them."""
    by_order = sorted(_DEMOS.values(), key=lambda d: (d.order, d.name))
    return [d for d in by_order if not d.after_commit] + [d for d in by_order if d.after_commit]


def run_demos(context: DemoContext | None = None) -> DemoContext:
    """Run every registered demo; returns the context they shared."""
    context = context or DemoContext()
    demos = registered_demos()
    with transaction.atomic():
        for demo in demos:
            if not demo.after_commit:
                demo.run(context)
    # Outside the transaction above: these take their own locks and send mail, which
    # must not happen for data that could still roll back.
    for demo in demos:
        if demo.after_commit:
            demo.run(context)
    for note in context.notes:
        context.say(note)
    return context
