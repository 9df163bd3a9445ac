"""The reminder sweep runs every day: a pass with nothing to send costs the same number
of queries at 10 and at 1,000 overdue records (the batch's dedupe keys are read in one
query, recipients once per agency), and a pass that does send still queues every
reminder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions import services
from actions.models import Action, ActionState, LearningCheck
from agencies.models import Partnership

S = ActionState

# Each batch, in quarters: overdue by 3 days (the lead and the designated lead), overdue
# by 60 days (escalated to the partnership manager once), accepted but not signed off
# (whoever may sign off: the agency and designated leads), a learning check due for a
# month (the lead, the designated lead, the L&I group).
KINDS = [
    (S.IN_PROGRESS, -3),
    (S.ASSIGNED, -60),
    (S.ACCEPTED, -3),
    (S.LEARNING_CHECK_DUE, -200),
]


def add_actions(n: int, *, agency, lead, by) -> None:
    today = timezone.localdate()
    actions = Action.objects.bulk_create(
        [
            Action(
                agency=agency,
                lead=lead,
                created_by=by,
                description=f"Deliver neglect training {i}",
                target_date=today + timedelta(days=KINDS[i % 4][1]),
                state=KINDS[i % 4][0],
            )
            for i in range(n)
        ]
    )
    LearningCheck.objects.bulk_create(
        [
            LearningCheck(
                action=a,
                due_on=today - timedelta(days=30),
                opened_at=timezone.now() - timedelta(days=30),
            )
            for a in actions
            if a.state == S.LEARNING_CHECK_DUE
        ]
    )


def quiet_pass_queries() -> int:
    """The queries of a pass that has already sent everything due."""
    with CaptureQueriesContext(connection) as ctx:
        assert services.action_send_reminders(timezone.localdate()) == 0
    return len(ctx)


@pytest.mark.django_db
def test_a_pass_with_nothing_to_send_costs_the_same_at_10_and_1000(
    agency_a, alice, ann, li, manager
):
    add_actions(10, agency=agency_a, lead=alice, by=manager)
    Partnership.current()  # its settings row is created on first read
    assert services.action_send_reminders(timezone.localdate()) > 0
    at_10 = quiet_pass_queries()

    add_actions(990, agency=agency_a, lead=alice, by=manager)
    sent = services.action_send_reminders(timezone.localdate())
    at_1000 = quiet_pass_queries()

    assert at_1000 == at_10
    assert at_10 <= 13, at_10
    # the busy pass queued every reminder of the 990 new actions (i = 0..989, kind i % 4):
    # overdue to alice and ann, escalations to the manager, unsigned to alice and ann (who
    # may sign off: the agency lead and, since issue 9, the designated lead), checks due
    # to alice, ann and li
    per_kind = [len(range(k, 990, 4)) for k in range(4)]  # 248, 248, 247, 247
    overdue, long_overdue, unsigned, checks = per_kind
    assert sent == 2 * (overdue + long_overdue) + long_overdue + 2 * unsigned + 3 * checks
    assert Action.objects.filter(escalated_at__isnull=False).count() == 3 + long_overdue
