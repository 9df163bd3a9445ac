"""The scheduler: a pass fires due timers, runs the due-date sweeps and sends the outbox;
a second pass does nothing more, reminders go once a week, and two passes running at
once on PostgreSQL still fire each timer and send each notification exactly once."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from actions import services as action_services
from actions.models import Action, ActionState, LearningCheck
from core.models import Notification
from tests.factories import ActionFactory
from tests.factories.actions import make_action
from workflows import scheduler
from workflows.base import open_tasks
from workflows.scheduler import SWEEPS, run_pass

S = ActionState


def after(day) -> datetime:
    """Mid-morning, London time, on ``day``."""
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def mails_to(mailoutbox) -> list[str]:
    return sorted(addr for m in mailoutbox for addr in m.to)


def assert_no_mail_twice(mailoutbox) -> None:
    sent = [(m.to[0], m.subject) for m in mailoutbox]
    assert len(set(sent)) == len(sent), sent


# -- timers -------------------------------------------------------------------------------
def test_a_second_pass_fires_no_timer(alice, li, agency_a, manager, mailoutbox):
    action = ActionFactory(agency=agency_a, lead=alice, by=manager, state=S.SIGNED_OFF, li=li)

    assert run_pass().timers_fired == 0  # not due yet
    with time_machine.travel(after(action.learning_check_due_on), tick=False):
        first = run_pass()
        second = run_pass()
    assert first.timers_fired == 1
    assert second.timers_fired == 0
    assert second.sent == 0
    action.refresh_from_db()
    assert action.state == S.LEARNING_CHECK_DUE
    assert LearningCheck.objects.filter(action=action).count() == 1
    assert [t.flow_task.name for t in open_tasks(action)] == ["learning_check"]
    # the check's notice went to the lead and the L&I group, once each
    assert sorted(m.to[0] for m in mailoutbox if m.subject == f"Learning check due: {action}") == [
        "alice@example.org",
        "li@example.org",
    ]
    assert_no_mail_twice(mailoutbox)


def test_the_timer_does_not_fire_the_day_before(alice, li, agency_a, manager):
    action = ActionFactory(agency=agency_a, lead=alice, by=manager, state=S.SIGNED_OFF, li=li)
    with time_machine.travel(after(action.learning_check_due_on - timedelta(days=1)), tick=False):
        assert run_pass().timers_fired == 0
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF


# -- overdue reminders ---------------------------------------------------------------------
# The other apps' sweeps (used one-time form tokens, other loops' reminders) have
# nothing to do here.
NO_TOKENS = {name: 0 for name in SWEEPS if name not in ("action_reminders", "stale_import_uploads")}


@pytest.fixture
def overdue_action(alice, ann, agency_a, manager):
    """Due 3 days ago; alice leads it and ann is agency A's designated lead."""
    return make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-3)


def test_reminders_are_queued_once_a_week(overdue_action, mailoutbox):
    today = timezone.localdate()
    first = run_pass(today)
    assert first.sweeps == {"action_reminders": 2, "stale_import_uploads": 0, **NO_TOKENS}
    assert mails_to(mailoutbox) == ["alice@example.org", "ann@example.org"]

    # later the same day, and the rest of the ISO week: nothing more
    monday = today - timedelta(days=today.weekday())
    for day in [today, *[monday + timedelta(days=i) for i in range(7)]]:
        with time_machine.travel(after(day), tick=False):
            result = run_pass(day)
            assert result.sweeps == {
                "action_reminders": 0,
                "stale_import_uploads": 0,
                **NO_TOKENS,
            }, day
            assert result.sent == 0
    assert Notification.objects.count() == 2
    assert len(mailoutbox) == 2

    # the next week: one more each
    next_week = monday + timedelta(days=7)
    with time_machine.travel(after(next_week), tick=False):
        assert run_pass(next_week).sweeps == {
            "action_reminders": 2,
            "stale_import_uploads": 0,
            **NO_TOKENS,
        }
        assert run_pass(next_week).sweeps == {
            "action_reminders": 0,
            "stale_import_uploads": 0,
            **NO_TOKENS,
        }
    assert len(mailoutbox) == 4


def test_a_long_overdue_action_is_escalated_to_the_partnership_manager_once(
    alice, agency_a, manager, mailoutbox
):
    action = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-60)
    today = timezone.localdate()
    run_pass(today)
    assert mails_to(mailoutbox) == ["alice@example.org", "manager@example.org"]
    action.refresh_from_db()
    assert action.escalated_at is not None
    next_week = today + timedelta(days=7)
    with time_machine.travel(after(next_week), tick=False):
        run_pass(next_week)
    # the weekly reminder again, but no second escalation
    assert mails_to(mailoutbox) == ["alice@example.org", "alice@example.org", "manager@example.org"]


