"""Issue 9: the L&I queue says who each record waits on and since when, and the
partnership manager, who runs the partnership, may read it (only the L&I group acts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_fsm_log.models import StateLog

from actions.models import ActionState as S
from tests.conftest import login
from tests.factories import ActionFactory, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(agency_a, alice, manager):
    action = ActionFactory(agency=agency_a, lead=alice, by=manager, description="Audit referrals")
    walk_to(action, S.EVIDENCE_SUBMITTED, lead=alice)
    # submitted three days ago
    when = timezone.now() - timedelta(days=3)
    StateLog.objects.filter(object_id=action.pk, state=S.EVIDENCE_SUBMITTED).update(timestamp=when)
    return action, when


def test_the_partnership_manager_may_read_the_li_queue(submitted, manager):
    action, _ = submitted
    response = login(manager).get(reverse("actions:li-queue"))
    assert response.status_code == 200
    assert escape(str(action)) in response.content.decode()
    assert reverse("actions:li-queue") in login(manager).get("/").content.decode()  # nav


def test_an_agency_lead_still_may_not(submitted, alice):
    assert login(alice).get(reverse("actions:li-queue")).status_code == 403


def test_each_row_says_who_it_waits_on_since_when_and_who_sent_it(submitted, li, alice):
    _action, when = submitted
    html = login(li).get(reverse("actions:li-queue")).content.decode()
    assert "Waiting since" in html
    assert "The Learning and Improvement group to review the evidence" in html
    assert timezone.localtime(when).strftime("%-d %b %Y") in html
    assert f"sent by {alice.get_full_name() or alice.username}" in html


def test_the_queue_reads_the_same_queries_for_one_and_several_rows(
    submitted, li, agency_a, alice, manager
):
    client = login(li)
    client.get(reverse("actions:li-queue"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("actions:li-queue"))
    for i in range(3):
        walk_to(
            ActionFactory(agency=agency_a, lead=alice, by=manager, description=f"More {i}"),
            S.EVIDENCE_SUBMITTED,
            lead=alice,
        )
    with CaptureQueriesContext(connection) as several:
        client.get(reverse("actions:li-queue"))
    assert len(several) == len(one)
