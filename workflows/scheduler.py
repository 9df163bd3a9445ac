"""One scheduler pass: fire viewflow's due timers, run our due-date sweeps, send the
outbox. Run every minute (``manage.py run_scheduler`` from cron or a systemd timer, or
``--loop`` as ``make run`` does).

Safe to run twice at once. On PostgreSQL a pass first takes a session advisory lock and
a second copy that cannot get it skips the pass. Each part is idempotent besides: timer
tasks are re-checked under their flow's row lock, sweep notifications carry a unique
dedupe key, and the outbox claims rows with SKIP LOCKED. On SQLite writers are
serialised by the database itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from core.outbox import send_pending

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 727_001  # any constant shared by every copy of this scheduler

# Sweeps: callables (today) -> int, registered by the flows module.
SWEEPS: dict[str, Callable[[date], int]] = {}


def register_sweep(name: str, func: Callable[[date], int]) -> None:
    SWEEPS[name] = func


@dataclass
class PassResult:
    ran: bool = True
    timers_fired: int = 0
    sweeps: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        if not self.ran:
            return "skipped: another scheduler holds the lock"
        sweeps = ", ".join(f"{k}={v}" for k, v in self.sweeps.items()) or "none"
        return (
            f"{self.timers_fired} timer(s) fired; sweeps: {sweeps}; "
            f"{self.sent} notification(s) sent, {self.failed} failed"
        )


@contextmanager
def _single_runner() -> Iterator[bool]:
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def run_pass(today: date | None = None) -> PassResult:
    with _single_runner() as got_lock:
        if not got_lock:
            return PassResult(ran=False)
        result = PassResult()
        result.timers_fired = fire_due_timers()
        today = today or timezone.localdate()
        for name, sweep in SWEEPS.items():
            try:
                result.sweeps[name] = sweep(today)
            except Exception:  # one broken sweep must not stop the others or the outbox
                logger.exception("Sweep %s failed", name)
                result.sweeps[name] = -1
        result.sent, result.failed = send_pending()
        return result