def test_no_reminders_for_work_that_is_not_overdue_or_is_done(
    alice, li, agency_a, manager, mailoutbox
):
    make_action(agency=agency_a, lead=alice, by=manager, target_in_days=0)  # due today
    cancelled = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=-3)
    action_services.action_cancel(action=cancelled, by=manager, reason="Superseded")
    assert run_pass().sweeps == {"action_reminders": 0, "stale_import_uploads": 0, **NO_TOKENS}
    assert mailoutbox == []


def test_a_broken_sweep_does_not_stop_the_others_or_the_outbox(
    overdue_action, mailoutbox, monkeypatch
):
    def broken(today):
        raise RuntimeError("boom")

    monkeypatch.setitem(scheduler.SWEEPS, "broken", broken)
    result = run_pass()
    assert result.sweeps["broken"] == -1
    assert result.sweeps["action_reminders"] == 2
    assert result.sent == 2


# -- the management command -----------------------------------------------------------------
def test_run_scheduler_runs_one_pass_and_prints_its_summary(overdue_action, mailoutbox):
    out = StringIO()
    call_command("run_scheduler", stdout=out)
    # every registered sweep, by name (other apps' sweeps do nothing here)
    did = {"action_reminders": 2}
    sweeps = ", ".join(f"{name}={did.get(name, 0)}" for name in sorted(SWEEPS))
    assert out.getvalue().strip() == (
        f"0 timer(s) fired; sweeps: {sweeps}; 2 notification(s) sent, 0 failed"
    )
    out = StringIO()
    call_command("run_scheduler", stdout=out)
    sweeps = ", ".join(f"{name}=0" for name in sorted(SWEEPS))
    assert out.getvalue().strip() == (
        f"0 timer(s) fired; sweeps: {sweeps}; 0 notification(s) sent, 0 failed"
    )
    assert len(mailoutbox) == 2


# -- two schedulers at once (PostgreSQL: real locks) -------------------------------------------
def run_concurrently(n: int = 2) -> list:
    """Run ``n`` scheduler passes at the same moment, each on its own connection."""
    barrier = threading.Barrier(n)
    results: list = []
    errors: list = []

    def worker():
        try:
            barrier.wait(timeout=30)
            results.append(run_pass())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == n
    return results


@pytest.fixture
def busy_partnership(alice, ann, charlie, li, agency_a, agency_b, manager):
    """Three signed-off actions whose checks are due and three overdue actions."""
    # numbered as a plan numbers them, so each e-mail's subject names its own action
    for n, (lead, agency) in enumerate(((alice, agency_a), (charlie, agency_b), (alice, agency_a))):
        ActionFactory(
            agency=agency, lead=lead, by=manager, state=S.SIGNED_OFF, li=li, reference=f"{n}.1"
        )
        make_action(agency=agency, lead=lead, by=manager, target_in_days=-3, reference=f"{n}.2")
    return max(
        Action.objects.exclude(learning_check_due_on=None).values_list(
            "learning_check_due_on", flat=True
        )
    )


def assert_each_once(results, mailoutbox) -> None:
    assert sum(r.timers_fired for r in results) == 3
    assert LearningCheck.objects.count() == 3
    assert Action.objects.filter(state=S.LEARNING_CHECK_DUE).count() == 3
    notes = list(Notification.objects.all())
    # each check's notice reached its lead and the L&I group; each overdue action its
    # lead (and ann, agency A's designated lead); the unique dedupe keys allow no more
    for check in LearningCheck.objects.select_related("action__lead"):
        got = {n.recipient.username for n in notes if n.dedupe_key == f"learning-check-{check.pk}"}
        assert {check.action.lead.username, "li"} <= got
    assert sum(n.subject.startswith("Overdue action:") for n in notes) == 3 + 2
    assert all(n.status == Notification.Status.SENT and n.attempts == 1 for n in notes)
    assert len(mailoutbox) == len(notes)  # each row sent exactly once
    assert_no_mail_twice(mailoutbox)


def skip_unless_postgres():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL's row and advisory locks: SQLite serialises writers, "
            "so concurrent passes cannot race there; run with DATABASE_URL set"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_fire_and_send_everything_exactly_once(busy_partnership, mailoutbox):
    skip_unless_postgres()
    with time_machine.travel(after(busy_partnership), tick=False):
        results = run_concurrently()
        assert_each_once(results, mailoutbox)
        # one pass held the advisory lock; a pass afterwards finds nothing left
        assert run_pass().timers_fired == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_advisory_lock_each_part_is_still_idempotent(
    busy_partnership, mailoutbox, monkeypatch
):
    """The advisory lock is the first guard; the row locks, SKIP LOCKED and dedupe keys
    underneath must hold on their own (a pass that outlives a lock, a second host)."""
    skip_unless_postgres()
    from contextlib import contextmanager

    @contextmanager
    def everyone_runs():
        yield True

    monkeypatch.setattr(scheduler, "_single_runner", everyone_runs)
    with time_machine.travel(after(busy_partnership), tick=False):
        results = run_concurrently(3)
        assert all(r.ran for r in results)
        assert_each_once(results, mailoutbox)
