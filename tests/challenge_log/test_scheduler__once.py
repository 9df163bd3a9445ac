"""A missed deadline escalates once, however many scheduler passes run at that moment."""

from __future__ import annotations

from datetime import date

import pytest
from django_fsm_log.models import StateLog

from challenge_log import services
from challenge_log.models import Challenge
from core.models import Notification
from tests.factories.challenge_log import make_challenge
from workflows.scheduler import run_pass

pytestmark = pytest.mark.django_db

LATE = date(2027, 3, 15)  # the deadline (8 March) has passed


def test_two_passes_at_the_same_moment_escalate_once(bob, agency_b, manager):
    c = make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 1))
    assert services.challenge_escalate_overdue(LATE) == 1
    assert services.challenge_escalate_overdue(LATE) == 0
    c.refresh_from_db()
    assert c.stage.number == 2 and c.escalations == 1
    assert StateLog.objects.for_(c).filter(state="escalated").count() == 1
    assert (
        Notification.objects.filter(recipient=manager, subject__contains="escalated").count() == 1
    )


def test_a_pass_that_read_the_list_before_another_escalated_does_nothing(bob, agency_b):
    """The second pass read (pk, deadline) before the first escalated: its claim, a
    conditional update naming the deadline it saw, matches nothing."""
    c = make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 1))
    stale = list(Challenge.objects.values_list("pk", "deadline"))
    assert services.challenge_escalate_overdue(LATE) == 1
    # now the challenge awaits a response again, at stage 2, with a deadline in the past
    # of a later day: the stale pass still names the first deadline
    for pk, deadline in stale:
        assert services.escalate_missed(pk=pk, deadline=deadline, today=LATE) is False
    c.refresh_from_db()
    assert c.stage.number == 2 and c.escalations == 1


def test_the_scheduler_runs_it_once_a_pass(bob, agency_b):
    c = make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 1))
    assert run_pass(today=LATE).sweeps["challenge_escalations"] == 1
    assert run_pass(today=LATE).sweeps.get("challenge_escalations", 0) == 0
    c.refresh_from_db()
    assert c.stage.number == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_the_same_moment_on_postgresql(bob, agency_b, manager):
    """Two passes in two connections, released together: one escalates, the other waits
    on the row lock, then sees the new deadline and does nothing."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: runs in the PostgreSQL pass of make test")
    c = make_challenge(raiser=bob, against=agency_b, today=date(2027, 3, 1))
    barrier = threading.Barrier(2)
    done: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            done.append(services.challenge_escalate_overdue(LATE))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(done) == [0, 1]
    c.refresh_from_db()
    assert c.stage.number == 2 and c.escalations == 1
    assert StateLog.objects.for_(c).filter(state="escalated").count() == 1
