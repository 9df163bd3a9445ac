"""Two leads signing off the same action at the same moment, on PostgreSQL: exactly one
succeeds, the other gets a clear message, and there is one log row."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django_fsm_log.models import StateLog

from actions import services
from actions.models import Action
from actions.models import ActionState as S
from agencies.models import Role
from core.transitions import CONCURRENT_CHANGE, TransitionRefused
from tests.factories import ActionFactory, member


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_leads_sign_off_at_once(alice, agency_a, manager, li):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: runs in the PostgreSQL pass of make test")
    alex = member(agency_a, Role.AGENCY_LEAD, "alex")
    action = ActionFactory(agency=agency_a, lead=alice, by=manager, li=li, state=S.ACCEPTED)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign_off(user):
        try:
            mine = Action.objects.get(pk=action.pk)  # each lead loaded the page before
            barrier.wait(timeout=10)
            services.action_sign_off(action=mine, by=user)
            outcomes.append("ok")
        except TransitionRefused as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_off, args=(u,)) for u in (alice, alex)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(outcomes, key=lambda o: o != "ok")[0] == "ok"
    assert outcomes.count("ok") == 1
    refused = next(o for o in outcomes if o != "ok")
    assert refused in (CONCURRENT_CHANGE, services.NOT_ACCEPTED)
    action.refresh_from_db()
    assert action.state == S.SIGNED_OFF
    assert StateLog.objects.for_(action).filter(transition="sign_off").count() == 1
