"""A small partnership with an action in every state and RAG, in two agencies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from actions import services
from actions.models import Action
from actions.models import ActionState as S
from tests.factories import in_days
from tests.factories.actions import make_action


@pytest.fixture
def plan(agency_a, agency_b, alice, charlie, manager, li):
    """CSC (agency_a, lead alice) and the police (agency_b, lead charlie)."""

    def act(agency, lead, days, state=S.ASSIGNED, ref=""):
        return make_action(
            agency=agency, lead=lead, by=manager, target_in_days=days, state=state, reference=ref
        )

    a = agency_a
    made = SimpleNamespace(
        overdue=act(a, alice, -10, ref="A1"),
        overdue_asked=act(a, alice, -20, S.IN_PROGRESS, ref="A2"),
        amber=act(a, alice, 5, ref="A3"),
        green=act(a, alice, 60, ref="A4"),
        review=act(a, alice, 60, S.EVIDENCE_SUBMITTED, ref="A5"),
        sign_off=act(a, alice, 60, S.ACCEPTED, ref="A6"),
        check_due=act(a, alice, 60, S.LEARNING_CHECK_DUE, ref="A7"),
        embedded=act(a, alice, 60, S.EMBEDDED, ref="A8"),
        partly=act(a, alice, 60, S.PARTLY_EMBEDDED, ref="A9"),
        not_embedded=act(a, alice, 60, S.NOT_EMBEDDED, ref="A10"),
        cancelled=act(a, alice, 60, S.CANCELLED, ref="A11"),
        police_overdue=act(agency_b, charlie, -3, ref="P1"),
        police_green=act(agency_b, charlie, 90, ref="P2"),
    )
    # Asked for an extension: still overdue until the partnership manager approves it.
    services.action_ask_extension(
        action=made.overdue_asked, by=alice, new_target_date=in_days(30), reason="Staff away"
    )
    # Extended once already and overdue again.
    Action.objects.filter(pk=made.overdue.pk).update(extensions=1)
    made.overdue.refresh_from_db()
    return made
