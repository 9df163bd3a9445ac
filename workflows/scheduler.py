"""One scheduler pass: fire viewflow's due timers, run the sweeps that are due, send the
outbox. Run every minute (``manage.py run_scheduler`` from cron or a systemd timer, or
``--loop`` as ``make run`` does).

Sweeps are registered by each app in its ``AppConfig.ready()`` (``core.sweeps``), each
with its cadence; a pass runs those that are due and records when each ran
(``SweepRun``), so a daily sweep runs on the first pass of the day however often the
scheduler passes. The outbox is sent on every pass.

Safe to run twice at once. On PostgreSQL a pass first takes a session advisory lock and
a second copy that cannot get it skips the pass. Each part is idempotent besides: timer
tasks are re-checked under their flow's row lock, a sweep's run is claimed with one
conditional UPDATE of its ``SweepRun`` row (of two passes, one updates it and runs the
sweep), sweep notifications carry a unique dedupe key, and the outbox claims rows with
SKIP LOCKED. On SQLite writers are serialised by the database itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from core.outbox import send_pending
from core.sweeps import DAILY, SWEEPS, Cadence, cadence_of
from workflows.models import SweepRun

logger = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 727_001  # any constant shared by every copy of this scheduler

# ``SWEEPS`` (imported above) is core.sweeps' register itself: name -> sweep.


@dataclass
class PassResult:
    ran: bool = True
    timers_fired: int = 0
    # name -> what the sweep did (-1: it failed); a sweep not due this pass counts 0 and
    # is named in ``not_due``
    sweeps: dict[str, int] = field(default_factory=dict)
    not_due: list[str] = field(default_factory=list)
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


def _moment(today: date) -> datetime:
    """The pass's moment: now, or the start of ``today`` when the pass is run for
    another day (``run_pass(day)``)."""
    now = timezone.now()
    if today == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(today, time.min))


def _claim(name: str, cadence: Cadence, today: date, moment: datetime) -> bool:
    """Record that ``name`` runs now if it is due, in one conditional UPDATE: of two
    passes at once, only the one whose UPDATE changed the row runs the sweep."""
    rows = SweepRun.objects.filter(name=name)
    if cadence == DAILY:
        start_of_day = timezone.make_aware(datetime.combine(today, time.min))
        rows = rows.filter(Q(last_run_at__isnull=True) | Q(last_run_at__lt=start_of_day))
    elif isinstance(cadence, timedelta):
        rows = rows.filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=moment - cadence))
    return rows.update(last_run_at=moment) == 1


def _run_sweeps(today: date, result: PassResult) -> None:
    moment = _moment(today)
    names = sorted(SWEEPS)
    last_run = dict(SweepRun.objects.filter(name__in=names).values_list("name", "last_run_at"))
    if set(names) - set(last_run):
        SweepRun.objects.bulk_create(
            [SweepRun(name=name) for name in names if name not in last_run],
            ignore_conflicts=True,
        )
    for name in names:
        if not _claim(name, cadence_of(name), today, moment):
            result.sweeps[name] = 0
            result.not_due.append(name)
            continue
        try:
            result.sweeps[name] = SWEEPS[name](today)
        except Exception:  # one broken sweep must not stop the others or the outbox
            logger.exception("Sweep %s failed", name)
            result.sweeps[name] = -1
            # not run after all: the next pass tries again
            SweepRun.objects.filter(name=name, last_run_at=moment).update(
                last_run_at=last_run.get(name)
            )


def run_pass(today: date | None = None) -> PassResult:
    with _single_runner() as got_lock:
        if not got_lock:
            return PassResult(ran=False)
        result = PassResult()
        result.timers_fired = fire_due_timers()
        _run_sweeps(today or timezone.localdate(), result)
        result.sent, result.failed = send_pending()
        return result
