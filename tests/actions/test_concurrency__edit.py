"""Changing an action's details at the same moment as another change, on PostgreSQL: the
row lock serialises them, so the history chains (each change's "before" is the previous
change's "after") and a change racing a cancellation never lands on a closed action."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from actions import services
from actions.models import Action, ActionChange
from actions.models import ActionState as S
from agencies.roles import PartnershipRole
from core.transitions import TransitionRefused
from tests.factories import UserFactory, in_days
from tests.factories.actions import make_action


def race(*steps: Callable[[Action], object], pk: int) -> list[str]:
    """Run each step in its own thread and connection, all starting together, each on
    the action as it was loaded before the race (as two open pages would)."""
    barrier = threading.Barrier(len(steps))
    outcomes: list[str] = []

    def run(step: Callable[[Action], object]) -> None:
        try:
            mine = Action.objects.get(pk=pk)
            barrier.wait(timeout=10)
            step(mine)
            outcomes.append("ok")
        except TransitionRefused as exc:
            outcomes.append(exc.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(s,)) for s in steps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: runs in the PostgreSQL pass of make test")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_changes_at_once_chain_in_the_history(postgres, alice, agency_a, manager):
    # only the partnership manager moves a target date (a lead asks for an extension):
    # two of them at once
    deputy = UserFactory(username="deputy", groups=[PartnershipRole.PARTNERSHIP_MANAGER])
    action = make_action(agency=agency_a, lead=alice, by=manager, target_in_days=60)
    outcomes = race(
        lambda a: services.action_update_details(
            action=a, by=manager, reason="Manager: later", target_date=in_days(90)
        ),
        lambda a: services.action_update_details(
            action=a, by=deputy, reason="Deputy: later still", target_date=in_days(120)
        ),
        pk=action.pk,
    )
    assert outcomes == ["ok", "ok"]
    first, second = ActionChange.objects.filter(action=action).order_by("pk")
    assert second.fields["target_date"][0] == first.fields["target_date"][1]
    assert first.fields["target_date"][0] == f"{in_days(60):%-d %B %Y}"
    action.refresh_from_db()
    assert f"{action.target_date:%-d %B %Y}" == second.fields["target_date"][1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_racing_a_cancellation(postgres, alice, agency_a, manager):
    action = make_action(agency=agency_a, lead=alice, by=manager)
    outcomes = race(
        lambda a: services.action_update_details(
            action=a, by=manager, reason="Later", target_date=in_days(90)
        ),
        lambda a: services.action_cancel(action=a, by=manager, reason="Duplicate"),
        pk=action.pk,
    )
    action.refresh_from_db()
    assert action.state == S.CANCELLED  # the cancellation always lands
    changes = ActionChange.objects.filter(action=action).count()
    if outcomes.count("ok") == 2:  # the change went first
        assert changes == 1 and action.target_date == in_days(90)
    else:  # the change came second, and was refused
        assert services.CLOSED_NO_EDIT in outcomes and changes == 0
