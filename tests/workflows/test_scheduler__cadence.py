"""Sweeps are registered by each app in its ``ready()`` (``core.sweeps``) with a
cadence; the scheduler runs each when it is due and records when it ran (``SweepRun``),
so a daily sweep runs once a day however often the scheduler passes, and of two
schedulers at once only one runs it."""

from __future__ import annotations

import threading
import time as clock
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from actions import importing
from actions import services as action_services
from core import sweeps
from core.submissions import sweep_used_tokens
from workflows import scheduler
from workflows.models import SweepRun
from workflows.scheduler import run_pass


def at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def counting(monkeypatch):
    """Register a sweep ``counting`` that records each run; ``register(cadence)``."""
    runs: list = []

    def sweep(today):
        runs.append(today)
        return 1

    def register(cadence):
        monkeypatch.setitem(sweeps.SWEEPS, "counting", sweep)
        monkeypatch.setitem(sweeps.CADENCES, "counting", cadence)
        return runs

    return register


# -- the register -------------------------------------------------------------------------
def test_each_app_registers_its_sweeps_with_a_cadence():
    assert scheduler.SWEEPS is sweeps.SWEEPS  # the scheduler runs core's register
    assert sweeps.SWEEPS["action_reminders"] is action_services.action_send_reminders
    assert sweeps.CADENCES["action_reminders"] == sweeps.DAILY
    assert sweeps.SWEEPS["stale_import_uploads"] is importing.delete_stale_uploads
    assert sweeps.CADENCES["stale_import_uploads"] == timedelta(hours=1)
    assert sweeps.SWEEPS["used_submission_tokens"] is sweep_used_tokens
    assert sweeps.CADENCES["used_submission_tokens"] == timedelta(hours=1)


@pytest.mark.parametrize("cadence", ["weekly", timedelta(0), timedelta(minutes=-1), None])
def test_a_cadence_must_be_one_the_scheduler_knows(cadence):
    with pytest.raises(ValueError):
        sweeps.register_sweep("bad", lambda today: 0, cadence=cadence)
    assert "bad" not in sweeps.SWEEPS


# -- cadences ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_daily_sweep_runs_on_the_first_pass_of_each_day_only(counting):
    runs = counting(sweeps.DAILY)
    day = timezone.localdate() + timedelta(days=1)
    for hour, minute in [(0, 1), (10, 0), (16, 30), (23, 59)]:
        with time_machine.travel(at(day, hour, minute), tick=False):
            result = run_pass()
            assert result.sweeps["counting"] == (1 if (hour, minute) == (0, 1) else 0)
            assert ("counting" in result.not_due) == ((hour, minute) != (0, 1))
    assert runs == [day]
    with time_machine.travel(at(day + timedelta(days=1), 0, 0), tick=False):
        run_pass()
        run_pass()
    assert runs == [day, day + timedelta(days=1)]
    assert SweepRun.objects.get(name="counting").last_run_at == at(day + timedelta(days=1), 0, 0)


@pytest.mark.django_db
def test_a_sweep_every_hour_waits_an_hour(counting):
    runs = counting(timedelta(hours=1))
    day = timezone.localdate() + timedelta(days=1)
    for hour, minute in [(9, 0), (9, 59), (10, 0), (10, 30), (11, 5)]:
        with time_machine.travel(at(day, hour, minute), tick=False):
            run_pass()
    assert len(runs) == 3  # 9:00, 10:00, 11:05


@pytest.mark.django_db
def test_a_sweep_every_pass_runs_on_every_pass(counting):
    runs = counting(sweeps.EVERY_PASS)
    for _ in range(3):
        assert run_pass().sweeps["counting"] == 1
    assert len(runs) == 3


@pytest.mark.django_db
def test_a_sweep_that_fails_is_tried_again_on_the_next_pass(monkeypatch):
    calls: list = []

    def flaky(today):
        calls.append(today)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return 4

    monkeypatch.setitem(sweeps.SWEEPS, "flaky", flaky)
    monkeypatch.setitem(sweeps.CADENCES, "flaky", sweeps.DAILY)
    assert run_pass().sweeps["flaky"] == -1
    assert SweepRun.objects.get(name="flaky").last_run_at is None  # not recorded as run
    assert run_pass().sweeps["flaky"] == 4
    assert run_pass().sweeps["flaky"] == 0  # done for today
    assert len(calls) == 2


@pytest.mark.django_db
def test_a_run_is_claimed_once(counting):
    """The claim is one conditional UPDATE: the second of two claims of the same due
    run finds the row already updated."""
    counting(sweeps.DAILY)
    SweepRun.objects.create(name="counting")
    today = timezone.localdate()
    moment = timezone.now()
    assert scheduler._claim("counting", sweeps.DAILY, today, moment) is True
    assert scheduler._claim("counting", sweeps.DAILY, today, moment) is False


# -- two schedulers at once (PostgreSQL) ----------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_run_a_daily_sweep_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL's row locks: SQLite serialises writers, so concurrent "
            "passes cannot race there; run with DATABASE_URL set"
        )
    runs: list = []

    def slow(today):
        runs.append(today)
        clock.sleep(0.3)  # still running while the others try
        return 1

    monkeypatch.setitem(sweeps.SWEEPS, "slow", slow)
    monkeypatch.setitem(sweeps.CADENCES, "slow", sweeps.DAILY)

    @contextmanager
    def everyone_runs():  # past the advisory lock: the row update alone must hold
        yield True

    monkeypatch.setattr(scheduler, "_single_runner", everyone_runs)
    barrier = threading.Barrier(3)
    errors: list = []

    def worker():
        try:
            barrier.wait(timeout=30)
            run_pass()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(runs) == 1
