"""The register of scheduler sweeps. Each app registers its own in its
``AppConfig.ready()``; ``workflows.scheduler`` runs what is due on each pass and records
when each sweep last ran. It lives in ``core`` because domain apps never import
``workflows``.

A sweep is a callable ``(today) -> int`` (how many things it did), idempotent, run
outside any transaction of the scheduler's. Its cadence says how often it runs:

- ``EVERY_PASS``: on every pass (every minute);
- ``DAILY``: on the first pass of each day (the pass's ``today``);
- a ``timedelta``: on the first pass once that long has gone by since it last ran.

A sweep whose run raises is not recorded as run, so the next pass tries it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Final

Sweep = Callable[[date], int]
Cadence = str | timedelta

EVERY_PASS: Final = "every pass"
DAILY: Final = "daily"

# name -> the sweep; name -> its cadence (a name missing from CADENCES runs every pass)
SWEEPS: dict[str, Sweep] = {}
CADENCES: dict[str, Cadence] = {}


def register_sweep(name: str, func: Sweep, *, cadence: Cadence) -> None:
    """Register ``func`` under ``name`` (at most 100 characters) to run at ``cadence``.
    Registering a name again replaces it (``ready()`` may run twice in tests)."""
    if not name or len(name) > 100:
        raise ValueError("A sweep's name must be 1 to 100 characters")
    if isinstance(cadence, timedelta):
        if cadence <= timedelta(0):
            raise ValueError(f"Sweep {name}: a cadence must be longer than zero")
    elif cadence not in (EVERY_PASS, DAILY):
        raise ValueError(f"Sweep {name}: cadence must be EVERY_PASS, DAILY or a timedelta")
    SWEEPS[name] = func
    CADENCES[name] = cadence


def cadence_of(name: str) -> Cadence:
    return CADENCES.get(name, EVERY_PASS)
